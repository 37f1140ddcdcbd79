from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.formbase import Form, finite_number
from app.models.base import current_language
from app.proposals.services import ProposalData

MAX_COST = Decimal("999999999999")  # what Numeric(14, 2) holds in whole won


class ProposalForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=150)],
                        description=_l("Say in one line what you propose."))
    body = TextAreaField(_l("Your proposal"), validators=[DataRequired(), Length(min=20, max=20000)],
                         description=_l("What should change, where, and why. Markdown: **bold**, *italic*, "
                                        "lists and links."))
    district = SelectField(_l("District"), coerce=int, validators=[Optional()])
    sdg_targets = SelectMultipleField(_l("SDG targets"), validators=[Optional()])
    plan_items = SelectMultipleField(_l("Plan items"), coerce=int, validators=[Optional()])
    cost = DecimalField(_l("Estimated cost (won)"), places=0, validators=[
        Optional(), finite_number, NumberRange(min=Decimal(0), max=MAX_COST,
                                               message=_l("Enter an amount between 0 and 999,999,999,999."))],
        description=_l("Optional. A rough figure is fine."))
    # Co-authoring: one of the organizations the author is a member of (0: the author alone); the view fills it.
    organization = SelectField(_l("On behalf of"), coerce=int, default=0, validators=[Optional()],
                               description=_l("Write it together with an organization you are a member of."))
    submit = SubmitField(_l("Publish proposal"))

    def offer(self, process, goals, organizations) -> None:
        """The choices: the city's districts, the SDG targets of ``goals``, the process's plan items, and the
        organizations (``services.organizations_for``) the author may write on behalf of."""
        self.district.choices = district_choices(process.city, _("Whole city / not specific"))
        self.sdg_targets.choices = [(t.code, t.code) for goal in goals for t in goal.targets]
        self.plan_items.choices = [(item.id, item.title) for item in (process.plan.items if process.plan else [])]
        self.organization.choices = [(0, _("Only myself"))] + [(o.id, o.name) for o in organizations]

    def proposal_data(self) -> ProposalData:
        """What the services take, from a validated form."""
        return ProposalData(
            title=self.title.data, body=self.body.data, district_id=self.district.data or None,
            sdg_target_codes=tuple(self.sdg_targets.data or ()), plan_item_ids=tuple(self.plan_items.data or ()),
            cost=self.cost.data, organization_id=self.organization.data or None,
        )


def district_choices(city, blank: str) -> list[tuple[int, str]]:
    """The city's districts by name in the page's language, after ``blank`` (0: none)."""
    locale = current_language()
    return [(0, blank)] + [(d.id, d.name(locale)) for d in sorted(city.districts, key=lambda d: d.name(locale))]


class WithdrawForm(Form):
    reason = TextAreaField(_l("Why do you withdraw it?"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Withdraw proposal"))


SORTS = ("newest", "oldest", "supports")


class FilterForm(Form):
    """The list's filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    goal = SelectField(_l("SDG goal"), coerce=int, validators=[Optional()])
    district = SelectField(_l("District"), coerce=int, validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
