"""Supports: a participant backs a proposal once, may take it back while the round is open, and the proposal's
stored count moves with every row really written. Support tiers (100 → public forum, 1,000 → the city must
answer) are a process's own; who may vote is set per process too. Every staff change is audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import permissions
from app.audit import diff, record
from app.extensions import db
from app.models import (
    AuditTarget,
    District,
    Membership,
    Participant,
    PhaseAction,
    Process,
    Proposal,
    ProposalState,
    Support,
    SupportThreshold,
    User,
    utcnow,
)
from app.permissions import Decision
from app.voting.services import eligibility_problem, existing_participant, participant_for, votes_cast


# Supporting and taking a support back ------------------------------------------------------------------

def _move_count(proposal_id: int, step: int) -> int:
    """Move the stored count in the database itself (never read-modify-write) and return the new count."""
    return db.session.execute(
        update(Proposal).where(Proposal.id == proposal_id)
        .values(support_count=Proposal.support_count + step)
        .returning(Proposal.support_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _mark_answer_due(proposal: Proposal, count: int, now: datetime) -> None:
    """The first time the count reaches a tier that requires the city's answer, the answer falls due. A
    conditional UPDATE, so two supports crossing the tier at once set it once; withdrawals never clear it."""
    tier = db.session.scalar(
        select(func.min(SupportThreshold.supports))
        .where(SupportThreshold.process_id == proposal.process_id, SupportThreshold.requires_answer.is_(True))
    )
    if tier is None or count < tier:
        return
    db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.answer_due_since.is_(None))
        .values(answer_due_since=now).execution_options(synchronize_session=False)
    )


def _refresh_counts(proposal: Proposal) -> None:
    db.session.refresh(proposal, ["support_count", "answer_due_since"])


def support(membership: Membership, proposal: Proposal, now: datetime | None = None) -> bool:
    """Record the member's support. False when they already support it: a double click, or simultaneous
    requests, end in one row because the unique constraint settles them, and the count moves only for the
    row really inserted."""
    now = now or utcnow()
    participant = participant_for(membership)
    try:
        with db.session.begin_nested():
            db.session.add(Support(participant_id=participant.id, proposal_id=proposal.id, created_at=now))
    except IntegrityError:
        return False
    count = _move_count(proposal.id, +1)
    _mark_answer_due(proposal, count, now)
    _refresh_counts(proposal)
    return True


def withdraw_support(membership: Membership, proposal: Proposal) -> bool:
    """Take the member's support back. False when there was none to take back (a second click, or two
    requests at once: only the one whose DELETE removed the row moves the count)."""
    participant = existing_participant(membership)
    if participant is None:
        return False
    deleted = db.session.execute(
        delete(Support).where(Support.participant_id == participant.id, Support.proposal_id == proposal.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        return False
    _move_count(proposal.id, -1)
    _refresh_counts(proposal)
    return True


def supports_it(membership: Membership | None, proposal: Proposal) -> bool:
    if membership is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        Support.proposal_id == proposal.id, Support.participant_id == Participant.id,
        Participant.membership_id == membership.id,
    ))))


def may_withdraw_support(user, proposal: Proposal, now: datetime | None = None) -> Decision:
    """Taking a support back needs only the open round: a member who has since moved district, or been
    blocked, may still take back what they gave."""
    if not (user and user.is_authenticated):
        return Decision(False, str(_l("Log in to take part.")))
    if permissions.membership_of(user, proposal.process.city) is None:
        return Decision(False, str(_l("Join this city to take part.")))
    return permissions.phase_allows(proposal.process, PhaseAction.SUPPORT, now)


# What the proposal page shows --------------------------------------------------------------------------

@dataclass(frozen=True)
class TierView:
    tier: SupportThreshold
    reached: bool
    missing: int  # supports still needed (0 once reached)


@dataclass(frozen=True)
class SupportPanel:
    """The supports section of a proposal page: the count, the tiers, and what the viewer may do."""

    count: int
    tiers: list[TierView]
    next_tier: SupportThreshold | None
    supported: bool
    can_support: Decision
    can_withdraw: Decision
    problem: str | None  # why the member may not vote (eligibility_problem's code), to point at the fix
    shown: bool  # whether the process uses supports at all

    @property
    def reached(self) -> list[TierView]:
        return [view for view in self.tiers if view.reached]


def support_panel(user, proposal: Proposal, now: datetime | None = None) -> SupportPanel:
    now = now or utcnow()
    process = proposal.process
    count = proposal.support_count
    tiers = [TierView(t, count >= t.supports, max(0, t.supports - count)) for t in process.thresholds]
    next_tier = next((view.tier for view in tiers if not view.reached), None)
    membership = permissions.membership_of(user, process.city)
    problem = None
    if membership is not None and membership.blocked_at is None:
        problem = eligibility_problem(membership, process, now)
    uses_supports = any(phase.enables(PhaseAction.SUPPORT) for phase in process.phases)
    return SupportPanel(
        count=count, tiers=tiers, next_tier=next_tier, supported=supports_it(membership, proposal),
        can_support=permissions.can_support(user, proposal, now),
        can_withdraw=may_withdraw_support(user, proposal, now), problem=problem,
        shown=uses_supports or count > 0 or bool(tiers),
    )


# Facilitators: tiers ------------------------------------------------------------------------------------

class DuplicateTier(Exception):
    """The process has a tier at this number of supports already."""


@dataclass(frozen=True)
class TierData:
    supports: int
    label_ko: str
    label_en: str
    requires_answer: bool


def _tier_fields(tier: SupportThreshold) -> dict:
    return {"supports": tier.supports, "label_ko": tier.label_ko, "label_en": tier.label_en,
            "requires_answer": tier.requires_answer}


def _apply_tier(tier: SupportThreshold, data: TierData) -> None:
    tier.supports = data.supports
    tier.label_ko = data.label_ko.strip()
    tier.label_en = data.label_en.strip()
    tier.requires_answer = data.requires_answer


def _answer_due_for_existing(tier: SupportThreshold, now: datetime) -> None:
    """Proposals already past a new (or lowered) answer tier owe an answer from now on."""
    if not tier.requires_answer:
        return
    db.session.execute(
        update(Proposal).where(Proposal.process_id == tier.process_id, Proposal.answer_due_since.is_(None),
                               Proposal.support_count >= tier.supports)
        .values(answer_due_since=now).execution_options(synchronize_session=False)
    )


def add_tier(actor: User, process: Process, data: TierData) -> SupportThreshold:
    tier = SupportThreshold(process_id=process.id)
    _apply_tier(tier, data)
    try:
        with db.session.begin_nested():
            db.session.add(tier)
    except IntegrityError as error:
        raise DuplicateTier() from error
    _answer_due_for_existing(tier, utcnow())
    record(actor, "support_tier.create", AuditTarget.PROCESS, process.id, city_id=process.city_id,
           changes={"tier_id": tier.id, **diff({}, _tier_fields(tier))})
    db.session.expire(process, ["thresholds"])
    return tier


def update_tier(actor: User, tier: SupportThreshold, data: TierData) -> None:
    before = _tier_fields(tier)
    try:
        with db.session.begin_nested():
            _apply_tier(tier, data)
            db.session.flush()
    except IntegrityError as error:
        raise DuplicateTier() from error
    _answer_due_for_existing(tier, utcnow())
    changes = diff(before, _tier_fields(tier))
    if changes:
        record(actor, "support_tier.update", AuditTarget.PROCESS, tier.process_id, city_id=_city_id(tier),
               changes={"tier_id": tier.id, **changes})


def remove_tier(actor: User, tier: SupportThreshold) -> None:
    """Proposals that already owe an answer keep owing it."""
    record(actor, "support_tier.delete", AuditTarget.PROCESS, tier.process_id, city_id=_city_id(tier),
           changes={"tier_id": tier.id, **diff(_tier_fields(tier), {})})
    db.session.delete(tier)
    db.session.flush()


def _city_id(tier: SupportThreshold) -> int:
    return db.session.scalar(select(Process.city_id).where(Process.id == tier.process_id))


# Facilitators: who may vote -----------------------------------------------------------------------------

class UnknownDistrict(Exception):
    pass


class VotesCast(Exception):
    """People have voted in the process: who may vote can no longer change."""


@dataclass(frozen=True)
class EligibilityData:
    require_verified: bool
    district_ids: frozenset[int]
    min_age: int | None


def _eligibility_fields(process: Process) -> dict:
    return {"require_verified": process.require_verified, "min_age": process.min_age,
            "district_ids": sorted(d.id for d in process.eligible_districts)}


def eligibility_frozen(process: Process) -> bool:
    """Who may vote is fixed once anyone has voted in the process (a support, a budget or poll ballot, or a
    place on a secret vote's roll): changing it would count votes that the new rules would refuse, or refuse
    people who could have voted."""
    return votes_cast(process)


def set_eligibility(actor: User, process: Process, data: EligibilityData) -> None:
    """Set who may vote in the process. VotesCast if anyone has voted and the rules would change (saving the
    same rules again changes nothing and is let through)."""
    before = _eligibility_fields(process)
    districts = []
    if data.district_ids:
        districts = list(db.session.scalars(select(District).where(District.id.in_(data.district_ids),
                                                                   District.city_id == process.city_id)))
        if len(districts) != len(data.district_ids):
            raise UnknownDistrict()
    wanted = {"require_verified": data.require_verified, "min_age": data.min_age,
              "district_ids": sorted(d.id for d in districts)}
    if wanted != before and eligibility_frozen(process):
        raise VotesCast()
    process.require_verified = data.require_verified
    process.min_age = data.min_age
    process.eligible_districts = districts
    db.session.flush()
    changes = diff(before, _eligibility_fields(process))
    if changes:
        record(actor, "process.eligibility", AuditTarget.PROCESS, process.id, city_id=process.city_id,
               changes=changes)


# Planners: the answer queue -----------------------------------------------------------------------------

def answer_queue(city) -> Select:
    """Proposals of the city that crossed an answer tier and still wait for the city's answer, the longest
    waiting first. Withdrawn proposals wait for nothing."""
    return (
        select(Proposal).join(Process, Proposal.process_id == Process.id)
        .where(Process.city_id == city.id, Proposal.answer_due_since.is_not(None), Proposal.answered_at.is_(None),
               Proposal.state != ProposalState.WITHDRAWN)
        .options(joinedload(Proposal.process))
        .order_by(Proposal.answer_due_since.asc(), Proposal.id.asc())
    )


def days_waiting(since: datetime, now: datetime, time_zone: str) -> int:
    """Whole days between the day the answer fell due and today, both in the city's calendar."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)
    return (now.astimezone(zone).date() - since.astimezone(zone).date()).days
