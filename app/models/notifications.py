"""Following proposals and debates, and the notifications people receive in the app and by e-mail."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class FollowedType(StrEnum):
    PROPOSAL = "proposal"
    DEBATE = "debate"
    PROCESS = "process"  # notifications about a whole process (its vision published, a statement moderated)
    PRACTICE = "practice"  # notifications about a practice (a question, an answer, a replication)


class NotificationKind(StrEnum):
    REPLY = "reply"  # a reply to my comment
    MENTION = "mention"  # someone mentioned me
    COMMENT_ON_PROPOSAL = "comment_on_proposal"  # a comment on my proposal
    FOLLOWED_COMMENT = "followed_comment"  # a comment on something I follow
    FOLLOWED_CHANGE = "followed_change"  # something I follow changed (edited, withdrawn, answered)
    CONTENT_HIDDEN = "content_hidden"  # a moderator (or flags) hid what I wrote
    PROPOSAL_ANSWERED = "proposal_answered"  # the city answered my proposal, or one I follow
    ROUNDS_CHANGED = "rounds_changed"  # a round of the process of something I follow was moved or closed
    VISION_PUBLISHED = "vision_published"  # a process I follow published (a new version of) its shared vision
    STATEMENT_MODERATED = "statement_moderated"  # my statement was approved or rejected
    PRACTICE_QUESTION = "practice_question"  # someone asked about a practice I am the contact of
    PRACTICE_ANSWERED = "practice_answered"  # my question on a practice was answered
    PRACTICE_REPLICATED = "practice_replicated"  # another city replicated a practice I am the contact of


class EmailFrequency(StrEnum):
    NONE = "none"
    IMMEDIATE = "immediate"
    DAILY = "daily"


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"), enum_check("target_type", FollowedType),
                      Index("ix_follows_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(enum_column_type(FollowedType))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """What happened, to whom, by whom, where. `target_*` is the proposal or debate; `comment_id` the comment
    when there is one."""

    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("kind", NotificationKind),
        enum_check("target_type", FollowedType),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(enum_column_type(NotificationKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(enum_column_type(FollowedType))
    target_id: Mapped[int] = mapped_column(Integer)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])  # noqa: F821
    city: Mapped["City"] = relationship()  # noqa: F821
