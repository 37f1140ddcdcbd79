"""Personal API tokens: making one (shown once, stored as its SHA-256 digest), revoking one, and finding the
token a request presents. A token works for its owner only while it is neither revoked nor expired and the
owner's account is not suspended; it never grants more than its owner's own permissions."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.audit import record
from app.extensions import db
from app.models import ApiToken, AuditTarget, TokenScope, User, utcnow

TOKEN_PREFIX = "mdg_"
PREFIX_LENGTH = 12  # what the token list shows: "mdg_" and 8 random characters
MAX_LIVE_TOKENS = 20
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at moves at most this often (one write a minute, not one a request)


class TooManyTokens(Exception):
    """The person has MAX_LIVE_TOKENS usable tokens already."""


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_token_text() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _live(user_id: int, now: datetime):
    return (ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))


def live_count(user: User, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(select(func.count(ApiToken.id)).where(*_live(user.id, now))) or 0


def create_token(user: User, name: str, scope: TokenScope | str, expires_at: datetime | None,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token and its text (the only time the text exists outside the client). The owner's row is locked
    (PostgreSQL) while counting, so two simultaneous requests cannot pass the limit together."""
    now = now or utcnow()
    db.session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    if live_count(user, now) >= MAX_LIVE_TOKENS:
        raise TooManyTokens()
    text = new_token_text()
    token = ApiToken(user_id=user.id, name=name.strip(), prefix=text[:PREFIX_LENGTH], token_hash=digest(text),
                     scope=TokenScope(scope), created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    record(user, "api_token.create", AuditTarget.API_TOKEN, token.id, city_id=None,
           changes={"name": token.name, "scope": token.scope.value, "prefix": token.prefix,
                    "expires_at": expires_at})
    return token, text


def revoke_token(user: User, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke the token; False when it was revoked already (a second click changes nothing)."""
    now = now or utcnow()
    changed = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        return False
    db.session.refresh(token)
    record(user, "api_token.revoke", AuditTarget.API_TOKEN, token.id, city_id=None,
           changes={"name": token.name, "prefix": token.prefix})
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of(user: User, token_id: int) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def usable_token(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The token with this text, if it may be used now (its owner not suspended)."""
    now = now or utcnow()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    if token is None or not token.usable(now) or token.user.suspended_at is not None:
        return None
    return token


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Note the token's use, at most once per TOUCH_EVERY; True when a row was written (the caller commits)."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    changed = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id,
                               (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - TOUCH_EVERY))
        .values(last_used_at=now).execution_options(synchronize_session=False)).rowcount
    return bool(changed)
