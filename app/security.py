"""Security headers, session lifetimes and how a session finds its user."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, abort, current_app, request, session
from flask_login import logout_user
from sqlalchemy import select

from app.extensions import db, login

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


@login.user_loader
def load_user(session_token: str):
    from app.models import User

    return db.session.scalar(select(User).where(User.session_token == session_token))


def start_session_clock() -> None:
    """Called at login: the absolute expiry counts from here, the idle expiry from the last request."""
    now = datetime.now(timezone.utc).timestamp()
    session["started_at"] = now
    session["seen_at"] = now
    session.permanent = True


def _expire_old_sessions() -> None:
    """End a signed-in session that has been idle too long or has lived too long. The cookie's own expiry
    is not enough: a copied cookie would otherwise keep working until its date."""
    started = session.get("started_at")
    if started is None:
        return
    now = datetime.now(timezone.utc).timestamp()
    config = current_app.config
    idle = now - float(session.get("seen_at", started))
    age = now - float(started)
    if idle > config["PERMANENT_SESSION_LIFETIME"].total_seconds() or \
            age > config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        return
    session["seen_at"] = now


def _refuse_nul_characters(endpoint=None, view_args=None) -> None:
    """NUL never belongs in text, and PostgreSQL refuses to store or compare it: answer 400, not 500."""
    values = [*request.args.values(), *request.form.values(), request.path]
    if any("\x00" in value for value in values):
        abort(400)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    login.login_view = "auth.login"
    login.session_protection = "strong"
    from flask_babel import lazy_gettext as _l

    login.login_message = _l("Please log in to continue.")
    login.login_message_category = "info"
    # Runs before any blueprint reads its URL values (such as a city's slug).
    app.url_value_preprocessor(_refuse_nul_characters)
    app.before_request(_expire_old_sessions)
    app.after_request(_security_headers)
