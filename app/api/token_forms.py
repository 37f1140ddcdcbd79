from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.formbase import Form


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, so you can tell your tokens apart."))
    scope = RadioField(_l("What the token may do"), default="read",
                       choices=[("read", _l("Read only")), ("write", _l("Read and write (as you)"))])
    expires_on = DateField(_l("Expires on (optional)"), validators=[Optional()],
                           description=_l("The token stops working at the start of this day (UTC)."))
    submit = SubmitField(_l("Create token"))


class RevokeForm(Form):
    submit = SubmitField(_l("Revoke"))
