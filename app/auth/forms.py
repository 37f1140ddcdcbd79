from flask import current_app
from flask_babel import lazy_gettext as _l
from app.formbase import Form
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.passwords import password_problem


def strip(value):
    return value.strip() if isinstance(value, str) else value


class NewPasswordMixin:
    """The check every new password passes, with its message on the field."""

    def validate_password(self, field):
        email = getattr(getattr(self, "email", None), "data", "") or ""
        problem = password_problem(
            field.data or "",
            email=email,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            max_length=current_app.config["PASSWORD_MAX_LENGTH"],
        )
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, Form):
    name = StringField(_l("Your name"), filters=[strip], validators=[DataRequired(), Length(max=80)],
                       description=_l("Shown with what you write. It can be a nickname."))
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    password_again = PasswordField(
        _l("Password again"), validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))]
    )
    accept_terms = BooleanField(
        _l("I accept the terms of use and the privacy notice"),
        validators=[DataRequired(message=_l("You need to accept the terms to register."))],
    )
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.description = _l("At least %(n)d characters. A few unrelated words make a strong one.",
                                       n=current_app.config["PASSWORD_MIN_LENGTH"])


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(NewPasswordMixin, Form):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class EmailPreferenceForm(Form):
    email_notifications = RadioField(
        _l("E-mail me about notifications"),
        choices=[("immediate", _l("At once")), ("daily", _l("Once a day, as a digest")), ("none", _l("Never"))],
        validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class ResendConfirmationForm(Form):
    submit = SubmitField(_l("Send the confirmation link again"))


class DeleteAccountForm(Form):
    current_password = PasswordField(
        _l("Your current password"), validators=[DataRequired(), Length(max=1024)],
        description=_l("We ask for it so that nobody else can delete your account from a computer you left "
                       "signed in."))
    submit = SubmitField(_l("Delete my account"))
