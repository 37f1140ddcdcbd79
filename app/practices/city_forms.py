"""Forms for the platform administrator's new city and a city administrator's settings.

A city's colour fills its pages' header band under white text, so a colour is accepted only if white text on it
reaches the WCAG AA contrast ratio for normal text (4.5:1). The region is a UN M49 sub-region (what other cities
filter practices by); the country is an ISO 3166-1 alpha-2 code, named in the reader's language by Babel."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import ColorField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.cities.services import SLUG
from app.exports.licences import licence_choices
from app.formbase import Form

# UN M49 geographic sub-regions (stored in English, as the UN names them; shown translated).
M49_REGIONS = {
    "Northern Africa": _l("Northern Africa"),
    "Eastern Africa": _l("Eastern Africa"),
    "Middle Africa": _l("Middle Africa"),
    "Southern Africa": _l("Southern Africa"),
    "Western Africa": _l("Western Africa"),
    "Caribbean": _l("Caribbean"),
    "Central America": _l("Central America"),
    "South America": _l("South America"),
    "Northern America": _l("Northern America"),
    "Central Asia": _l("Central Asia"),
    "Eastern Asia": _l("Eastern Asia"),
    "South-eastern Asia": _l("South-eastern Asia"),
    "Southern Asia": _l("Southern Asia"),
    "Western Asia": _l("Western Asia"),
    "Eastern Europe": _l("Eastern Europe"),
    "Northern Europe": _l("Northern Europe"),
    "Southern Europe": _l("Southern Europe"),
    "Western Europe": _l("Western Europe"),
    "Australia and New Zealand": _l("Australia and New Zealand"),
    "Melanesia": _l("Melanesia"),
    "Micronesia": _l("Micronesia"),
    "Polynesia": _l("Polynesia"),
}

# Babel's territories that are not countries.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO"}

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5


def region_label(region: str) -> str:
    return str(M49_REGIONS.get(region, region))


def country_name(code: str, locale: str | None = None) -> str:
    if not code:
        return ""
    try:
        return Locale.parse(locale or str(get_locale() or "en")).territories.get(code, code)
    except (ValueError, TypeError):
        return code


def country_choices():
    territories = Locale.parse(str(get_locale() or "en")).territories
    codes = sorted((code for code in territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES),
                   key=lambda code: territories[code])
    return [("", _l("Not given"))] + [(code, f"{territories[code]} ({code})") for code in codes]


def region_choices():
    return [("", _l("Not given"))] + [(value, label) for value, label in M49_REGIONS.items()]


def locale_choices():
    return [("ko", "한국어 (Korean)"), ("en", "English")]


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(colour: str) -> float:
    return 1.05 / (relative_luminance(colour) + 0.05)


def readable_colour(form, field):
    value = (field.data or "").strip()
    if not HEX_COLOUR.match(value):
        raise ValidationError(_l("Enter a colour as # and six hexadecimal digits, for example #0b5563."))
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValidationError(_l("White text on this colour has a contrast of %(ratio)s:1; it needs at least 4.5:1. "
                                 "Choose a darker colour.", ratio=f"{ratio:.1f}"))


def known_time_zone(form, field):
    value = (field.data or "").strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_l("Enter a time zone from the IANA database, for example Asia/Seoul."))
    if value not in available_timezones():
        raise ValidationError(_l("Enter a time zone from the IANA database, for example Asia/Seoul."))


def known_licence(form, field):
    if field.data not in {value for value, _label in licence_choices()}:
        raise ValidationError(_l("Choose one of the licences in the list."))


class CitySettingsForm(Form):
    name_ko = StringField(_l("Name in Korean"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    default_locale = SelectField(_l("Default language"), choices=locale_choices, validators=[DataRequired()],
                                 description=_l("The language of the city's pages for visitors who have not chosen one."))
    time_zone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64), known_time_zone],
                            filters=[lambda v: v.strip() if isinstance(v, str) else v],
                            description=_l("An IANA time zone, for example Asia/Seoul. Phases open and close at "
                                           "midnight in this time zone."))
    country_code = SelectField(_l("Country"), choices=country_choices, validators=[Optional()])
    region = SelectField(_l("Region"), choices=region_choices, validators=[Optional()],
                         description=_l("The UN M49 region: other cities can look for practices from cities "
                                        "in their region."))
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0, max=2_000_000_000)],
                              description=_l("Residents, in whole numbers: other cities look for practices from "
                                             "cities of their size."))
    colour = ColorField(_l("Colour"), validators=[DataRequired(), readable_colour],
                        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
                        description=_l("The colour of the city's name in the header of its pages, under white "
                                       "text: dark enough for a contrast of at least 4.5:1."))
    # Left out of a form (an older client), the licence stays as it is.
    open_data_licence = SelectField(
        _l("Open-data licence"), choices=lambda: licence_choices(), validators=[Optional(), known_licence],
        validate_choice=False,
        description=_l("The licence of the datasets on the city's open-data page (Creative Commons Attribution "
                       "4.0 unless you choose another)."))
    submit = SubmitField(_l("Save settings"))


class NewCityForm(CitySettingsForm):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=40)],
                       filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
                       description=_l("Lower-case letters, digits and hyphens: the city's pages live at "
                                      "/c/<slug>/. It cannot be changed later."))
    admin_email = EmailField(_l("First administrator's e-mail address"),
                             validators=[DataRequired(), Email(), Length(max=254)],
                             description=_l("The person must already have an account on Madang: they join the new "
                                            "city as its administrator."))
    open_data_licence = None  # a new city starts with the default licence; its administrators choose
    submit = SubmitField(_l("Create city"))

    def validate_slug(self, field):
        if field.data and not SLUG.match(field.data):
            raise ValidationError(_l("Use lower-case letters, digits and hyphens (at most 40), starting and ending "
                                     "with a letter or digit."))
