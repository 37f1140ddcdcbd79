"""Cities (tenants), their districts and census, and the people who belong to them."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_check, enum_column_type, utcnow


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PLANNER = "planner"
    MODERATOR = "moderator"
    ADMIN = "admin"


class OpenDataLicence(StrEnum):
    """The licences a city may publish its open data under (SPDX identifiers; KOGL-Type1 is the Korea Open
    Government Licence, type 1: attribution only)."""

    CC_BY_4 = "CC-BY-4.0"
    CC_BY_SA_4 = "CC-BY-SA-4.0"
    CC0 = "CC0-1.0"
    ODBL = "ODbL-1.0"
    KOGL_1 = "KOGL-Type1"


def new_pseudonym_salt() -> str:
    return secrets.token_hex(32)


class City(Base):
    __tablename__ = "cities"
    __table_args__ = (
        enum_check("open_data_licence", OpenDataLicence),
        CheckConstraint("length(pseudonym_salt) = 64", name="pseudonym_salt_length"),
        CheckConstraint("default_locale IN ('en', 'ko')", name="default_locale_valid"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint("comment_levels BETWEEN 1 AND 10", name="comment_levels_range"),
        CheckConstraint("flag_threshold >= 1", name="flag_threshold_positive"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint("length(colour) = 7 AND substr(colour, 1, 1) = '#'", name="colour_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ko: Mapped[str] = mapped_column(String(120))
    default_locale: Mapped[str] = mapped_column(String(5), default="ko")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    # How many levels a comment thread nests (a top-level comment is level 1).
    comment_levels: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # After this many distinct flags, an item is hidden until a moderator reviews it.
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # What other cities see when they look for practices: where the city is and how big it is.
    country_code: Mapped[str] = mapped_column(String(2), default="", server_default="")  # ISO 3166-1 alpha-2
    region: Mapped[str] = mapped_column(String(40), default="", server_default="")  # a UN M49 region name
    population: Mapped[int | None] = mapped_column(Integer)
    # The city's colour in its pages' header (a #rrggbb the pages keep readable against white text).
    colour: Mapped[str] = mapped_column(String(7), default="#0b5563", server_default="#0b5563")
    # The licence of the city's open data (its datasets and the public API's answers about it).
    open_data_licence: Mapped[OpenDataLicence] = mapped_column(
        enum_column_type(OpenDataLicence), default=OpenDataLicence.CC_BY_4, server_default="CC-BY-4.0")
    # A secret of the city's own: open data names an author by a pseudonym derived from it (see `pseudonym`), so
    # the same person is the same pseudonym across the city's datasets and cannot be followed to another city.
    # Never exported, never shown.
    pseudonym_salt: Mapped[str] = mapped_column(String(64), default=new_pseudonym_salt)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    districts: Mapped[list["District"]] = relationship(
        back_populates="city", order_by="District.name_en", cascade="all, delete-orphan", passive_deletes=True
    )
    age_bands: Mapped[list["CensusAgeBand"]] = relationship(
        order_by="CensusAgeBand.min_age", cascade="all, delete-orphan", passive_deletes=True
    )

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en

    def pseudonym(self, user_id: int | None) -> str | None:
        """The author's name in this city's open data: stable within the city, unlinkable across cities and
        to the account (an HMAC of the user id under the city's secret salt)."""
        if user_id is None:
            return None
        digest = hmac.new(self.pseudonym_salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
        return f"p-{digest[:12]}"

    def __repr__(self) -> str:
        return f"<City {self.slug}>"


class District(Base):
    __tablename__ = "districts"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        CheckConstraint("population_share >= 0 AND population_share <= 1", name="population_share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(120))
    name_ko: Mapped[str] = mapped_column(String(120))
    population_share: Mapped[Decimal] = mapped_column(Numeric(6, 5), default=Decimal(0))

    city: Mapped[City] = relationship(back_populates="districts")

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en


class CensusAgeBand(Base):
    """The share of the city's population (of participation age) in one age band: the inclusion monitor's
    reference."""

    __tablename__ = "census_age_bands"
    __table_args__ = (
        UniqueConstraint("city_id", "min_age"),
        CheckConstraint("min_age >= 0 AND (max_age IS NULL OR max_age >= min_age)", name="age_range"),
        CheckConstraint("share >= 0 AND share <= 1", name="share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    min_age: Mapped[int] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    share: Mapped[Decimal] = mapped_column(Numeric(6, 5))

    @property
    def label(self) -> str:
        return f"{self.min_age}–{self.max_age}" if self.max_age is not None else f"{self.min_age}+"


class Membership(Base):
    """A person as a resident of one city. Everyone with a membership is a citizen there."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "city_id"),
        CheckConstraint("birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)", name="birth_year_range"),
        CheckConstraint("(blocked_at IS NULL) = (blocked_reason IS NULL)", name="block_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"), index=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A moderator's block: the person's content here is hidden and they cannot take part here.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships", foreign_keys=[user_id])  # noqa: F821
    city: Mapped[City] = relationship()
    district: Mapped[District | None] = relationship()
    roles: Mapped[list["RoleGrant"]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    def has_role(self, role: Role) -> bool:
        return any(grant.role == role for grant in self.roles)


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("membership_id", "role"), enum_check("role", Role))

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(enum_column_type(Role))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    membership: Mapped[Membership] = relationship(back_populates="roles")
