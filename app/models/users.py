"""Accounts. A user is a person; their life in a city is a Membership (see cities.py)."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("locale IS NULL OR locale IN ('en', 'ko')", name="locale_valid"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("email_notifications IN ('none', 'immediate', 'daily')", name="email_notifications_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Rotated on password change and reset: every other session of the account ends.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terms_version: Mapped[str] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locale: Mapped[str | None] = mapped_column(String(5))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How notifications reach the person by e-mail: none, immediate, or a daily digest.
    email_notifications: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    # A platform admin's suspension: the account can no longer sign in anywhere.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended_reason: Mapped[str | None] = mapped_column(String(500))

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True,
        foreign_keys="Membership.user_id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.suspended_at is None

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
