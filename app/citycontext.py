"""Every city page lives under /c/<city-slug>/: the slug is taken from the URL once (404 if unknown) and put
back automatically when building links inside the same city."""
from __future__ import annotations

from flask import Blueprint, g

from app.views import load_city


def bind_city(bp: Blueprint) -> None:
    @bp.url_value_preprocessor
    def _pull_city(endpoint, values):
        if values is not None and "city_slug" in values:
            load_city(values.pop("city_slug"))

    @bp.url_defaults
    def _add_city(endpoint, values):
        if "city_slug" not in values and g.get("city") is not None:
            values["city_slug"] = g.city.slug
