from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.formbase import Form, finite_number

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
