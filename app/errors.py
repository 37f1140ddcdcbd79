"""Error pages: every refusal says what happened and, where it can, why."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }


def _default_descriptions() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to do this."),
        404: _("There is nothing at this address. It may have been moved, or the link may be wrong."),
        405: _("This page cannot be used that way."),
        413: _("What you sent is too large."),
        429: _("You have done this too often. Please wait a moment and try again."),
        500: _("We could not complete your request. Nothing was saved. Please try again."),
    }


def render_error(code: int, description: str | None = None, opens_at=None):
    title = _titles().get(code, _("Error"))
    text = description or _default_descriptions().get(code, "")
    return render_template("errors/error.html", code=code, title=title, description=text, opens_at=opens_at), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form expired or was sent twice. Please go back, reload and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (301, 302, 303, 307, 308):
            return error
        description = None
        if error.code == 403 and error.description and not error.description.startswith("You don't have"):
            description = error.description
        if error.code == 429:
            description = _("Too many attempts. Please wait a minute and try again.")
        response = render_error(error.code or 500, description, getattr(error, "opens_at", None))
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
