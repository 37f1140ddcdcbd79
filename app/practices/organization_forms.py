"""Forms for partner organizations: registering and editing one, its members, the directory's filters, verifying
it, and a process's partners. The views fill the choices (cities, organizations)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.facilitation.forms import MultiCheckboxField
from app.formbase import Form
from app.models import OrganizationKind, OrganizationLevel, OrganizationRole


def kind_labels() -> dict[str, str]:
    return {
        OrganizationKind.COMMUNITY_GROUP: _l("Community group"),
        OrganizationKind.CIVIL_SOCIETY: _l("Civil society organization"),
        OrganizationKind.PRIVATE_SECTOR: _l("Private sector"),
        OrganizationKind.ACADEMIA: _l("Academia"),
        OrganizationKind.GOVERNMENT_AGENCY: _l("Government agency"),
    }


def level_labels() -> dict[str, str]:
    return {
        OrganizationLevel.NEIGHBOURHOOD: _l("Neighbourhood"),
        OrganizationLevel.CITY: _l("City"),
        OrganizationLevel.REGIONAL: _l("Regional"),
        OrganizationLevel.NATIONAL: _l("National"),
        OrganizationLevel.INTERNATIONAL: _l("International"),
    }


def role_labels() -> dict[str, str]:
    return {OrganizationRole.MEMBER: _l("Member"), OrganizationRole.REPRESENTATIVE: _l("Representative")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def web_address(form, field):
    """Only http and https addresses with a host: no javascript:, data: or relative links."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in field.data):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class OrganizationForm(Form):
    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the organization's name.")), Length(min=2, max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: list(kind_labels().items()),
                       validators=[InputRequired(message=_l("Choose what kind of organization it is."))])
    level = SelectField(_l("Level"), choices=lambda: list(level_labels().items()),
                        validators=[InputRequired(message=_l("Choose the level it works at."))],
                        description=_l("Where it works: from one neighbourhood to the whole world."))
    city = SelectField(_l("City"), coerce=int, validators=[Optional()],
                       description=_l("The city it works in, if it is local: one of the cities you have joined."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("What it does and for whom. Markdown: **bold**, *italic*, lists "
                                               "and links."))
    website = StringField(_l("Website"), filters=[_strip], validators=[Optional(), Length(max=300), web_address],
                          description=_l("Optional, for example https://example.org."))
    submit = SubmitField(_l("Save organization"))


class MemberForm(Form):
    email = EmailField(_l("E-mail address of the new member"), filters=[_strip],
                       validators=[DataRequired(), Email(), Length(max=254)],
                       description=_l("They need an account on Madang already."))
    role = SelectField(_l("Role"), choices=lambda: list(role_labels().items()), validators=[InputRequired()])
    submit = SubmitField(_l("Add member"))


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=lambda: list(role_labels().items()), validators=[InputRequired()])
    submit = SubmitField(_l("Change role"))


class ConfirmForm(Form):
    """A POST-only action that carries nothing but the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class DirectoryFilterForm(Form):
    """The directory's filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    level = SelectField(_l("Level"), validators=[Optional()])
    city = SelectField(_l("City"), coerce=int, validators=[Optional()])


class PartnersForm(Form):
    organizations = MultiCheckboxField(_l("Partner organizations"), coerce=int, validators=[Optional()],
                                       description=_l("Verified organizations, of any city or level."))
    submit = SubmitField(_l("Save partners"))
