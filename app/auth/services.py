"""Account use cases. They flush and never commit; the route commits once."""
from __future__ import annotations

import unicodedata

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from app.audit import record
from app.extensions import db
from app.models import AuditTarget, EmailFrequency, User, utcnow
from app.models.users import new_session_token


class EmailTaken(Exception):
    pass


class AccountSuspended(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFC", email.strip()).lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(name: str, email: str, password: str) -> User:
    """Create an unconfirmed account with the terms accepted now. The unique e-mail constraint settles a race
    between two registrations of the same address."""
    user = User(
        name=unicodedata.normalize("NFC", name.strip()),
        email=normalise_email(email),
        password_hash=hash_password(password),
        terms_version=current_app.config["TERMS_VERSION"],
        terms_accepted_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as error:
        raise EmailTaken() from error
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if user.suspended_at is not None:
        raise AccountSuspended(user.suspended_reason or "")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def confirm_email(user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()


def set_password(user: User, password: str, how: str) -> None:
    """Set a new password and end every other session of the account; `how` is "change" or "reset"."""
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    db.session.flush()
    record(user, f"password.{how}", AuditTarget.USER, user.id, city_id=None)


def set_email_frequency(user: User, frequency: str) -> None:
    user.email_notifications = EmailFrequency(frequency).value
    db.session.flush()


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
