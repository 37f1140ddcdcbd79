"""Running processes: create and edit them, and schedule, close and remove their rounds. Every change is
audited. Overlapping rounds are refused here with a clear message, and by the schema if two requests race."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.audit import diff, record
from app.extensions import db
from app.markdown import render_markdown
from app.slugs import unique_process_slug
from app.models import AuditTarget, City, Phase, PhaseAction, Plan, Process, User, utcnow


class PhaseOverlap(Exception):
    def __init__(self, other: Phase | None = None):
        super().__init__("phases overlap")
        self.other = other


class PhaseNotActive(Exception):
    pass


class PhaseAlreadyStarted(Exception):
    pass


class PhaseIsHistory(Exception):
    """A finished round cannot change, and a running round keeps its start."""


class StartInThePast(Exception):
    """A round that has not started cannot be moved to start in the past."""


@dataclass(frozen=True)
class ProcessData:
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    plan_id: int | None
    eligibility_note_ko: str
    eligibility_note_en: str


@dataclass(frozen=True)
class PhaseData:
    name_ko: str
    name_en: str
    description_ko: str
    description_en: str
    starts_at: datetime
    ends_at: datetime
    actions: frozenset[PhaseAction]


PROCESS_TEXT_FIELDS = ("title_ko", "title_en", "description_ko", "description_en", "eligibility_note_ko",
                       "eligibility_note_en")
PHASE_TEXT_FIELDS = ("name_ko", "name_en", "description_ko", "description_en")


def _process_fields(process: Process) -> dict:
    return {**{f: getattr(process, f) for f in PROCESS_TEXT_FIELDS}, "plan_id": process.plan_id}


def _phase_fields(phase: Phase) -> dict:
    return {**{f: getattr(phase, f) for f in PHASE_TEXT_FIELDS}, "starts_at": phase.starts_at,
            "ends_at": phase.ends_at, "actions": [a.value for a in phase.actions]}


def _apply_process(process: Process, city: City, data: ProcessData) -> None:
    for name in PROCESS_TEXT_FIELDS:
        setattr(process, name, getattr(data, name).strip())
    process.description_html_ko = render_markdown(process.description_ko)
    process.description_html_en = render_markdown(process.description_en)
    process.plan_id = _checked_plan(city, data.plan_id)


def _apply_phase(phase: Phase, data: PhaseData) -> None:
    for name in PHASE_TEXT_FIELDS:
        setattr(phase, name, getattr(data, name).strip())
    phase.starts_at, phase.ends_at = data.starts_at, data.ends_at
    phase.set_actions(data.actions)


def _checked_plan(city: City, plan_id: int | None) -> int | None:
    if plan_id is None:
        return None
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.city_id != city.id:
        raise ValueError("plan of another city")
    return plan.id


def create_process(actor: User, city: City, data: ProcessData) -> Process:
    process = Process(city_id=city.id, created_by_id=actor.id)
    _apply_process(process, city, data)
    process.slug = unique_process_slug(data.title_en, f"{city.slug}-{data.title_ko}")
    db.session.add(process)
    db.session.flush()
    record(actor, "process.create", AuditTarget.PROCESS, process.id, city_id=city.id,
           changes=diff({}, _process_fields(process)))
    return process


def update_process(actor: User, process: Process, data: ProcessData) -> None:
    before = _process_fields(process)
    _apply_process(process, process.city, data)
    db.session.flush()
    changes = diff(before, _process_fields(process))
    if changes:
        record(actor, "process.update", AuditTarget.PROCESS, process.id, city_id=process.city_id, changes=changes)


def _overlapping(process: Process, starts_at: datetime, ends_at: datetime, ignore: Phase | None) -> Phase | None:
    return next(
        (p for p in process.phases if p is not ignore and p.starts_at < ends_at and starts_at < p.ends_at), None
    )


def _flush_phase() -> None:
    """Flush; the schema's overlap guard (exclusion constraint or trigger) settles a race."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise PhaseOverlap() from error


def add_phase(actor: User, process: Process, data: PhaseData) -> Phase:
    other = _overlapping(process, data.starts_at, data.ends_at, None)
    if other is not None:
        raise PhaseOverlap(other)
    phase = Phase(process=process)
    _apply_phase(phase, data)
    db.session.add(phase)
    _flush_phase()
    record(actor, "phase.create", AuditTarget.PHASE, phase.id, city_id=process.city_id,
           changes={"process_id": process.id, **diff({}, _phase_fields(phase))})
    return phase


def update_phase(actor: User, phase: Phase, data: PhaseData, now: datetime | None = None) -> None:
    """Edit a round that has not finished. A running round may be renamed, extended or shortened (its end
    not before now) but keeps its start; a finished one is history."""
    now = now or utcnow()
    if phase.ends_at <= now:
        raise PhaseIsHistory()
    if phase.starts_at <= now:
        # Forms speak in minutes: the same minute means the start was left as it was.
        if _to_minute(data.starts_at) != _to_minute(phase.starts_at) or data.ends_at <= now:
            raise PhaseIsHistory()
        data = replace(data, starts_at=phase.starts_at)
    other = _overlapping(phase.process, data.starts_at, data.ends_at, phase)
    if other is not None:
        raise PhaseOverlap(other)
    before = _phase_fields(phase)
    _apply_phase(phase, data)
    _flush_phase()
    changes = diff(before, _phase_fields(phase))
    if changes:
        record(actor, "phase.update", AuditTarget.PHASE, phase.id, city_id=phase.process.city_id, changes=changes)
    if "starts_at" in changes or "ends_at" in changes:
        announce_phase_change(actor, phase)


def extend_phase(actor: User, phase: Phase, ends_at: datetime, now: datetime | None = None) -> None:
    """Move the end of the running round (later, or earlier but not into the past)."""
    now = now or utcnow()
    if not phase.contains(now):
        raise PhaseNotActive()
    update_phase(actor, phase, replace(_phase_data(phase), ends_at=ends_at), now)


def reschedule_phase(actor: User, phase: Phase, starts_at: datetime, ends_at: datetime,
                     now: datetime | None = None) -> None:
    """Move a round that has not started yet."""
    now = now or utcnow()
    if phase.starts_at <= now:
        raise PhaseAlreadyStarted()
    if starts_at < now:
        raise StartInThePast()
    update_phase(actor, phase, replace(_phase_data(phase), starts_at=starts_at, ends_at=ends_at), now)


def _phase_data(phase: Phase) -> PhaseData:
    return PhaseData(**{f: getattr(phase, f) for f in PHASE_TEXT_FIELDS}, starts_at=phase.starts_at,
                     ends_at=phase.ends_at, actions=frozenset(phase.actions))


def announce_phase_change(actor: User, phase: Phase) -> None:
    """Tell everyone who follows a proposal or debate of the process, once each (about the first thing they
    follow there), that a round's dates changed."""
    from app.facilitation.dashboard import process_followers
    from app.notifications import services as notifications
    from app.models import NotificationKind

    for target, user_ids in process_followers(phase.process):
        notifications.notify({user_id: NotificationKind.ROUNDS_CHANGED for user_id in user_ids},
                             getattr(actor, "id", None), target, phase.process.city_id)


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def close_phase(actor: User, phase: Phase, now: datetime | None = None) -> None:
    """Close a running round early: its end becomes now."""
    now = now or utcnow()
    if not phase.contains(now):
        raise PhaseNotActive()
    before = phase.ends_at
    phase.ends_at = now
    _flush_phase()
    record(actor, "phase.close", AuditTarget.PHASE, phase.id, city_id=phase.process.city_id,
           changes={"ends_at": [before.isoformat(), now.isoformat()]})
    announce_phase_change(actor, phase)


def delete_phase(actor: User, phase: Phase, now: datetime | None = None) -> None:
    """Only a round that has not started can be removed; a past or running round is history."""
    now = now or utcnow()
    if phase.starts_at <= now:
        raise PhaseAlreadyStarted()
    process = phase.process
    record(actor, "phase.delete", AuditTarget.PHASE, phase.id, city_id=process.city_id,
           changes=diff(_phase_fields(phase), {}))
    process.phases.remove(phase)
    db.session.delete(phase)
    db.session.flush()
