"""The declarative base, the constraint naming convention and the column types every model shares."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp. Naive datetimes are refused on the way in (on SQLite too, which has
    no time zones), and values come back aware in UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: give a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)  # stored as UTC text
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_check(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps a string column inside an enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")


def enum_column_type(enum: type[StrEnum]) -> String:
    return String(max(len(m.value) for m in enum))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Defined by the migrations only, per database: PostgreSQL's trigram index for text search and exclusion
# constraint against overlapping phases, SQLite's triggers for the same rule. The model comparison skips them.
SCHEMA_ONLY_OBJECTS = frozenset(
    {"ix_proposals_search_text_trgm", "ex_phases_no_overlap", "tr_phases_no_overlap_insert",
     "tr_phases_no_overlap_update"}
)


def current_language() -> str:
    """The language of the current request ("en" outside one)."""
    from flask import has_request_context

    if not has_request_context():
        return "en"
    from flask_babel import get_locale

    return str(get_locale() or "en")


def localized(ko: str | None, en: str | None) -> str:
    """Staff-written text is kept in Korean and English; show the reader's language, else the other one."""
    primary, fallback = (ko, en) if current_language() == "ko" else (en, ko)
    return primary or fallback or ""


def bilingual(column: str) -> property:
    """A read-only attribute giving `<column>_ko` or `<column>_en`, whichever suits the reader."""
    return property(lambda self: localized(getattr(self, f"{column}_ko"), getattr(self, f"{column}_en")),
                    doc=f"{column} in the reader's language")


def bilingual_check(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column}_en <> '' OR {column}_ko <> ''", name=f"{column}_given")
