"""Cities learning from cities: practices (what a city did, with its SDG targets, budget, staff, partners,
period, obstacles, success factors and outcome indicators), shared across every city on the instance;
replications (a practice turned into a draft process in another city); questions between cities on a
practice; and the partner organizations of processes and practices."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, bilingual, bilingual_check, enum_check, enum_column_type, utcnow


class PracticeTheme(StrEnum):
    MOBILITY = "mobility"
    ENVIRONMENT = "environment"
    CLIMATE = "climate"
    HOUSING = "housing"
    PUBLIC_SPACE = "public_space"
    SAFETY = "safety"
    EDUCATION = "education"
    HEALTH = "health"
    ECONOMY = "economy"
    INCLUSION = "inclusion"
    GOVERNANCE = "governance"
    CULTURE = "culture"


class PracticeState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


practice_targets = Table(
    "practice_targets",
    Base.metadata,
    Column("practice_id", ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_target_code", ForeignKey("sdg_targets.code", ondelete="RESTRICT"), primary_key=True, index=True),
)

# Partner organizations of a practice (co-authors) and of a process.
practice_organizations = Table(
    "practice_organizations",
    Base.metadata,
    Column("practice_id", ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True),
)

process_partners = Table(
    "process_partners",
    Base.metadata,
    Column("process_id", ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Practice(Base):
    """A city's practice, written by one of its planners (fresh, or from one of its results or processes).
    Titles and texts in Korean and English (either may be empty); Markdown is kept with its sanitized
    rendering."""

    __tablename__ = "practices"
    __table_args__ = (
        enum_check("theme", PracticeTheme),
        enum_check("state", PracticeState),
        bilingual_check("title"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
        CheckConstraint("budget IS NULL OR currency IS NOT NULL", name="budget_has_currency"),
        CheckConstraint("staff IS NULL OR staff >= 0", name="staff_not_negative"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("state <> 'published' OR published_at IS NOT NULL", name="published_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where it came from, when it came from Madang: its evidence (the vision, results and indicators) shows.
    source_process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"),
                                                          index=True)
    source_result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"),
                                                         index=True)
    state: Mapped[str] = mapped_column(enum_column_type(PracticeState), default=PracticeState.DRAFT)
    theme: Mapped[str] = mapped_column(enum_column_type(PracticeTheme))
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary_ko: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_html_ko: Mapped[str] = mapped_column(Text, default="")
    summary_html_en: Mapped[str] = mapped_column(Text, default="")
    obstacles_ko: Mapped[str] = mapped_column(Text, default="")
    obstacles_en: Mapped[str] = mapped_column(Text, default="")
    obstacles_html_ko: Mapped[str] = mapped_column(Text, default="")
    obstacles_html_en: Mapped[str] = mapped_column(Text, default="")
    success_factors_ko: Mapped[str] = mapped_column(Text, default="")
    success_factors_en: Mapped[str] = mapped_column(Text, default="")
    success_factors_html_ko: Mapped[str] = mapped_column(Text, default="")
    success_factors_html_en: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    staff: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Partners not on Madang, in words; those on Madang are linked (practice_organizations).
    partners_text: Mapped[str] = mapped_column(String(1000), default="")
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Folded text of titles and texts for search (Korean and English), as proposals keep it.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    title = bilingual("title")
    summary_html = bilingual("summary_html")
    obstacles_html = bilingual("obstacles_html")
    success_factors_html = bilingual("success_factors_html")

    city: Mapped["City"] = relationship()  # noqa: F821
    sdg_targets: Mapped[list["SdgTarget"]] = relationship(  # noqa: F821
        secondary=practice_targets, order_by="SdgTarget.position")
    organizations: Mapped[list["Organization"]] = relationship(  # noqa: F821
        secondary=practice_organizations)
    indicators: Mapped[list["PracticeIndicator"]] = relationship(
        back_populates="practice", order_by="PracticeIndicator.position", cascade="all, delete-orphan",
        passive_deletes=True)


class PracticeIndicator(Base):
    """An outcome the practice achieved, measured: a name, a unit, the value before and after (and when)."""

    __tablename__ = "practice_indicators"
    __table_args__ = (
        bilingual_check("name"),
        CheckConstraint("year IS NULL OR (year BETWEEN 1900 AND 2100)", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id", ondelete="SET NULL"))
    name_ko: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    year: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    name = bilingual("name")
    practice: Mapped[Practice] = relationship(back_populates="indicators")


class Replication(Base):
    """A practice of one city turned into a draft process of another; the source city sees it and how its
    results went."""

    __tablename__ = "replications"
    __table_args__ = (UniqueConstraint("process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    practice: Mapped[Practice] = relationship()
    process: Mapped["Process"] = relationship()  # noqa: F821
    city: Mapped["City"] = relationship()  # noqa: F821


class PracticeQuestion(Base):
    """A question from a planner (or any member) of one city about another city's practice, and its answer
    from the practice's city."""

    __tablename__ = "practice_questions"
    __table_args__ = (
        CheckConstraint("(answer = '') = (answered_at IS NULL)", name="answer_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))  # asked from
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    city: Mapped["City | None"] = relationship()  # noqa: F821
