"""Deliberation: facilitators' debate questions, threaded comments with a stance, and votes on comments."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, bilingual, bilingual_check, enum_check, enum_column_type, utcnow


class Stance(StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"


class Debate(Base):
    """A question a facilitator poses in a process, optionally with named sides and a closing date."""

    __tablename__ = "debates"
    __table_args__ = (
        bilingual_check("title"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="RESTRICT"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_html_ko: Mapped[str] = mapped_column(Text, default="")
    description_html_en: Mapped[str] = mapped_column(Text, default="")
    # Names for the two sides ("Build it" / "Keep the park"); empty means plain "for" / "against".
    side_for_ko: Mapped[str] = mapped_column(String(80), default="")
    side_for_en: Mapped[str] = mapped_column(String(80), default="")
    side_against_ko: Mapped[str] = mapped_column(String(80), default="")
    side_against_en: Mapped[str] = mapped_column(String(80), default="")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    process: Mapped["Process"] = relationship()  # noqa: F821

    title = bilingual("title")
    description_html = bilingual("description_html")
    side_for = bilingual("side_for")
    side_against = bilingual("side_against")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def is_closed(self, moment: datetime) -> bool:
        return self.closes_at is not None and moment >= self.closes_at


class Comment(Base):
    """A comment on a proposal or on a debate (exactly one of the two). Top-level comments have depth 0 and
    no root; a reply keeps the id of its thread's top-level comment in `root_id`, so a whole thread loads in
    one query. Deleting by the author blanks the text and keeps the row, so the thread keeps its shape;
    moderation hides (who, when, why) and never deletes."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("(proposal_id IS NULL) <> (debate_id IS NULL)", name="one_target"),
        CheckConstraint("depth >= 0", name="depth_not_negative"),
        CheckConstraint("(parent_id IS NULL) = (depth = 0)", name="top_level_has_no_parent"),
        CheckConstraint("(parent_id IS NULL) = (root_id IS NULL)", name="replies_have_a_root"),
        CheckConstraint("stance IS NULL OR stance IN ('for', 'against', 'neutral')", name="stance_valid"),
        CheckConstraint("language IN ('en', 'ko')", name="language_valid"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_has_reason"),
        # A form sent twice (double click, resent after a network error) posts once.
        UniqueConstraint("author_id", "submission_key"),
        CheckConstraint("up_votes >= 0 AND down_votes >= 0", name="vote_counts_not_negative"),
        Index("ix_comments_proposal_id_created_at", "proposal_id", "created_at"),
        Index("ix_comments_debate_id_created_at", "debate_id", "created_at"),
        # The strongest arguments of a side and the "best" order read straight from these.
        Index("ix_comments_proposal_id_stance_score", "proposal_id", "stance", "score", "created_at",
              postgresql_where=text("deleted_at IS NULL AND hidden_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL AND hidden_at IS NULL")),
        Index("ix_comments_debate_id_stance_score", "debate_id", "stance", "score", "created_at",
              postgresql_where=text("deleted_at IS NULL AND hidden_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL AND hidden_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="RESTRICT"))
    debate_id: Mapped[int | None] = mapped_column(ForeignKey("debates.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="RESTRICT"), index=True)
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="RESTRICT"), index=True)
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    stance: Mapped[str | None] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    submission_key: Mapped[str | None] = mapped_column(String(36))
    # Kept in step with comment_votes by the service, in the same transaction as the vote itself.
    up_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    down_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    proposal: Mapped["Proposal | None"] = relationship()  # noqa: F821
    debate: Mapped[Debate | None] = relationship()
    parent: Mapped["Comment | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentVote(Base):
    """One up (+1) or down (-1) vote per person per comment. A vote outlives its voter's account: it stays
    counted with no one behind it (user_id NULL)."""

    __tablename__ = "comment_votes"
    __table_args__ = (
        UniqueConstraint("user_id", "comment_id"),
        CheckConstraint("value IN (-1, 1)", name="value_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
