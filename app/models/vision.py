"""Statements and the shared vision: short agree/disagree statements with one vote per participant, the cached
opinion map of a process, and the versioned shared-vision summary that citizens endorse.

A statement vote is a plain row per (participant, statement), so a race between two clicks ends in one vote.
An imported Polis conversation keeps its comment and voter ids (`external_id`), so an export reads like the
original."""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow

STATEMENT_MAX_LENGTH = 140  # what a citizen or facilitator may write; imported statements may be longer


class StatementState(StrEnum):
    PENDING = "pending"  # waiting for a facilitator or moderator (pre-moderation)
    PUBLISHED = "published"
    REJECTED = "rejected"  # moderated out: never shown, never counted


class StatementModeration(StrEnum):
    PRE = "pre"  # citizens' statements wait for approval before anyone votes on them
    POST = "post"  # published at once; a facilitator or moderator can reject them later


class VoteValue(IntEnum):
    """Polis's signs: agree +1, disagree −1, pass 0."""

    AGREE = 1
    PASS = 0
    DISAGREE = -1


class Statement(Base):
    __tablename__ = "statements"
    __table_args__ = (
        enum_check("state", StatementState),
        UniqueConstraint("process_id", "external_id"),
        CheckConstraint("state = 'pending' OR moderated_at IS NOT NULL OR seeded OR external_id IS NOT NULL",
                        name="decision_has_time"),
        Index("ix_statements_process_state", "process_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="")  # detected script: "ko", "en" or ""
    seeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # by a facilitator
    state: Mapped[str] = mapped_column(enum_column_type(StatementState), default=StatementState.PUBLISHED)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderation_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    external_id: Mapped[str | None] = mapped_column(String(40))  # the Polis comment id of an imported statement
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Stored tallies, moved with each vote in the same transaction (like Proposal.support_count).
    agree_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disagree_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pass_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821

    @property
    def vote_count(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count


class StatementVote(Base):
    __tablename__ = "statement_votes"
    __table_args__ = (
        UniqueConstraint("participant_id", "statement_id", name="uq_statement_votes_one_per_participant"),
        CheckConstraint("value IN (-1, 0, 1)", name="value_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    # Denormalised from the statement so a process's votes are read from one index, without a join.
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OpinionMap(Base):
    """The analysis of a process's statement votes, kept with what it was computed from (how many votes, the
    newest change), so it is recomputed only when votes changed."""

    __tablename__ = "opinion_maps"

    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    vote_count: Mapped[int] = mapped_column(Integer)
    votes_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    statement_count: Mapped[int] = mapped_column(Integer)
    participants_clustered: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)  # groups, coordinates, representative/consensus/divisive statements


class VisionState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class VisionSummary(Base):
    """A version of a process's shared vision. One draft per process at most; publishing the draft gives it the
    next version number, and published versions are never changed."""

    __tablename__ = "vision_summaries"
    __table_args__ = (
        enum_check("state", VisionState),
        UniqueConstraint("process_id", "version"),
        CheckConstraint("(state = 'published') = (version IS NOT NULL AND published_at IS NOT NULL)",
                        name="published_has_version"),
        CheckConstraint("version IS NULL OR version >= 1", name="version_positive"),
        Index("uq_vision_summaries_one_draft", "process_id", unique=True,
              sqlite_where=text("state = 'draft'"), postgresql_where=text("state = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(enum_column_type(VisionState), default=VisionState.DRAFT)
    version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    # The facilitator's Markdown: an introduction, and a note per evidence section (section key -> Markdown).
    introduction: Mapped[str] = mapped_column(Text, default="")
    section_notes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The evidence assembled by "Generate draft": participation, consensus, groups, proposals by SDG goal, votes,
    # arguments, themes — each item with the id of the statement, proposal, result … it stands on.
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    process: Mapped["Process"] = relationship()  # noqa: F821


class Endorsement(StrEnum):
    YES = "yes"  # reflects my view
    PARTLY = "partly"
    NO = "no"


class VisionEndorsement(Base):
    """A participant's answer to "does this vision reflect my view?" on one published version."""

    __tablename__ = "vision_endorsements"
    __table_args__ = (
        UniqueConstraint("summary_id", "participant_id", name="uq_vision_endorsements_one_per_participant"),
        enum_check("value", Endorsement),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("vision_summaries.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(enum_column_type(Endorsement))
    comment: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
