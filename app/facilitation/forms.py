from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import PhaseAction


def action_labels():
    return {
        PhaseAction.PROPOSE: _l("Propose"),
        PhaseAction.COMMENT: _l("Comment"),
        PhaseAction.SUPPORT: _l("Support proposals"),
        PhaseAction.BUDGET_VOTE: _l("Vote on the budget"),
        PhaseAction.POLL_VOTE: _l("Vote in polls"),
        PhaseAction.STATEMENT_VOTE: _l("Vote on statements"),
    }


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProcessForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown: **bold**, *italic*, lists and links."))
    plan = SelectField(_l("City plan"), coerce=int, validators=[Optional()],
                       description=_l("Proposals in this process can be linked to the plan's items."))
    eligibility_note = StringField(_l("Who can take part"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save process"))


class PhaseForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What happens in this round"), validators=[Optional(), Length(max=5000)])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a start date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Enter an end date and time."))],
                                 description=_l("The round ends just before this moment."))
    actions = MultiCheckboxField(_l("What citizens can do in this round"),
                                 choices=lambda: [(a.value, label) for a, label in action_labels().items()],
                                 validators=[Optional()])
    submit = SubmitField(_l("Save round"))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The round must end after it starts."))


class ConfirmForm(FlaskForm):
    """A POST-only action that carries nothing but the CSRF token."""

    submit = SubmitField(_l("Confirm"))
