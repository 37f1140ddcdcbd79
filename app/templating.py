"""What every template can use: dates in the city's time zone, money, the permission predicates."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import Flask, g, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from app import permissions


def city_zone() -> ZoneInfo:
    city = g.get("city")
    return ZoneInfo(city.time_zone if city else "UTC")


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=fmt, tzinfo=city_zone(), locale=str(get_locale()))


def local_date(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    from babel.dates import format_date

    return format_date(value.astimezone(city_zone()).date(), format=fmt, locale=str(get_locale()))


def number(value) -> str:
    return format_decimal(value, locale=str(get_locale()))


# Currencies without a minor unit in everyday use: amounts are shown in whole units.
WHOLE_UNIT_CURRENCIES = frozenset({"KRW", "JPY"})


def money(value: Decimal | float | None, currency: str = "KRW") -> str:
    if value is None:
        return ""
    places = 0 if currency in WHOLE_UNIT_CURRENCIES else 2
    value = Decimal(str(value)) if not isinstance(value, Decimal) else value
    whole = places == 0 or value == value.to_integral_value()
    text = format_decimal(value.quantize(Decimal(1) if whole else Decimal("0.01")),
                          format="#,##0" if whole else "#,##0.00", locale=str(get_locale()))
    return f"₩{text}" if currency == "KRW" else f"{text} {currency}"


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (pagination and filters without JavaScript)."""
    view_args = request.view_args or {}
    url_parts = request.url_rule.arguments if request.url_rule else set()
    # Only plain query arguments survive: nothing that url_for treats specially (_anchor, _external, …) and
    # nothing that would clash with, or override, the URL's own parts (such as the city).
    args = {k: v for k, v in request.args.items() if not k.startswith("_") and k not in url_parts}
    args.update({k: v for k, v in changes.items() if v is not None})
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
    return url_for(request.endpoint, **view_args, **args)


def safe_html(value: str) -> Markup:
    """Only for HTML that app.markdown.render_markdown produced (sanitized when it was saved)."""
    return Markup(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime, local_date=local_date, money=money, number=number, iso=iso, sanitized=safe_html
    )
    app.jinja_env.globals.update(url_with=url_with, can=permissions)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject_common():
        return {"current_locale": str(get_locale()), "city": g.get("city")}
