from datetime import date

from flask_babel import lazy_gettext as _l
from app.formbase import Form
from wtforms import EmailField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from app.models import Role


class JoinCityForm(Form):
    district = SelectField(_l("Your district"), coerce=int, validators=[InputRequired()])
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[InputRequired(message=_l("Enter your year of birth, for example 1990."))],
        description=_l("Used to check who may vote and to show whether every age group takes part. "
                       "It is never shown to others."),
    )
    submit = SubmitField(_l("Join"))

    def validate_birth_year(self, field):
        if field.data is None:
            return  # not a number: the field already says so
        this_year = date.today().year
        if not 1900 <= field.data <= this_year:
            raise ValidationError(_l("Enter a year between %(min)s and %(max)s.", min=1900, max=this_year))


def role_choices():
    return [
        (Role.FACILITATOR.value, _l("Facilitator")),
        (Role.PLANNER.value, _l("Planner")),
        (Role.MODERATOR.value, _l("Moderator")),
        (Role.ADMIN.value, _l("Administrator")),
    ]


class GrantRoleForm(Form):
    email = EmailField(_l("Member's e-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Grant role"))


class RevokeRoleForm(Form):
    submit = SubmitField(_l("Remove"))
