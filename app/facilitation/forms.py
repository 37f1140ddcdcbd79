from flask_babel import lazy_gettext as _l
from app.formbase import Form
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import PhaseAction
from app.timezones import MAX_YEAR, MIN_YEAR, UnclearLocalTime, local_to_utc


def action_labels():
    return {
        PhaseAction.PROPOSE: _l("Propose"),
        PhaseAction.COMMENT: _l("Comment"),
        PhaseAction.SUPPORT: _l("Support proposals"),
        PhaseAction.BUDGET_VOTE: _l("Vote on the budget"),
        PhaseAction.POLL_VOTE: _l("Vote in polls"),
        PhaseAction.STATEMENT_VOTE: _l("Vote on statements"),
    }


def clear_local_time(form, field):
    """The date and time must exist exactly once in the city's time zone (set by the view as `time_zone`)."""
    if field.data is None:
        return
    try:
        local_to_utc(field.data, getattr(form, "time_zone", "UTC"))
    except UnclearLocalTime as error:
        raise ValidationError(_l("Choose another time: this one falls outside %(min)s–%(max)s, or the clocks "
                                 "skip or repeat it in the city's time zone.", min=MIN_YEAR, max=MAX_YEAR)) from error


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BilingualForm(Form):
    """Staff write in Korean and English; at least one of each pair named in `required_pairs` is needed."""

    required_pairs: tuple[str, ...] = ()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for pair in self.required_pairs:
            ko, en = self[f"{pair}_ko"], self[f"{pair}_en"]
            if not (ko.data or "").strip() and not (en.data or "").strip():
                ko.errors = [*ko.errors, _l("Write it in Korean, in English, or both.")]
                valid = False
        return valid


MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, lists and links.")


class ProcessForm(BilingualForm):
    required_pairs = ("title",)

    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    plan = SelectField(_l("City plan"), coerce=int, validators=[Optional()],
                       description=_l("Proposals in this process can be linked to the plan's items."))
    eligibility_note_ko = StringField(_l("Who can take part (Korean)"), validators=[Optional(), Length(max=500)])
    eligibility_note_en = StringField(_l("Who can take part (English)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save process"))


class PhaseForm(BilingualForm):
    required_pairs = ("name",)

    name_ko = StringField(_l("Name of the round in Korean"), validators=[Optional(), Length(max=120)])
    name_en = StringField(_l("Name of the round in English"), validators=[Optional(), Length(max=120)])
    description_ko = TextAreaField(_l("What happens in this round (Korean)"),
                                   validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("What happens in this round (English)"),
                                   validators=[Optional(), Length(max=2000)])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a start date and time.")),
                                               clear_local_time])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Enter an end date and time.")),
                                             clear_local_time],
                                 description=_l("The round ends just before this moment."))
    actions = MultiCheckboxField(_l("What citizens can do in this round"),
                                 choices=lambda: [(a.value, label) for a, label in action_labels().items()],
                                 validators=[Optional()])
    submit = SubmitField(_l("Save round"))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The round must end after it starts."))


class ConfirmForm(Form):
    """A POST-only action that carries nothing but the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class RoundEndForm(Form):
    """The dashboard's "extend the current round": a new end, in the city's time zone."""

    ends_at = DateTimeLocalField(_l("New end"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Enter an end date and time.")),
                                             clear_local_time],
                                 description=_l("The round ends just before this moment."))
    submit = SubmitField(_l("Change the end"))


class RoundDatesForm(Form):
    """The dashboard's "reschedule an upcoming round"."""

    starts_at = DateTimeLocalField(_l("New start"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a start date and time.")),
                                               clear_local_time])
    ends_at = DateTimeLocalField(_l("New end"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Enter an end date and time.")),
                                             clear_local_time])
    submit = SubmitField(_l("Reschedule"))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The round must end after it starts."))
