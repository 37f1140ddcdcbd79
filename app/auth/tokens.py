"""Signed, expiring tokens for e-mail confirmation and password reset. A reset token is bound to the
current password hash, so it works once: after the password changes it no longer verifies."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"madang-{purpose}")


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_confirmation_token(user) -> str:
    return _serializer("confirm").dumps({"user": user.id, "email": user.email})


def read_confirmation_token(token: str) -> dict | None:
    try:
        return _serializer("confirm").loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None


def make_reset_token(user) -> str:
    return _serializer("reset").dumps({"user": user.id, "pw": _fingerprint(user.password_hash)})


def read_reset_token(token: str, load_user) -> object | None:
    """The user the token was made for, if it is valid, unexpired and unused."""
    try:
        data = _serializer("reset").loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    user = load_user(data.get("user"))
    if user is None or data.get("pw") != _fingerprint(user.password_hash):
        return None
    return user
