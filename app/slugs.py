"""Short, unique names for the command line and exports (`flask pb outcome assen-2024`)."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from app.extensions import db


def slugify(text: str, limit: int = 60) -> str:
    """ASCII letters and digits joined by hyphens ("Green Transport 2026!" → "green-transport-2026"). Letters
    outside ASCII (Hangul, for one) are dropped; an empty result is the caller's to replace."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:limit].strip("-")


def unique_process_slug(*candidates: str) -> str:
    """The first non-empty slug of the candidates, with -2, -3, … appended if another process has it."""
    from app.models import Process

    base = next((s for s in (slugify(c) for c in candidates) if s), "process")
    taken = set(db.session.scalars(select(Process.slug).where(Process.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
