"""The planners' form for the city's census shares: each district's share of the population, and the age bands
with theirs. Shares are entered in percent and each set must add up to 100 % (give or take SUM_TOLERANCE)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, FieldList, FormField, HiddenField, IntegerField, SubmitField
from wtforms import Form as SubForm
from wtforms.validators import InputRequired, NumberRange, Optional

from flask_wtf import FlaskForm

from app.formbase import finite_number

SUM_TOLERANCE = Decimal("0.1")  # percentage points
BLANK_BANDS = 2  # empty rows offered for new age bands
MAX_BANDS = 30
MAX_AGE = 130


def _percent_field(label):
    return DecimalField(label, places=3, validators=[
        Optional(), finite_number,
        NumberRange(min=0, max=100, message=_l("Enter a share between 0 and 100."))])


class DistrictShareForm(SubForm):
    district_id = HiddenField()
    share = _percent_field(_l("Share of the population (%)"))


class AgeBandForm(SubForm):
    min_age = IntegerField(_l("From age"), validators=[
        Optional(), NumberRange(min=0, max=MAX_AGE, message=_l("Enter an age between 0 and 130."))])
    max_age = IntegerField(_l("To age (inclusive)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_AGE, message=_l("Enter an age between 0 and 130."))],
        description=_l("Leave empty for “and over”."))
    share = _percent_field(_l("Share of the population (%)"))
    remove = BooleanField(_l("Remove this band"))

    def is_blank(self) -> bool:
        return self.min_age.data is None and self.max_age.data is None and self.share.data is None

    def is_kept(self) -> bool:
        return not self.remove.data and not self.is_blank()


class CensusSharesForm(FlaskForm):
    # Numbers only: no text to normalise, and FieldList takes no filters (app.formbase.Form adds one).
    districts = FieldList(FormField(DistrictShareForm))
    bands = FieldList(FormField(AgeBandForm), max_entries=MAX_BANDS)
    submit = SubmitField(_l("Save the census shares"))
    district_sum_errors: list | tuple = ()
    band_sum_errors: list | tuple = ()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.district_sum_errors: list = []
        self.band_sum_errors: list = []
        for entry in self.districts:
            if entry.form.share.data is None:
                entry.form.share.errors = [*entry.form.share.errors, _l("Enter a share (0 if nobody lives there).")]
                valid = False
        if self.districts.entries and valid:
            total = sum(e.form.share.data for e in self.districts)
            if abs(total - 100) > SUM_TOLERANCE:
                self.district_sum_errors.append(_l("The district shares add up to %(total)s %%; they must add up "
                                                   "to 100 %%.", total=_fmt(total)))
        kept = [e.form for e in self.bands if e.form.is_kept()]
        for band in kept:
            if band.min_age.data is None and not band.min_age.errors:
                band.min_age.errors = [*band.min_age.errors, _l("Enter the youngest age of the band.")]
            if band.share.data is None and not band.share.errors:
                band.share.errors = [*band.share.errors, _l("Enter the band's share.")]
            if (band.min_age.data is not None and band.max_age.data is not None
                    and band.max_age.data < band.min_age.data):
                band.max_age.errors = [*band.max_age.errors, _l("The oldest age cannot be below the youngest.")]
        if any(f.errors for band in kept for f in (band.min_age, band.max_age, band.share)):
            return False
        ordered = sorted(kept, key=lambda b: b.min_age.data)
        for before, after in zip(ordered, ordered[1:]):
            if before.max_age.data is None or before.max_age.data >= after.min_age.data:
                after.min_age.errors = [*after.min_age.errors, _l("This band overlaps the band from age %(age)d.",
                                                                  age=before.min_age.data)]
                valid = False
        if kept and valid:
            total = sum(b.share.data for b in kept)
            if abs(total - 100) > SUM_TOLERANCE:
                self.band_sum_errors.append(_l("The age band shares add up to %(total)s %%; they must add up to "
                                               "100 %%.", total=_fmt(total)))
        if self.district_sum_errors or self.band_sum_errors:
            self.form_errors = [*self.form_errors, *self.district_sum_errors, *self.band_sum_errors]
            valid = False
        return valid


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"
