"""The audit log: every state change by a facilitator, planner, moderator or admin."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class AuditTarget(StrEnum):
    CITY = "city"
    USER = "user"
    MEMBERSHIP = "membership"
    ROLE_GRANT = "role_grant"
    ORGANIZATION = "organization"
    PLAN = "plan"
    PLAN_ITEM = "plan_item"
    PROCESS = "process"
    PHASE = "phase"
    PROPOSAL = "proposal"
    DEBATE = "debate"
    COMMENT = "comment"
    FLAG = "flag"
    BUDGET = "budget"
    POLL = "poll"
    LOCAL_TARGET = "local_target"
    INDICATOR = "indicator"
    RESULT = "result"
    STATEMENT = "statement"
    VISION = "vision"
    PRACTICE = "practice"
    REPLICATION = "replication"
    API_TOKEN = "api_token"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        enum_check("target_type", AuditTarget),
        Index("ix_audit_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(enum_column_type(AuditTarget))
    target_id: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821
