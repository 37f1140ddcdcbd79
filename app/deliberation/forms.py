from flask_babel import lazy_gettext as _l
from app.formbase import Form
from wtforms import DateTimeLocalField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.facilitation.forms import MARKDOWN_HINT, BilingualForm, clear_local_time


def stance_choices(side_for: str = "", side_against: str = ""):
    return [
        ("", _l("No stance")),
        ("for", side_for or _l("For")),
        ("against", side_against or _l("Against")),
        ("neutral", _l("Neutral")),
    ]


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(min=2, max=5000)],
                         description=MARKDOWN_HINT)
    stance = RadioField(_l("Your stance"), choices=stance_choices, default="", validators=[Optional()])
    parent_id = HiddenField()
    submission_key = HiddenField()
    submit = SubmitField(_l("Post comment"))


class EditCommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(min=2, max=5000)],
                         description=MARKDOWN_HINT)
    stance = RadioField(_l("Your stance"), choices=stance_choices, default="", validators=[Optional()])
    submit = SubmitField(_l("Save changes"))


class DebateForm(BilingualForm):
    required_pairs = ("title",)

    title_ko = StringField(_l("Question in Korean"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HINT)
    side_for_ko = StringField(_l("Name of the “for” side (Korean)"), validators=[Optional(), Length(max=80)])
    side_for_en = StringField(_l("Name of the “for” side (English)"), validators=[Optional(), Length(max=80)])
    side_against_ko = StringField(_l("Name of the “against” side (Korean)"), validators=[Optional(), Length(max=80)])
    side_against_en = StringField(_l("Name of the “against” side (English)"), validators=[Optional(), Length(max=80)])
    closes_at = DateTimeLocalField(_l("Closes"), format="%Y-%m-%dT%H:%M", validators=[Optional(), clear_local_time],
                                   description=_l("Optional. After this moment the debate takes no more comments."))
    submit = SubmitField(_l("Save debate"))


class VoteForm(Form):
    """Up, down or take back: the value comes from the button pressed."""
