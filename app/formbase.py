"""The base of every form: text is NFC-normalised before any validator sees it, so a length check measures
what will be stored (normalising later could lengthen it past the column)."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [nfc, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)


def finite_number(form, field):
    """Refuse NaN and infinities (Decimal reads "NaN", "sNaN", "Infinity"), before any range check."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter an amount in numbers."))
