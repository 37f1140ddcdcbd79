"""Personal API tokens: a signed-in user's key to the JSON API (`/api/v1`).

A token is shown once, when it is made; only its SHA-256 digest is kept (tokens are 32 random bytes, so a fast
digest is enough: there is nothing to guess). Its prefix stays readable so that its owner can tell tokens
apart. A token reads, or reads and writes, always with its owner's own permissions and never more.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"  # read and write


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (
        enum_check("scope", TokenScope),
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("length(token_hash) = 64", name="token_hash_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the token ("mdg_" and a few more): enough to recognise it, useless to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(enum_column_type(TokenScope), default=TokenScope.READ)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped["User"] = relationship()  # noqa: F821

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
