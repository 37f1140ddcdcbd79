"""Forms for practices: the practice itself (texts in Korean and English, SDG targets, theme, budget, staff,
period, partners, contact, up to ten outcome indicators) and the library's search (GET, no CSRF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.facilitation.forms import MARKDOWN_HINT, BilingualForm, MultiCheckboxField
from app.formbase import Form, finite_number, nfc
from app.models import PracticeTheme
from app.planning.result_forms import sensible_year
from app.practices.practice_services import MAX_INDICATORS
from app.voting.budget_forms import CURRENCIES


def theme_labels() -> dict[str, str]:
    return {
        PracticeTheme.MOBILITY: _l("Mobility"),
        PracticeTheme.ENVIRONMENT: _l("Environment"),
        PracticeTheme.CLIMATE: _l("Climate"),
        PracticeTheme.HOUSING: _l("Housing"),
        PracticeTheme.PUBLIC_SPACE: _l("Public space"),
        PracticeTheme.SAFETY: _l("Safety"),
        PracticeTheme.EDUCATION: _l("Education"),
        PracticeTheme.HEALTH: _l("Health"),
        PracticeTheme.ECONOMY: _l("Economy"),
        PracticeTheme.INCLUSION: _l("Inclusion"),
        PracticeTheme.GOVERNANCE: _l("Governance"),
        PracticeTheme.CULTURE: _l("Culture"),
    }


def size_labels() -> dict[str, str]:
    return {
        "small": _l("Under 100,000 people"),
        "medium": _l("100,000 to 1 million people"),
        "large": _l("1 to 5 million people"),
        "mega": _l("Over 5 million people"),
    }


class IndicatorRowForm(PlainForm):
    """One outcome indicator; a row with no name is ignored."""

    name_ko = StringField(_l("Name in Korean"), filters=[nfc], validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name in English"), filters=[nfc], validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), filters=[nfc], validators=[Optional(), Length(max=40)])
    baseline = DecimalField(_l("Before"), places=None, validators=[Optional(), finite_number])
    value = DecimalField(_l("After"), places=None, validators=[Optional(), finite_number])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(
        min=1900, max=2100, message=_l("Enter a year between 1900 and 2100."))])
    indicator_id = HiddenField()

    def validate_indicator_id(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Unknown indicator."))

    @property
    def filled(self) -> bool:
        return bool((self.name_ko.data or "").strip() or (self.name_en.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        has_numbers = self.baseline.data is not None or self.value.data is not None or (self.unit.data or "").strip()
        if has_numbers and not self.filled:
            self.name_en.errors = [*self.name_en.errors, _l("Give the indicator a name.")]
            valid = False
        return valid


class PracticeForm(BilingualForm):
    required_pairs = ("title",)

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if unbound_field.field_class in (FieldList, FormField):  # the rows normalise their own text
                return unbound_field.bind(form=form, **options)
            return unbound_field.bind(form=form, filters=[nfc, *unbound_field.kwargs.get("filters", ())],
                                      **options)

    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    theme = SelectField(_l("Theme"), choices=lambda: [("", _l("Choose a theme"))] + list(theme_labels().items()),
                        validators=[InputRequired(message=_l("Choose a theme."))])
    summary_ko = TextAreaField(_l("Summary in Korean"), validators=[Optional(), Length(max=20000)],
                               description=MARKDOWN_HINT)
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=20000)],
                               description=MARKDOWN_HINT)
    sdg_targets = MultiCheckboxField(_l("SDG targets"), validators=[Optional()])
    budget = DecimalField(_l("Budget"), places=None, validators=[
        Optional(), finite_number, NumberRange(min=0, message=_l("Enter an amount of zero or more."))],
        description=_l("Optional. In the currency's major unit."))
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="KRW")
    staff = IntegerField(_l("Staff"), validators=[Optional(), NumberRange(
        min=0, max=1_000_000, message=_l("Enter a number of people of zero or more."))],
        description=_l("Optional. How many people worked on it."))
    starts_on = DateField(_l("Started on"), validators=[Optional(), sensible_year],
                          description=_l("Optional. As year-month-day, for example 2027-03-01."))
    ends_on = DateField(_l("Ended on"), validators=[Optional(), sensible_year],
                        description=_l("Optional. Leave empty if it is still running."))
    obstacles_ko = TextAreaField(_l("Obstacles in Korean"), validators=[Optional(), Length(max=20000)],
                                 description=MARKDOWN_HINT)
    obstacles_en = TextAreaField(_l("Obstacles in English"), validators=[Optional(), Length(max=20000)],
                                 description=MARKDOWN_HINT)
    success_factors_ko = TextAreaField(_l("Success factors in Korean"), validators=[Optional(), Length(max=20000)],
                                       description=MARKDOWN_HINT)
    success_factors_en = TextAreaField(_l("Success factors in English"), validators=[Optional(), Length(max=20000)],
                                       description=MARKDOWN_HINT)
    organizations = MultiCheckboxField(_l("Partner organizations on Madang"), coerce=int, validators=[Optional()],
                                       description=_l("Optional. Organizations that members of your city belong "
                                                      "to."))
    partners_text = StringField(_l("Other partners"), validators=[Optional(), Length(max=1000)],
                                description=_l("Optional. Partners not on Madang, in words."))
    indicators = FieldList(FormField(IndicatorRowForm), label=_l("Outcome indicators"), min_entries=MAX_INDICATORS,
                           max_entries=MAX_INDICATORS)
    contact_name = StringField(_l("Contact name"), validators=[Optional(), Length(max=200)],
                               description=_l("Optional. Who other cities can ask; you if left empty."))
    contact_email = StringField(_l("Contact e-mail address"), validators=[
        Optional(), Length(max=254), Email(message=_l("Enter an e-mail address like name@example.org."))])
    submit = SubmitField(_l("Save practice"))

    @property
    def errors(self):
        errors = dict(super().errors)
        if "indicators" in errors:  # one line for the summary; each row shows its own errors
            errors["indicators"] = [_l("Check the marked outcome indicators.")]
        return errors

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class LibraryForm(Form):
    """The library's search, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Words"), validators=[Optional(), Length(max=200)])
    goal = SelectField(_l("SDG goal"), coerce=int, validators=[Optional()])
    target = SelectField(_l("SDG target"), validators=[Optional()])
    theme = SelectField(_l("Theme"), validators=[Optional()],
                        choices=lambda: [("", _l("All themes"))] + list(theme_labels().items()))
    size = SelectField(_l("City size"), validators=[Optional()],
                       choices=lambda: [("", _l("Any size"))] + list(size_labels().items()))
    region = SelectField(_l("Region"), validators=[Optional()])
    submit = SubmitField(_l("Search"))
