"""The shared vision of a process, as versions: one draft at most, which a facilitator generates (the evidence
from the data), edits (the narrative around it) and publishes as the next numbered version. A published
version is never changed; citizens endorse it ("does it reflect your view?").

Races end in the schema: one draft per process (a partial unique index), one version number per process (a
unique constraint), one endorsement per participant and version. Services flush and write the audit event;
the route commits."""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, func, inspect, select, union
from sqlalchemy.exc import IntegrityError

from app.audit import diff, record
from app.extensions import db
from app.methods.language import detect_language
from app.models import (
    AuditTarget,
    Endorsement,
    Follow,
    FollowedType,
    Membership,
    NotificationKind,
    Participant,
    Process,
    StatementVote,
    User,
    VisionEndorsement,
    VisionState,
    VisionSummary,
    utcnow,
)
from app.notifications.services import notify_all
from app.vision import evidence as evidence_module
from app.vision.evidence import SECTIONS
from app.voting.services import existing_participant, participant_for

TITLE_MAX = 200
INTRODUCTION_MAX = 20_000
NOTE_MAX = 5_000
COMMENT_MAX = 1_000


class NothingToPublish(Exception):
    """There is no draft (never started, or published meanwhile)."""


class NotReady(Exception):
    """The draft lacks what a published vision needs: `problem` is "title" or "evidence"."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


class VersionTaken(Exception):
    """Another publication took this version number at the same moment."""


class PublishedIsFinal(Exception):
    """A published version cannot change."""


class NotLatest(Exception):
    """Endorsements go to the latest published version; a newer one came out meanwhile."""


class NotEndorsable(Exception):
    """Only a published version is endorsed."""


@dataclass(frozen=True)
class VisionText:
    """What the facilitator writes: a title, an introduction and a note per evidence section (Markdown)."""

    title: str
    introduction: str
    notes: dict[str, str] = field(default_factory=dict)


# Reading ------------------------------------------------------------------------------------------------

def draft_of(process: Process, *, lock: bool = False) -> VisionSummary | None:
    query = select(VisionSummary).where(VisionSummary.process_id == process.id,
                                        VisionSummary.state == VisionState.DRAFT)
    if lock:
        # populate_existing: a row waited for under the lock is read again as it now is.
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def published_versions(process: Process) -> list[VisionSummary]:
    """Newest first."""
    return list(db.session.scalars(select(VisionSummary).where(
        VisionSummary.process_id == process.id, VisionSummary.state == VisionState.PUBLISHED)
        .order_by(VisionSummary.version.desc())))


def latest_published(process: Process) -> VisionSummary | None:
    return db.session.scalar(select(VisionSummary).where(
        VisionSummary.process_id == process.id, VisionSummary.state == VisionState.PUBLISHED)
        .order_by(VisionSummary.version.desc()).limit(1))


def published_version(process: Process, number: int) -> VisionSummary | None:
    return db.session.scalar(select(VisionSummary).where(
        VisionSummary.process_id == process.id, VisionSummary.state == VisionState.PUBLISHED,
        VisionSummary.version == number))


def _text_of(summary: VisionSummary) -> dict:
    return {"title": summary.title, "introduction": summary.introduction,
            "section_notes": dict(summary.section_notes or {})}


# Drafts -------------------------------------------------------------------------------------------------

def _start_draft(actor: User, process: Process) -> VisionSummary:
    """A new draft: a copy of the latest published version (its text and evidence), or an empty one titled
    after the process. Two drafts started at once end in one (the partial unique index decides; the loser
    works on the winner's draft)."""
    latest = latest_published(process)
    draft = VisionSummary(
        process_id=process.id, state=VisionState.DRAFT, created_by_id=actor.id,
        title=latest.title if latest else process.title[:TITLE_MAX],
        introduction=latest.introduction if latest else "",
        section_notes=dict(latest.section_notes or {}) if latest else {},
        evidence=dict(latest.evidence or {}) if latest else {},
        generated_at=latest.generated_at if latest else None,
        language=latest.language if latest else detect_language(process.title or ""),
    )
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        draft = draft_of(process, lock=True)
        if draft is None:  # pragma: no cover - the index that failed guarantees the row
            raise
        return draft
    record(actor, "vision.start", AuditTarget.VISION, draft.id, city_id=process.city_id,
           changes={"process_id": process.id, "from_version": latest.version if latest else None})
    return draft


def _draft_for_work(actor: User, process: Process) -> VisionSummary:
    return draft_of(process, lock=True) or _start_draft(actor, process)


def generate_draft(actor: User, process: Process, now: datetime | None = None) -> VisionSummary:
    """Assemble the evidence anew into the draft (started if there is none), keeping what the facilitator
    wrote: title, introduction and section notes."""
    now = now or utcnow()
    draft = _draft_for_work(actor, process)
    draft.evidence = evidence_module.assemble(process, now)
    draft.generated_at = now
    db.session.flush()
    record(actor, "vision.generate", AuditTarget.VISION, draft.id, city_id=process.city_id,
           changes={"process_id": process.id, "items": evidence_counts(draft.evidence)})
    return draft


def edit_draft(actor: User, process: Process, text: VisionText) -> VisionSummary:
    """Save the facilitator's text into the draft (a draft is started from the latest version if needed).
    Notes of unknown sections are dropped; empty notes are not kept."""
    draft = _draft_for_work(actor, process)
    before = _text_of(draft)
    draft.title = text.title.strip()
    draft.introduction = text.introduction.strip()
    draft.section_notes = {key: text.notes[key].strip() for key in SECTIONS
                           if (text.notes.get(key) or "").strip()}
    draft.language = detect_language(" ".join([draft.title, draft.introduction, *draft.section_notes.values()]))
    db.session.flush()
    changes = diff(before, _text_of(draft))
    if changes:
        record(actor, "vision.edit", AuditTarget.VISION, draft.id, city_id=process.city_id, changes=changes)
    return draft


def publish(actor: User, process: Process, now: datetime | None = None) -> VisionSummary:
    """The draft becomes the next version. Two publications at once give one version: the draft's row lock
    makes the second wait and then find no draft; the unique (process, version) settles any other race."""
    now = now or utcnow()
    draft = draft_of(process, lock=True)
    if draft is None:
        raise NothingToPublish()
    if not draft.title.strip():
        raise NotReady("title")
    if not draft.evidence or draft.generated_at is None:
        raise NotReady("evidence")
    number = (db.session.scalar(select(func.max(VisionSummary.version)).where(
        VisionSummary.process_id == process.id)) or 0) + 1
    try:
        with db.session.begin_nested():
            draft.state, draft.version = VisionState.PUBLISHED, number
            draft.published_at, draft.published_by_id = now, actor.id
    except IntegrityError:
        raise VersionTaken() from None
    record(actor, "vision.publish", AuditTarget.VISION, draft.id, city_id=process.city_id,
           changes={"process_id": process.id, "version": [None, number]})
    notify_all(_to_notify(process, draft), NotificationKind.VISION_PUBLISHED, actor.id, process, process.city_id)
    return draft


def _to_notify(process: Process, published: VisionSummary) -> list[int]:
    """The people who voted on the process's statements, endorsed an earlier version, or follow the process:
    one query."""
    people = union(
        select(Membership.user_id).join(Participant, Participant.membership_id == Membership.id)
        .join(StatementVote, StatementVote.participant_id == Participant.id)
        .where(StatementVote.process_id == process.id),
        select(Membership.user_id).join(Participant, Participant.membership_id == Membership.id)
        .join(VisionEndorsement, VisionEndorsement.participant_id == Participant.id)
        .join(VisionSummary, VisionSummary.id == VisionEndorsement.summary_id)
        .where(VisionSummary.process_id == process.id, VisionSummary.id != published.id),
        select(Follow.user_id).where(Follow.target_type == FollowedType.PROCESS.value,
                                     Follow.target_id == process.id),
    )
    return list(db.session.scalars(select(people.subquery().c[0])))


@event.listens_for(VisionSummary, "before_update")
def _published_stays(mapper, connection, summary: VisionSummary) -> None:
    """The last line of defence: no code path may change a version once it is published."""
    history = inspect(summary).attrs.state.history
    was = (history.deleted or history.unchanged or [None])[0]
    if was == VisionState.PUBLISHED:
        raise PublishedIsFinal()


# Endorsements -------------------------------------------------------------------------------------------

def endorse(membership: Membership, summary: VisionSummary, value: Endorsement, comment: str) -> VisionEndorsement:
    """Record or change the member's answer on the latest published version."""
    if summary.state != VisionState.PUBLISHED:
        raise NotEndorsable()
    latest = latest_published(db.session.get(Process, summary.process_id))
    if latest is None or latest.id != summary.id:
        raise NotLatest()
    participant = participant_for(membership)
    comment = (comment or "").strip()[:COMMENT_MAX]
    mine = _endorsement_of(summary, participant, lock=True)
    if mine is None:
        try:
            with db.session.begin_nested():
                mine = VisionEndorsement(summary_id=summary.id, participant_id=participant.id, value=value.value,
                                         comment=comment)
                db.session.add(mine)
            return mine
        except IntegrityError:  # the same person's other click came first: change that answer
            mine = _endorsement_of(summary, participant, lock=True)
            if mine is None:  # pragma: no cover - the constraint that failed guarantees the row
                raise
    mine.value, mine.comment = value.value, comment
    db.session.flush()
    return mine


def _endorsement_of(summary: VisionSummary, participant: Participant, lock: bool = False) -> VisionEndorsement | None:
    query = select(VisionEndorsement).where(VisionEndorsement.summary_id == summary.id,
                                            VisionEndorsement.participant_id == participant.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def endorsement_of(summary: VisionSummary, participant: Participant | None) -> VisionEndorsement | None:
    return _endorsement_of(summary, participant) if participant is not None else None


def member_endorsement(summary: VisionSummary, membership: Membership | None) -> VisionEndorsement | None:
    return endorsement_of(summary, existing_participant(membership))


ANSWERS = tuple(e.value for e in Endorsement)  # "yes", "partly", "no"


@dataclass(frozen=True)
class Figures:
    """The answers to one version: `figures["yes"]`, `figures.total`, `figures.share("no")`."""

    answers: Counter = field(default_factory=Counter)

    def __getitem__(self, value: str) -> int:
        return self.answers[value]

    @property
    def total(self) -> int:
        return sum(self.answers[v] for v in ANSWERS)

    def share(self, value: str) -> float:
        """Percent of the answers."""
        return 100.0 * self[value] / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {**{v: self[v] for v in ANSWERS}, "total": self.total,
                "shares": {v: round(self.share(v), 1) for v in ANSWERS}}


def figures_of(summaries: list[VisionSummary]) -> dict[int, Figures]:
    """Endorsement counts per summary id: one query."""
    counts: dict[int, Counter] = {s.id: Counter() for s in summaries}
    if counts:
        for summary_id, value, n in db.session.execute(
                select(VisionEndorsement.summary_id, VisionEndorsement.value, func.count())
                .where(VisionEndorsement.summary_id.in_(list(counts)))
                .group_by(VisionEndorsement.summary_id, VisionEndorsement.value)):
            counts[summary_id][value] = n
    return {sid: Figures(c) for sid, c in counts.items()}


def endorsement_comments(summary: VisionSummary) -> list[VisionEndorsement]:
    """The answers that came with a comment, newest first (for the facilitators)."""
    return list(db.session.scalars(select(VisionEndorsement).where(
        VisionEndorsement.summary_id == summary.id, VisionEndorsement.comment != "")
        .order_by(VisionEndorsement.updated_at.desc(), VisionEndorsement.id.desc())))


# Versions side by side ----------------------------------------------------------------------------------

def evidence_counts(evidence: dict) -> dict[str, int]:
    """How many items each section holds (for the audit log and the editor)."""
    counts = {}
    for key in SECTIONS:
        section = (evidence or {}).get(key) or {}
        if key == "participation":
            counts[key] = int(section.get("people", 0))
        elif key == "arguments":
            counts[key] = len(section.get("for", [])) + len(section.get("against", []))
        elif key == "votes":
            counts[key] = (1 if section.get("budget") else 0) + len(section.get("polls", []))
        else:
            counts[key] = len(section.get("items", []))
    return counts


@dataclass(frozen=True)
class DiffLine:
    change: str  # "added", "removed" or "same"
    text: str


def diff_lines(old: list[str], new: list[str], context: int = 1) -> list[list[DiffLine]]:
    """The changes from `old` to `new` as hunks of lines (with `context` unchanged lines around each)."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        lines = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", text) for text in old[i1:i2]]
                continue
            lines += [DiffLine("removed", text) for text in old[i1:i2]]
            lines += [DiffLine("added", text) for text in new[j1:j2]]
        hunks.append(lines)
    return hunks
