"""The base of every form: text is NFC-normalised before any validator sees it, so a length check measures
what will be stored (normalising later could lengthen it past the column)."""
from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [nfc, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)
