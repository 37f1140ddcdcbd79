"""Citizen proposals, linked to SDG targets and to plan items by association tables."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class ProposalState(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    EVALUATING = "evaluating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"


proposal_targets = Table(
    "proposal_targets",
    Base.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_target_code", ForeignKey("sdg_targets.code", ondelete="RESTRICT"), primary_key=True, index=True),
)

proposal_plan_items = Table(
    "proposal_plan_items",
    Base.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        enum_check("state", ProposalState),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("language IN ('en', 'ko')", name="language_valid"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_has_reason"),
        CheckConstraint(
            "(state = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_state_has_time"
        ),
        # The list's order (newest first, id breaking ties) read straight from the index, deep pages included.
        Index("ix_proposals_process_id_created_at_id", "process_id", "created_at", "id"),
        # "Most supported" first, read from the index.
        Index("ix_proposals_process_id_support_count_id", "process_id", "support_count", "id"),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint("(feasible IS NULL) = (feasibility_reviewed_at IS NULL)", name="feasibility_has_time"),
        CheckConstraint("feasible IS NULL OR feasible OR feasibility_reason IS NOT NULL",
                        name="infeasible_has_reason"),
        UniqueConstraint("process_id", "external_id"),
        enum_check("answer_draft_state", ProposalState, name="answer_draft_state_valid"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="RESTRICT"))
    # SET NULL: a deleted account leaves its proposals to "deleted user".
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitized rendering of body
    # The language it is written in (detected), so pages can mark it up for screen readers and search.
    language: Mapped[str] = mapped_column(String(5), default="en")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(enum_column_type(ProposalState), default=ProposalState.PUBLISHED)
    # The city's official answer: published (answer, answered_at, the state) or kept as a draft until then.
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answer_draft: Mapped[str | None] = mapped_column(Text)
    answer_draft_state: Mapped[str | None] = mapped_column(enum_column_type(ProposalState))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    # NFC-normalised, case-folded title and body: the text search matches substrings of it.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    # Supports, kept with each support and withdrawal in the same transaction (equal to COUNT(*) of supports).
    support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the proposal first reached a support tier that requires the city's answer.
    answer_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Participatory budgets: a planner's feasibility review (only feasible projects are on the ballot).
    feasible: Mapped[bool | None] = mapped_column(Boolean)
    feasibility_reason: Mapped[str | None] = mapped_column(String(1000))
    feasibility_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feasibility_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The project's id on the platform it was imported from (a .pb file's project_id).
    external_id: Mapped[str | None] = mapped_column(String(64))

    process: Mapped["Process"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    organization: Mapped["Organization | None"] = relationship()  # noqa: F821
    district: Mapped["District | None"] = relationship()  # noqa: F821
    sdg_targets: Mapped[list["SdgTarget"]] = relationship(  # noqa: F821
        secondary=proposal_targets, order_by="SdgTarget.position"
    )
    plan_items: Mapped[list["PlanItem"]] = relationship(  # noqa: F821
        secondary=proposal_plan_items, order_by="PlanItem.position"
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.state == ProposalState.WITHDRAWN
