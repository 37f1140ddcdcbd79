from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange

from app.models import Role


class JoinCityForm(FlaskForm):
    district = SelectField(_l("Your district"), coerce=int, validators=[InputRequired()])
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[InputRequired(message=_l("Enter your year of birth, for example 1990.")),
                    NumberRange(min=1900, max=2026, message=_l("Enter a year between %(min)s and %(max)s."))],
        description=_l("Used to check who may vote and to show whether every age group takes part. "
                       "It is never shown to others."),
    )
    submit = SubmitField(_l("Join"))


def role_choices():
    return [
        (Role.FACILITATOR.value, _l("Facilitator")),
        (Role.PLANNER.value, _l("Planner")),
        (Role.MODERATOR.value, _l("Moderator")),
        (Role.ADMIN.value, _l("Administrator")),
    ]


class GrantRoleForm(FlaskForm):
    email = EmailField(_l("Member's e-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Grant role"))


class RevokeRoleForm(FlaskForm):
    submit = SubmitField(_l("Remove"))
