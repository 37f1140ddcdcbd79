"""Forms for plans, plan items, local targets, indicators and their readings. Staff write titles in Korean and
English (at least one of each pair); the view fills the choices (targets, local targets, official indicators)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.facilitation.forms import BilingualForm, MultiCheckboxField
from app.formbase import Form, finite_number

MIN_YEAR, MAX_YEAR = 1900, 2100
# Indicator values are Numeric(18, 4): up to 14 digits before the point and 4 after.
MAX_VALUE = Decimal("99999999999999.9999")
VALUE_PLACES = 4
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _year(label):
    return IntegerField(label, validators=[Optional(), NumberRange(
        min=MIN_YEAR, max=MAX_YEAR, message=_l("Enter a year between %(min)s and %(max)s.", min=MIN_YEAR,
                                               max=MAX_YEAR))])


def at_most_four_places(form, field):
    if field.data is not None and field.data.as_tuple().exponent < -VALUE_PLACES:
        raise ValidationError(_l("Use at most four digits after the decimal point."))


def _value(label, required=False, description=None):
    first = InputRequired(message=_l("Enter a value in numbers.")) if required else Optional()
    return DecimalField(label, description=description, validators=[
        first, finite_number, at_most_four_places,
        NumberRange(min=-MAX_VALUE, max=MAX_VALUE, message=_l("This number is too large."))])


class PlanForm(BilingualForm):
    required_pairs = ("title",)

    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)])
    start_year = _year(_l("First year"))
    end_year = _year(_l("Last year"))
    submit = SubmitField(_l("Save plan"))

    def validate_end_year(self, field):
        if field.data is not None and self.start_year.data is not None and field.data < self.start_year.data:
            raise ValidationError(_l("The last year cannot come before the first year."))


class PlanItemForm(BilingualForm):
    required_pairs = ("title",)

    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a short code, for example cycling-network.")), Length(max=60),
        Regexp(CODE_PATTERN, message=_l("Use letters, digits, dots, hyphens and underscores only."))],
        description=_l("Short and unique within the plan, for example cycling-network."))
    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)])
    position = IntegerField(_l("Position in the plan"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number between 0 and 10,000."))],
        description=_l("Items are listed from the lowest number."))
    # Rendered by the template as a picker grouped by goal; the view sets the choices.
    sdg_targets = MultiCheckboxField(_l("SDG targets"), validators=[Optional()])
    local_targets = MultiCheckboxField(_l("The city's local targets"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save plan item"))


class LocalTargetForm(Form):
    sdg_target = SelectField(_l("Global SDG target"), validators=[
        InputRequired(message=_l("Choose the global target this one extends."))],
        description=_l("The local target's code starts with this target's code."))
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter a code, for example 11.2.SEL1.")), Length(max=40),
        Regexp(CODE_PATTERN, message=_l("Use letters, digits, dots, hyphens and underscores only."))],
        description=_l("The global target's code, a dot, then your own part: 11.2 → 11.2.SEL1."))
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Save local target"))

    def validate_code(self, field):
        prefix = f"{self.sdg_target.data}."
        if self.sdg_target.data and (not field.data.startswith(prefix) or len(field.data) == len(prefix)):
            raise ValidationError(_l("The code must start with %(prefix)s and add your own part, for example "
                                     "%(example)s.", prefix=prefix, example=f"{prefix}SEL1"))


class IndicatorForm(BilingualForm):
    required_pairs = ("name",)

    name_ko = StringField(_l("Name in Korean"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)],
                       description=_l("For example km, %, or people."))
    baseline_value = _value(_l("Baseline value"))
    baseline_year = _year(_l("Baseline year"))
    target_value = _value(_l("Target value"))
    target_year = _year(_l("Target year"))
    sdg_indicator = SelectField(_l("Official SDG indicator"), validators=[Optional()],
                                description=_l("Optional: the UN indicator this one reports on, among those of the "
                                               "item's targets."))
    position = IntegerField(_l("Position"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number between 0 and 10,000."))])
    submit = SubmitField(_l("Save indicator"))


class ReadingForm(Form):
    measured_on = DateField(_l("Measured on"), validators=[InputRequired(message=_l("Enter the date of the reading."))])
    value = _value(_l("Value"), required=True)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)],
                       description=_l("Optional: the source, or what changed."))
    submit = SubmitField(_l("Add reading"))

    def validate_measured_on(self, field):
        if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
            raise ValidationError(_l("Enter a date between %(min)s and %(max)s.", min=MIN_YEAR, max=MAX_YEAR))


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"))

