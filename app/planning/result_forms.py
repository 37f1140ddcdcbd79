"""Forms for results: the result itself (texts, dates, its parent, its links) and a dated progress update."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.facilitation.forms import MARKDOWN_HINT, BilingualForm, MultiCheckboxField
from app.formbase import Form, finite_number
from app.models import ResultStatus


def status_labels() -> dict[str, str]:
    return {
        ResultStatus.PLANNED: _l("Planned"),
        ResultStatus.IN_PROGRESS: _l("In progress"),
        ResultStatus.COMPLETED: _l("Completed"),
        ResultStatus.CANCELLED: _l("Cancelled"),
    }


def sensible_year(form, field):
    if field.data is not None and not 1900 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between the years 1900 and 2100."))


class ResultForm(BilingualForm):
    required_pairs = ("title",)

    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    starts_on = DateField(_l("Starts on"), validators=[Optional(), sensible_year],
                          description=_l("Optional. As year-month-day, for example 2027-03-01."))
    ends_on = DateField(_l("Ends on"), validators=[Optional(), sensible_year],
                        description=_l("Optional. The day it is due to be finished."))
    parent = SelectField(_l("Part of"), coerce=int, validators=[Optional()],
                         description=_l("A larger result this one belongs to. A result with parts takes its "
                                        "progress from them."))
    proposals = MultiCheckboxField(_l("Proposals it delivers"), coerce=int, validators=[Optional()])
    plan_items = MultiCheckboxField(_l("Plan items it serves"), coerce=int, validators=[Optional()])
    indicators = MultiCheckboxField(_l("Indicators that measure it"), coerce=int, validators=[Optional()])
    sdg_targets = MultiCheckboxField(_l("SDG targets"), validators=[Optional()])
    submit = SubmitField(_l("Save result"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class ResultUpdateForm(BilingualForm):
    """`today` (the city's date) is set by the view: an update tells what has happened, so not in the future."""

    required_pairs = ("text",)
    today: date | None = None

    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date of this update.")),
                                           sensible_year],
                   description=_l("When it happened, as year-month-day."))
    status = SelectField(_l("Status"), choices=lambda: list(status_labels().items()),
                         validators=[InputRequired(message=_l("Choose a status."))])
    progress = DecimalField(_l("Progress (%)"), places=None, validators=[
        Optional(), finite_number,
        NumberRange(min=0, max=100, message=_l("Enter a percentage between 0 and 100."))],
        description=_l("From 0 to 100. Leave empty to keep the current progress."))
    text_ko = TextAreaField(_l("What happened (Korean)"), validators=[Optional(), Length(max=5000)])
    text_en = TextAreaField(_l("What happened (English)"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Post update"))

    def validate_on(self, field):
        if self.today and field.data and field.data > self.today:
            raise ValidationError(_l("An update tells what has happened: choose today or an earlier date."))

    def validate_progress(self, field):
        if field.data is None or not 0 <= field.data <= 100:
            return  # NumberRange said so already
        if field.data != field.data.quantize(type(field.data)("0.01")):
            raise ValidationError(_l("Use at most two decimal places."))


class ResultFilterForm(Form):
    """The list's filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    goal = SelectField(_l("SDG goal"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Filter"))
