"""The statement forms: a statement (a citizen's or a facilitator's seed), a vote (three submit buttons named
"value", so it works without JavaScript), a moderator's decision on one statement, and the process's settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from app.formbase import Form
from app.models import STATEMENT_MAX_LENGTH, StatementModeration, VoteValue
from app.vision.statements import ModerationDecision, StatementRefused, clean_body

VOTE_VALUES = {"agree": VoteValue.AGREE, "disagree": VoteValue.DISAGREE, "pass": VoteValue.PASS}
VOTE_NAMES = {value: name for name, value in VOTE_VALUES.items()}


def statement_body(form, field):
    """The same rule the service applies (empty, too long), with its message on the field."""
    try:
        field.data = clean_body(field.data)
    except StatementRefused as refused:
        raise ValidationError(refused.message) from refused


def _hint():
    return _l("Up to %(max)d characters. One idea in plain words, which others can agree or disagree with.",
              max=STATEMENT_MAX_LENGTH)


class StatementForm(Form):
    body = TextAreaField(_l("Your statement"), validators=[statement_body], description=_hint())
    submit = SubmitField(_l("Add my statement"))

    def refuse(self, refused: StatementRefused) -> None:
        """Show the service's refusal (a duplicate) on the field."""
        self.body.errors = [*self.body.errors, refused.message]


class SeedForm(StatementForm):
    body = TextAreaField(_l("New statement"), validators=[statement_body], description=_hint())
    submit = SubmitField(_l("Add the statement"))


class VoteForm(Form):
    value = StringField(validators=[InputRequired(), AnyOf(tuple(VOTE_VALUES))])
    next = HiddenField()

    @property
    def vote(self) -> VoteValue:
        return VOTE_VALUES[self.value.data]


class ModerationForm(Form):
    """One per statement on the moderation page: the decision comes from the button pressed. Rejecting needs a
    reason, which the author reads."""

    decision = StringField(validators=[InputRequired(), AnyOf(tuple(d.value for d in ModerationDecision))])
    reason = StringField(_l("Reason (needed to reject; the author sees it)"),
                         validators=[Length(max=500)])
    origin = StringField()  # which page sent the form: "statement" or "manage" (rendered by hand)

    def validate_reason(self, field):
        if self.decision.data == ModerationDecision.REJECT and not (field.data or "").strip():
            raise ValidationError(_l("Give a reason for rejecting the statement: its author will read it."))


def moderation_form(statement_id: int, formdata=None) -> ModerationForm:
    """The form for one statement: its fields carry the statement's id, so a page can hold many."""
    form = ModerationForm(formdata=formdata, prefix=f"statement-{statement_id}")
    return form


def moderation_labels() -> dict[str, object]:
    return {
        StatementModeration.POST.value: _l("Publish citizens' statements at once; moderators can reject them "
                                           "afterwards (post-moderation)"),
        StatementModeration.PRE.value: _l("Citizens' statements wait for a moderator's approval before anyone "
                                          "votes on them (pre-moderation)"),
    }


class SettingsForm(Form):
    citizen_statements = BooleanField(_l("Citizens can add their own statements"),
                                      description=_l("Otherwise only the facilitators write statements."))
    moderation = RadioField(_l("Moderation of citizens' statements"),
                            choices=lambda: list(moderation_labels().items()),
                            validators=[InputRequired()])
    save = SubmitField(_l("Save the settings"))
