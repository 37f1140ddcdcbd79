"""What every kind of vote shares: the participant behind a member, and who may vote in a process."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Membership, Participant, Process


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
