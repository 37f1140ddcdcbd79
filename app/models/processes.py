"""Participatory processes and their phases (rounds). A phase is a half-open interval [starts_at, ends_at)
with the set of actions it enables; the active phase follows from the clock, and phases never overlap
(checked by the service everywhere, and by an exclusion constraint on PostgreSQL)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, bilingual, bilingual_check, enum_check, enum_column_type, utcnow


class PhaseAction(StrEnum):
    PROPOSE = "propose"
    COMMENT = "comment"
    SUPPORT = "support"
    BUDGET_VOTE = "budget_vote"
    POLL_VOTE = "poll_vote"
    STATEMENT_VOTE = "statement_vote"


class Process(Base):
    """Titles and descriptions are written by staff in Korean and English (either may be left empty)."""

    __tablename__ = "processes"
    __table_args__ = (
        bilingual_check("title"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint("min_age IS NULL OR (min_age >= 0 AND min_age <= 130)", name="min_age_range"),
        CheckConstraint("statement_moderation IN ('pre', 'post')", name="statement_moderation_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A short name unique on the instance, for the command line (`flask pb outcome <slug>`) and exports.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_html_ko: Mapped[str] = mapped_column(Text, default="")  # sanitized renderings
    description_html_en: Mapped[str] = mapped_column(Text, default="")
    eligibility_note_ko: Mapped[str] = mapped_column(String(500), default="")
    eligibility_note_en: Mapped[str] = mapped_column(String(500), default="")
    # Who may vote (support, budget and poll ballots): verified residents only, residents of the listed
    # districts only (none listed: all), and a minimum age (by birth year).
    require_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    min_age: Mapped[int | None] = mapped_column(Integer)
    # Statements: may citizens add their own, and are theirs published at once ("post") or after approval ("pre")?
    citizen_statements: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    statement_moderation: Mapped[str] = mapped_column(String(4), default="post", server_default="post")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    city: Mapped["City"] = relationship()  # noqa: F821
    eligible_districts: Mapped[list["District"]] = relationship(  # noqa: F821
        secondary="process_districts", order_by="District.name_en"
    )
    budget: Mapped["Budget | None"] = relationship(  # noqa: F821
        back_populates="process", cascade="all, delete-orphan", passive_deletes=True
    )
    thresholds: Mapped[list["SupportThreshold"]] = relationship(  # noqa: F821
        order_by="SupportThreshold.supports", cascade="all, delete-orphan", passive_deletes=True
    )
    plan: Mapped["Plan | None"] = relationship()  # noqa: F821
    phases: Mapped[list["Phase"]] = relationship(
        back_populates="process", order_by="Phase.starts_at", cascade="all, delete-orphan",
        passive_deletes=True, lazy="selectin",
    )

    title = bilingual("title")

    description_html = bilingual("description_html")

    eligibility_note = bilingual("eligibility_note")

    def phase_at(self, moment: datetime) -> "Phase | None":
        return next((p for p in self.phases if p.contains(moment)), None)

    def next_phase_after(self, moment: datetime) -> "Phase | None":
        return next((p for p in self.phases if p.starts_at > moment), None)

    def status_at(self, moment: datetime) -> str:
        """"upcoming", "active" (a phase is on, or the next one is still to come) or "past"."""
        if not self.phases:
            return "upcoming"
        if moment < self.phases[0].starts_at:
            return "upcoming"
        if moment >= max(p.ends_at for p in self.phases):
            return "past"
        return "active"

    def next_phase_enabling(self, action: PhaseAction, moment: datetime) -> "Phase | None":
        return next((p for p in self.phases if p.starts_at > moment and p.enables(action)), None)


class Phase(Base):
    __tablename__ = "phases"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="interval_ordered"), bilingual_check("name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    name_ko: Mapped[str] = mapped_column(String(120), default="")
    name_en: Mapped[str] = mapped_column(String(120), default="")
    description_ko: Mapped[str] = mapped_column(String(2000), default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    process: Mapped[Process] = relationship(back_populates="phases")
    action_rows: Mapped[list["PhaseActionGrant"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    name = bilingual("name")

    description = bilingual("description")

    @property
    def actions(self) -> tuple[PhaseAction, ...]:
        """The enabled actions, in the order citizens meet them (propose, comment, support, …)."""
        enabled = {row.action for row in self.action_rows}
        return tuple(action for action in PhaseAction if action.value in enabled)

    def set_actions(self, actions) -> None:
        wanted = {PhaseAction(a) for a in actions}
        self.action_rows = [row for row in self.action_rows if row.action in wanted]
        have = {row.action for row in self.action_rows}
        for action in sorted(wanted - have):
            self.action_rows.append(PhaseActionGrant(action=action.value))

    def enables(self, action: PhaseAction) -> bool:
        return any(row.action == action for row in self.action_rows)

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


class PhaseActionGrant(Base):
    """One action a phase enables."""

    __tablename__ = "phase_actions"
    __table_args__ = (enum_check("action", PhaseAction),)

    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), primary_key=True)
    action: Mapped[str] = mapped_column(enum_column_type(PhaseAction), primary_key=True)
