"""Partner organizations (Principle IV): community groups to national agencies, with their members."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class OrganizationKind(StrEnum):
    COMMUNITY_GROUP = "community_group"
    CIVIL_SOCIETY = "civil_society"
    PRIVATE_SECTOR = "private_sector"
    ACADEMIA = "academia"
    GOVERNMENT_AGENCY = "government_agency"


class OrganizationLevel(StrEnum):
    NEIGHBOURHOOD = "neighbourhood"
    CITY = "city"
    REGIONAL = "regional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class OrganizationRole(StrEnum):
    MEMBER = "member"
    REPRESENTATIVE = "representative"


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (enum_check("kind", OrganizationKind), enum_check("level", OrganizationLevel))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The city it works in, if it is local; regional and national partners may have none.
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(enum_column_type(OrganizationKind))
    level: Mapped[str] = mapped_column(enum_column_type(OrganizationLevel))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list["OrganizationMember"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", passive_deletes=True
    )


class OrganizationMember(Base):
    __tablename__ = "organization_members"
    __table_args__ = (enum_check("role", OrganizationRole),)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(enum_column_type(OrganizationRole), default=OrganizationRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")
    user: Mapped["User"] = relationship()  # noqa: F821
