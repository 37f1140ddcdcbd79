"""A city's plans and their items, each item linked to the SDG targets it serves."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, bilingual, bilingual_check, utcnow

plan_item_targets = Table(
    "plan_item_targets",
    Base.metadata,
    Column("plan_item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True),
    Column("sdg_target_code", ForeignKey("sdg_targets.code", ondelete="RESTRICT"), primary_key=True, index=True),
)

# A plan item also serves the city's own local targets (each extending a global SDG target).
plan_item_local_targets = Table(
    "plan_item_local_targets",
    Base.metadata,
    Column("plan_item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True),
    Column("local_target_id", ForeignKey("local_targets.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="years_ordered"),
        bilingual_check("title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list["PlanItem"]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan", passive_deletes=True
    )

    title = bilingual("title")

    description = bilingual("description")


class PlanItem(Base):
    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "code"), bilingual_check("title"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    plan: Mapped[Plan] = relationship(back_populates="items")
    sdg_targets: Mapped[list["SdgTarget"]] = relationship(  # noqa: F821
        secondary=plan_item_targets, order_by="SdgTarget.position"
    )
    local_targets: Mapped[list["LocalTarget"]] = relationship(  # noqa: F821
        secondary=plan_item_local_targets, order_by="LocalTarget.code"
    )
    indicators: Mapped[list["Indicator"]] = relationship(  # noqa: F821
        back_populates="plan_item", order_by="Indicator.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    title = bilingual("title")

    description = bilingual("description")
