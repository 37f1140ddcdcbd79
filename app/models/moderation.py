"""Moderation: flags raised by people, requests for review by authors, and blocks. Moderation hides (who,
when, why) and never deletes; every action is an audit event."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class FlagReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class ModeratedType(StrEnum):
    """What can be flagged and hidden."""

    COMMENT = "comment"
    PROPOSAL = "proposal"
    DEBATE = "debate"


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        enum_check("target_type", ModeratedType),
        enum_check("reason", FlagReason),
        CheckConstraint("reason <> 'other' OR text <> ''", name="other_needs_text"),
        Index("ix_flags_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(enum_column_type(ModeratedType))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(enum_column_type(FlagReason))
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a moderator dealt with it (hid, restored or dismissed).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821


class ReviewRequest(Base):
    """An author asks, once per item, for hidden content to be looked at again."""

    __tablename__ = "review_requests"
    __table_args__ = (UniqueConstraint("target_type", "target_id"), enum_check("target_type", ModeratedType))

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(enum_column_type(ModeratedType))
    target_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
