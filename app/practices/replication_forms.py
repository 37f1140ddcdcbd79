"""Forms to replicate a practice, to ask a practice's city a question and to answer it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.facilitation.forms import BilingualForm
from app.formbase import Form
from app.practices.replication_services import QUESTION_MAX_LENGTH, QUESTION_MIN_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReplicateForm(BilingualForm):
    required_pairs = ("title",)

    title_ko = StringField(_l("Title of your process in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title of your process in English"), validators=[Optional(), Length(max=200)])
    rounds = RadioField(_l("Rounds"), validators=[InputRequired(_l("Choose the rounds of your process."))])
    starts_on = DateField(_l("First round starts on"), validators=[InputRequired(_l("Enter a date."))],
                          description=_l("At midnight in your city. The process stays a draft until then: "
                                         "its facilitators can still change the rounds."))
    plan = SelectField(_l("Attach to your city's plan"), coerce=int, validators=[Optional()],
                       description=_l("Your city's plans with an item on the practice's SDG targets."))
    copy_statements = BooleanField(_l("Copy the facilitators' seed statements"), default=True)
    copy_debates = BooleanField(_l("Copy the debate questions"), default=True)
    submit = SubmitField(_l("Create the draft process"))


class QuestionForm(Form):
    body = TextAreaField(_l("Your question"), filters=[_strip], validators=[
        DataRequired(_l("Write your question.")),
        Length(min=QUESTION_MIN_LENGTH, max=QUESTION_MAX_LENGTH,
               message=_l("A question has %(min)d to %(max)d characters.", min=QUESTION_MIN_LENGTH,
                          max=QUESTION_MAX_LENGTH))],
        description=_l("The practice's contact in its city is told and answers here, for everyone to read."))
    submit = SubmitField(_l("Ask the city"))


class AnswerForm(Form):
    answer = TextAreaField(_l("Your answer"), filters=[_strip], validators=[
        DataRequired(_l("Write your answer.")),
        Length(max=QUESTION_MAX_LENGTH, message=_l("An answer has at most %(max)d characters.",
                                                   max=QUESTION_MAX_LENGTH))])
    submit = SubmitField(_l("Answer"))
