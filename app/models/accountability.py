"""Accountability: the indicators that measure a plan item (with dated readings), and the results a city
delivers (from accepted proposals, budget winners, or created by planners), with status, progress and dated
updates. A result with children takes its progress from them."""
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


class Indicator(Base):
    """How a plan item's progress is measured: a unit, a baseline, a target, and dated readings. It may name
    the official SDG indicator it reports on."""

    __tablename__ = "indicators"
    __table_args__ = (
        bilingual_check("name"),
        CheckConstraint("baseline_year IS NULL OR (baseline_year BETWEEN 1900 AND 2100)", name="baseline_year_range"),
        CheckConstraint("target_year IS NULL OR (target_year BETWEEN 1900 AND 2100)", name="target_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"), index=True)
    sdg_indicator_code: Mapped[str | None] = mapped_column(
        ForeignKey("sdg_indicators.code", ondelete="SET NULL"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target_year: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    plan_item: Mapped["PlanItem"] = relationship(back_populates="indicators")  # noqa: F821
    readings: Mapped[list["IndicatorReading"]] = relationship(
        order_by="IndicatorReading.measured_on", cascade="all, delete-orphan", passive_deletes=True
    )

    name = bilingual("name")


class IndicatorReading(Base):
    __tablename__ = "indicator_readings"
    __table_args__ = (UniqueConstraint("indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResultStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


result_proposals = Table(
    "result_proposals",
    Base.metadata,
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True, index=True),
)

result_plan_items = Table(
    "result_plan_items",
    Base.metadata,
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True, index=True),
)

result_indicators = Table(
    "result_indicators",
    Base.metadata,
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True),
)

result_targets = Table(
    "result_targets",
    Base.metadata,
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_target_code", ForeignKey("sdg_targets.code", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Result(Base):
    """Something the city delivers. `progress` (0–100) is set by planners on a result without children; a
    parent's progress is derived from its children (their average), never stored apart from them."""

    __tablename__ = "results"
    __table_args__ = (
        enum_check("status", ResultStatus),
        bilingual_check("title"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(enum_column_type(ResultStatus), default=ResultStatus.PLANNED)
    progress: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0), server_default="0")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    process: Mapped["Process | None"] = relationship()  # noqa: F821
    parent: Mapped["Result | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Result"]] = relationship(back_populates="parent", order_by="Result.id",
                                                    passive_deletes=True)
    proposals: Mapped[list["Proposal"]] = relationship(secondary=result_proposals)  # noqa: F821
    plan_items: Mapped[list["PlanItem"]] = relationship(secondary=result_plan_items)  # noqa: F821
    indicators: Mapped[list[Indicator]] = relationship(secondary=result_indicators)
    sdg_targets: Mapped[list["SdgTarget"]] = relationship(  # noqa: F821
        secondary=result_targets, order_by="SdgTarget.position")
    updates: Mapped[list["ResultUpdate"]] = relationship(
        order_by="ResultUpdate.at", cascade="all, delete-orphan", passive_deletes=True
    )

    title = bilingual("title")
    description = bilingual("description")


class ResultUpdate(Base):
    """A dated step in a result's timeline: what happened, and the status and progress it left."""

    __tablename__ = "result_updates"
    __table_args__ = (
        enum_check("status", ResultStatus),
        CheckConstraint("progress IS NULL OR (progress >= 0 AND progress <= 100)", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(enum_column_type(ResultStatus))
    progress: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    text_ko: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    text = bilingual("text")
