"""What every kind of vote shares: the participant behind a member, who may vote in a process, whether anyone
has voted, and the day a secret roll records."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    BudgetBallot,
    BudgetRollEntry,
    Membership,
    Participant,
    Poll,
    PollBallot,
    PollRollEntry,
    Process,
    Proposal,
    Support,
    process_districts,
    utcnow,
)


def participant_for(membership: Membership) -> Participant:
    """The member's participant, created on their first vote. Two first votes at once end in one participant
    (the unique membership constraint settles the race; the loser reads the winner's row)."""
    participant = db.session.scalar(select(Participant).where(Participant.membership_id == membership.id))
    if participant is not None:
        return participant
    try:
        with db.session.begin_nested():
            participant = Participant(city_id=membership.city_id, membership_id=membership.id)
            db.session.add(participant)
    except IntegrityError:
        participant = db.session.scalar(select(Participant).where(Participant.membership_id == membership.id))
        if participant is None:  # pragma: no cover - the constraint that failed guarantees the row
            raise
    return participant


def existing_participant(membership: Membership | None) -> Participant | None:
    if membership is None:
        return None
    return db.session.scalar(select(Participant).where(Participant.membership_id == membership.id))


def age_in_year(birth_year: int, moment: datetime, time_zone: str) -> int:
    """The age a person turns in the current year of the city's calendar. Eligibility by age counts by birth
    year (a resident born in 2012 may vote in a 14+ process from 1 January 2026), as census codes carry only
    the birth year."""
    return moment.astimezone(ZoneInfo(time_zone)).year - birth_year


def eligibility_problem(membership: Membership, process: Process, moment: datetime) -> str | None:
    """Why this member may not vote in the process (a code for the message), or None if they may.

    Codes: "verified" (the process is for verified residents), "district" (not a resident of a listed
    district), "birth_year" (the process has a minimum age and the member gave no birth year), "age"."""
    if process.require_verified and membership.verified_at is None:
        return "verified"
    districts = process.eligible_districts
    if districts and membership.district_id not in {d.id for d in districts}:
        return "district"
    if process.min_age is not None:
        if membership.birth_year is None:
            return "birth_year"
        if age_in_year(membership.birth_year, moment, process.city.time_zone) < process.min_age:
            return "age"
    return None


def roll_time(now=None) -> datetime:
    """The day of a secret vote, without the time: a precise time could be matched with a ballot or a log."""
    return (now or utcnow()).astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _restricts_residence():
    """A process that lets only some districts or ages vote."""
    return or_(Process.min_age.is_not(None), exists().where(process_districts.c.process_id == Process.id))


def _processes_voted_in(participant_id: int):
    """The processes in which the participant has a vote on record: a support, an open ballot or a place on a
    secret vote's roll, in the budget or a poll."""
    return union_all(
        select(Proposal.process_id).join(Support, Support.proposal_id == Proposal.id)
        .where(Support.participant_id == participant_id),
        select(BudgetBallot.process_id).where(BudgetBallot.participant_id == participant_id),
        select(BudgetRollEntry.process_id).where(BudgetRollEntry.participant_id == participant_id),
        select(Poll.process_id).join(PollBallot, PollBallot.poll_id == Poll.id)
        .where(PollBallot.participant_id == participant_id),
        select(Poll.process_id).join(PollRollEntry, PollRollEntry.poll_id == Poll.id)
        .where(PollRollEntry.participant_id == participant_id),
    )


def voted_where_residence_counts(membership: Membership) -> bool:
    """Whether the member has voted in a process that lets only some districts or ages vote: their district
    and year of birth then decided a vote, and changing them would let them vote again as someone else."""
    participant = existing_participant(membership)
    if participant is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        Process.id.in_(_processes_voted_in(participant.id).scalar_subquery()), _restricts_residence()))))


def votes_cast(process: Process) -> bool:
    """Whether anyone has voted in the process: a support on one of its proposals, a budget ballot or a place
    on the budget's roll, a ballot or a place on the roll of one of its polls."""
    polls = select(Poll.id).where(Poll.process_id == process.id).scalar_subquery()
    return bool(db.session.scalar(select(
        exists().where(Support.proposal_id == Proposal.id, Proposal.process_id == process.id)
        | exists().where(BudgetBallot.process_id == process.id)
        | exists().where(BudgetRollEntry.process_id == process.id)
        | exists().where(PollBallot.poll_id.in_(polls))
        | exists().where(PollRollEntry.poll_id.in_(polls))
    )))
