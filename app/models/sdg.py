"""The UN Sustainable Development Goals: reference data loaded from app/data/sdg.json, and a city's own
local targets under the global ones."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class SdgGoal(Base):
    __tablename__ = "sdg_goals"
    __table_args__ = (
        CheckConstraint("number BETWEEN 1 AND 17", name="number_range"),
        CheckConstraint("length(colour) = 7", name="colour_hex"),
    )

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    short_en: Mapped[str] = mapped_column(String(80))
    short_ko: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(300))
    colour: Mapped[str] = mapped_column(String(7))

    targets: Mapped[list["SdgTarget"]] = relationship(back_populates="goal", order_by="SdgTarget.position")

    def short(self, locale: str) -> str:
        return self.short_ko if locale == "ko" else self.short_en


class SdgTarget(Base):
    __tablename__ = "sdg_targets"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # "11.2", "11.a"
    goal_number: Mapped[int] = mapped_column(ForeignKey("sdg_goals.number", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # natural order within all targets
    title_en: Mapped[str] = mapped_column(Text)

    goal: Mapped[SdgGoal] = relationship(back_populates="targets")
    indicators: Mapped[list["SdgIndicator"]] = relationship(back_populates="target", order_by="SdgIndicator.position")


class SdgIndicator(Base):
    __tablename__ = "sdg_indicators"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)  # "11.2.1"
    target_code: Mapped[str] = mapped_column(ForeignKey("sdg_targets.code", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title_en: Mapped[str] = mapped_column(Text)

    target: Mapped[SdgTarget] = relationship(back_populates="indicators")


class LocalTarget(Base):
    """A city's own target extending a global one; its code extends the global code ("11.2" → "11.2.SEL1")."""

    __tablename__ = "local_targets"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        CheckConstraint("code LIKE sdg_target_code || '.%'", name="code_extends_global"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    sdg_target_code: Mapped[str] = mapped_column(ForeignKey("sdg_targets.code", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    sdg_target: Mapped[SdgTarget] = relationship()
