from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.formbase import Form
from app.models import FlagReason


def reason_choices():
    return [
        (FlagReason.SPAM.value, _l("Spam or advertising")),
        (FlagReason.OFFENSIVE.value, _l("Offensive or abusive")),
        (FlagReason.OFF_TOPIC.value, _l("Off-topic")),
        (FlagReason.PERSONAL_DATA.value, _l("Someone's personal data")),
        (FlagReason.OTHER.value, _l("Something else")),
    ]


class FlagForm(Form):
    reason = RadioField(_l("What is wrong?"), choices=reason_choices, validators=[DataRequired()])
    text = TextAreaField(_l("Details"), validators=[Optional(), Length(max=500)],
                         description=_l("Needed when you choose “something else”."))
    submit = SubmitField(_l("Flag it"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.reason.data == FlagReason.OTHER.value and not (self.text.data or "").strip():
            self.text.errors = [*self.text.errors, _l("Say what is wrong.")]
            valid = False
        return valid


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason (shown in place of the text)"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Hide"))


class BlockForm(Form):
    reason = TextAreaField(_l("Reason for the block"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Block in this city"))


class ReviewForm(Form):
    text = TextAreaField(_l("Why should it be shown again?"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Ask for a review"))


class ActionForm(Form):
    """A POST-only action that carries nothing but the CSRF token."""
