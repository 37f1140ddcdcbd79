"""RFC 9457 problem details: every error under /api/v1 answers `application/problem+json` with a type, a
title, the status, a detail a person can act on, and the request's path as the instance. The web pages keep
their HTML error pages; only requests routed to the API blueprint (or aimed at /api/v1) get these."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.extensions import db

PROBLEM_TYPE = "https://madang.example/problems/"
MEDIA_TYPE = "application/problem+json"


class ApiProblem(HTTPException):
    """An error the API raises on purpose, with its detail, optional field errors and extra headers."""

    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None, slug: str | None = None,
                 headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.errors = errors
        self.slug = slug
        self.extra_headers = headers or {}


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        422: _("Invalid content"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }


def _default_details() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Send a personal API token in the Authorization header: Bearer <token>."),
        403: _("You do not have permission to do this."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept this method."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Wait as long as the Retry-After header says, then try again."),
        500: _("We could not complete your request. Nothing was saved. Please try again."),
    }


_SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
          409: "conflict", 413: "too-large", 415: "unsupported-media-type", 422: "validation-error",
          429: "too-many-requests", 500: "server-error"}


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None, slug: str | None = None,
            headers: dict | None = None):
    """The problem document as a response."""
    body = {
        "type": PROBLEM_TYPE + (slug or _SLUGS.get(status, "error")),
        "title": _titles().get(status, _("Error")),
        "status": status,
        "detail": detail or _default_details().get(status, _titles().get(status, _("Error"))),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _werkzeug_detail(error: HTTPException) -> str | None:
    """Keep a reason given on purpose (a permission's refusal); drop werkzeug's generic English text."""
    description = error.description or ""
    generic = type(error).description if hasattr(type(error), "description") else None
    if not description or description == generic or description.startswith("You don't have"):
        return None
    return description


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, ApiProblem):
        return problem(status, error.description, errors=error.errors, slug=error.slug, headers=error.extra_headers)
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers["Retry-After"] = str(retry_after(error))
        return problem(429, None, headers=headers)
    detail = _werkzeug_detail(error) if status in (403, 409) else None
    return problem(status, detail, headers=headers)


def retry_after(error) -> int:
    """Seconds to wait: the length of the broken limit's window (Flask-Limiter's own header, when it adds one
    after this, is exact)."""
    item = getattr(getattr(error, "limit", None), "limit", None)
    try:
        return max(1, int(item.get_expiry())) if item is not None else 60
    except (AttributeError, TypeError, ValueError):
        return 60


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("Unhandled error in the API")
    return problem(500)
