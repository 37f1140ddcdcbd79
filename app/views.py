"""Small helpers every blueprint's routes share: load-or-404 and refuse-with-a-reason."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g, request
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.models import City


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded to what an id column can hold (32-bit on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


MAX_PAGE = 100_000


def page_number(raw) -> int:
    """A page number from the query string: garbage and out-of-range values become a page that exists."""
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


class Refused(Forbidden):
    """A 403 that carries the reason (and, for phase gates, when the action opens)."""

    def __init__(self, reason: str, opens_at=None):
        super().__init__(description=reason)
        self.opens_at = opens_at


def safe_next(default: str) -> str:
    """The `next` argument if it is a path on this site, else `default`: never an open redirect."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith(("//", "/\\")) and not parts.scheme and not parts.netloc:
        return target
    return default


def require(decision) -> None:
    """Abort with 403 and the decision's reason unless it allows."""
    if not decision:
        raise Refused(decision.reason, getattr(decision, "opens_at", None))


def refuse(reason: str):
    raise Refused(reason)


def load_city(slug: str) -> City:
    city = db.session.scalar(select(City).where(City.slug == slug))
    if city is None:
        abort(404)
    g.city = city
    return city


def get_in_city_or_404(model, ident, city: City, city_attr: str = "city_id"):
    """Fetch a row by id and 404 unless it belongs to this city (ids of other cities are not found here)."""
    if not isinstance(ident, int):
        abort(404)
    row = db.session.get(model, ident)
    if row is None or getattr(row, city_attr) != city.id:
        abort(404)
    return row
