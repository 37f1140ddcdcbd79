"""Who is calling the API: the owner of the bearer token sent with the request, or nobody. The session cookie
is never read for this: `current_user` is pinned to the token's owner (or an anonymous user) before any view
or service runs, so a signed-in browser cannot act through the API."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_limiter.util import get_remote_address

from app.api import tokens
from app.api.problems import ApiProblem
from app.extensions import db
from app.models import TokenScope, utcnow

INVALID_TOKEN = 'Bearer realm="madang", error="invalid_token"'
NO_TOKEN = 'Bearer realm="madang"'
INSUFFICIENT_SCOPE = 'Bearer realm="madang", error="insufficient_scope", scope="write"'


def _presented_token() -> str | None:
    """The token text of `Authorization: Bearer …`; None without the header; "" for a malformed one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return value.strip()


def authenticate() -> None:
    """Before every API view: find the token's owner, or refuse a token that does not work (401). The docs
    page is a web page like any other (its header shows who is signed in): it is left alone."""
    g.api_token = None
    g.api_user = None
    if request.endpoint == "api.docs":
        return
    g._login_user = AnonymousUserMixin()  # Flask-Login's current_user: never the session's user here
    raw = _presented_token()
    if raw is None:
        return
    now = utcnow()
    token = tokens.usable_token(raw, now) if raw else None
    if token is None:
        raise ApiProblem(401, _("This token does not work: it is unknown, revoked or expired, or its account is "
                                "suspended. Make a new one on your account's API tokens page."),
                         slug="invalid-token", headers={"WWW-Authenticate": INVALID_TOKEN})
    g.api_token = token
    g.api_user = token.user
    g._login_user = token.user
    if tokens.touch(token, now):
        db.session.commit()


def requires_write(view):
    """A write: a token is needed (401 without one), and it must carry the write scope (403)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if g.get("api_user") is None:
            raise ApiProblem(401, _("Writing needs a personal API token with the write scope: send it as "
                                    "Authorization: Bearer <token>."), headers={"WWW-Authenticate": NO_TOKEN})
        if g.api_token.scope != TokenScope.WRITE:
            raise ApiProblem(403, _("This token may only read. Make a token with the read and write scope to do "
                                    "this."), slug="insufficient-scope",
                             headers={"WWW-Authenticate": INSUFFICIENT_SCOPE})
        return view(*args, **kwargs)

    guarded.api_write = True
    return guarded


# Rate limits --------------------------------------------------------------------------------------------

def rate_limit_key() -> str:
    """Per token (by its digest, whether or not it works: guessing is limited too), else per address."""
    raw = _presented_token()
    if raw:
        return "api-token:" + tokens.digest(raw)
    return "api-ip:" + (get_remote_address() or "unknown")


def read_limit() -> str:
    return current_app.config["API_READ_RATE_LIMIT"]


def write_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]
