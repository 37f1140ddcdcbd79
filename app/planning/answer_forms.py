"""The planner's answer form: the proposal's new state and the written answer, kept as a draft or published."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.formbase import Form
from app.planning.answers import ANSWER_STATES, MAX_ANSWER_LENGTH


def answer_state_choices():
    from app.planning.answers import state_label

    return [(state.value, state_label(state)) for state in ANSWER_STATES]


class AnswerForm(Form):
    state = RadioField(_l("The proposal's state"), choices=answer_state_choices,
                       validators=[InputRequired(message=_l("Choose the proposal's state."))])
    answer = TextAreaField(
        _l("The city's answer"),
        validators=[DataRequired(message=_l("Write the answer.")),
                    Length(max=MAX_ANSWER_LENGTH, message=_l("The answer can be at most %(max)d characters long.",
                                                             max=MAX_ANSWER_LENGTH))],
        description=_l("Markdown: *emphasis*, **bold**, lists and links. Everyone sees it once published."))
    save_draft = SubmitField(_l("Save as draft"))
    publish = SubmitField(_l("Publish the answer"))


class LinksForm(Form):
    """A planner ties a proposal to the city's plan items and to SDG targets (choices set by the route)."""

    plan_items = SelectMultipleField(_l("Plan items it serves"), coerce=int, validators=[Optional()])
    sdg_targets = SelectMultipleField(_l("SDG targets it serves"), validators=[Optional()])
    save_links = SubmitField(_l("Save the links"))
