"""Query-string arguments and pages of the API's lists. A bad argument is a 400 problem naming the field,
never a 500 and never silently ignored."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.api.problems import ApiProblem
from app.api.registry import Param
from app.extensions import db

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000

PAGE_PARAMS = (
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "The page, from 1.", 1),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE},
          "Items per page (at most 100).", 20),
)


def bad_argument(field: str, message: str):
    return ApiProblem(400, _("The query string has a value this list cannot use: %(field)s.", field=field),
                      errors=[{"field": field, "message": message}], slug="bad-argument")


def int_arg(name: str, minimum: int, maximum: int, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 12:
        raise bad_argument(name, _("Enter a whole number."))
    value = int(raw)
    if not minimum <= value <= maximum:
        raise bad_argument(name, _("Enter a number from %(low)d to %(high)d.", low=minimum, high=maximum))
    return value


def choice_arg(name: str, choices) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise bad_argument(name, _("Choose one of: %(choices)s.", choices=", ".join(choices)))
    return raw


def text_arg(name: str, max_length: int) -> str:
    raw = (request.args.get(name) or "").strip()
    if len(raw) > max_length:
        raise bad_argument(name, _("Use at most %(count)d characters.", count=max_length))
    return raw


def _page_numbers() -> tuple[int, int]:
    return int_arg("page", 1, MAX_PAGE, 1), int_arg("per_page", 1, MAX_PER_PAGE, PER_PAGE)


def _envelope(rows: list, page: int, per_page: int, total: int, serialize) -> dict:
    return {
        "data": [serialize(row) for row in rows],
        "meta": {"page": page, "per_page": per_page, "total": total},
        "links": {"self": _page_link(page, per_page),
                  "next": _page_link(page + 1, per_page) if page * per_page < total else None,
                  "prev": _page_link(page - 1, per_page) if page > 1 else None},
    }


def page_of(query: Select, serialize) -> dict:
    """{"data", "meta", "links"} for the requested page of the query (ordered by the caller)."""
    page, per_page = _page_numbers()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return _envelope(rows, page, per_page, total, serialize)


def list_of(items: list, serialize) -> dict:
    """A whole (short) list in the same envelope, one page of it."""
    page, per_page = _page_numbers()
    return _envelope(items[(page - 1) * per_page: page * per_page], page, per_page, len(items), serialize)


def _page_link(page: int, per_page: int) -> str:
    args = {key: value for key, value in request.args.items() if key not in ("page", "per_page")}
    return url_for(request.endpoint, **(request.view_args or {}), **_city(), **args, page=page, per_page=per_page,
                   _external=True)


def _city() -> dict:
    from flask import g

    city = g.get("city")
    return {"city_slug": city.slug} if city is not None and "city_slug" in (request.url_rule.arguments or ()) else {}
