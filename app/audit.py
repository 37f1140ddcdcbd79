"""Writing audit events. Services call ``record`` after they flush; the route's commit keeps both or neither."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.extensions import db
from app.models import AuditEvent, AuditTarget


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if _plain(before.get(key)) != _plain(after.get(key))
    }


def record(actor, action: str, target_type: AuditTarget, target_id: int, *, city_id: int | None,
           changes: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type.value,
        target_id=target_id,
        city_id=city_id,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
    )
    db.session.add(event)
    return event
