"""Forms for supports, support tiers, who may vote, and resident verification."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.cities.forms import JoinCityForm
from app.facilitation.forms import BilingualForm, MultiCheckboxField
from app.formbase import Form

MAX_TIER = 10_000_000


class SupportForm(Form):
    """Support, or take a support back: a POST that carries only the CSRF token."""

    submit = SubmitField(_l("Support this proposal"))


class TierForm(BilingualForm):
    required_pairs = ("label",)

    supports = IntegerField(_l("Number of supports"), validators=[
        InputRequired(message=_l("Enter a number of supports, for example 100.")),
        NumberRange(min=1, max=MAX_TIER, message=_l("Enter a number between 1 and 10,000,000."))])
    label_ko = StringField(_l("What reaching it means (Korean)"), validators=[Optional(), Length(max=120)],
                           description=_l("For example: 공론장 개최"))
    label_en = StringField(_l("What reaching it means (English)"), validators=[Optional(), Length(max=120)],
                           description=_l("For example: Public forum"))
    requires_answer = BooleanField(_l("The city must answer proposals that reach it"),
                                   description=_l("They join the planners' answer queue."))
    submit = SubmitField(_l("Save tier"))


def who_choices():
    return [("members", _l("Every member of the city")), ("verified", _l("Verified residents only"))]


class EligibilityForm(Form):
    who = RadioField(_l("Open to"), choices=who_choices, default="members", validators=[InputRequired()])
    districts = MultiCheckboxField(_l("Residents of these districts only"), coerce=int, validators=[Optional()],
                                   description=_l("Tick none to let every district vote."))
    min_age = IntegerField(_l("Minimum age"), validators=[
        Optional(), NumberRange(min=0, max=130, message=_l("Enter an age between 0 and 130."))],
        description=_l("Optional. Counted by year of birth: people who turn this age this year may vote."))
    submit = SubmitField(_l("Save who can vote"))


class CensusForm(Form):
    census = FileField(_l("Census file (CSV)"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                       description=_l("UTF-8 text; the first line names the columns code,district,birth_year. "
                                      "The district is its code in this city."))
    submit = SubmitField(_l("Import codes"))


class ResidentCodeForm(Form):
    code = StringField(_l("Resident code"), validators=[DataRequired(message=_l("Enter your resident code.")),
                                                        Length(max=100)],
                       description=_l("As printed on the letter from the city. Spaces and hyphens do not matter."))
    submit = SubmitField(_l("Verify my residence"))


class ResidenceForm(JoinCityForm):
    submit = SubmitField(_l("Save"))


class ManualVerificationForm(Form):
    district = SelectField(_l("District"), coerce=int, validators=[InputRequired()])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()],
                              description=_l("As on the document you checked. Leave empty if it does not say."))
    submit = SubmitField(_l("Verify as a resident"))

    def validate_birth_year(self, field):
        if field.data is None:
            return
        this_year = date.today().year
        if not 1900 <= field.data <= this_year:
            raise ValidationError(_l("Enter a year between %(min)s and %(max)s.", min=1900, max=this_year))


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"))
