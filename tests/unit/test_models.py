"""The schema keeps its own integrity: types, CHECK and unique constraints, foreign-key actions."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from app.models import (
    AuditEvent,
    LocalTarget,
    Membership,
    Phase,
    PhaseActionGrant,
    Proposal,
    RoleGrant,
    User,
)


def _fails(db, statement_or_obj):
    with pytest.raises((IntegrityError, StatementError)):
        if isinstance(statement_or_obj, str):
            db.session.execute(text(statement_or_obj))
        else:
            db.session.add(statement_or_obj)
        db.session.flush()
    db.session.rollback()


def test_naive_datetimes_are_refused(db, make):
    city = make.city()
    process = make.process(city)
    phase = Phase(process_id=process.id, name_en="Naive", starts_at=datetime(2030, 1, 1), ends_at=datetime(2030, 2, 1))
    db.session.add(phase)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_datetimes_come_back_aware_in_utc(db, make):
    city = make.city()
    seoul_time = datetime(2030, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    process = make.process(city, phases=())
    db.session.add(Phase(process_id=process.id, name_en="Aware", starts_at=seoul_time,
                         ends_at=seoul_time + timedelta(days=1)))
    db.session.commit()
    db.session.expire_all()
    phase = db.session.scalar(select(Phase).where(Phase.name_en == "Aware"))
    assert phase.starts_at.tzinfo is not None
    assert phase.starts_at.utcoffset() == timedelta(0)
    assert phase.starts_at == seoul_time
    assert phase.starts_at.hour == 0  # 09:00 in Seoul is midnight UTC


def test_email_is_unique(db, make):
    make.user(email="same@example.org")
    _fails(db, User(email="same@example.org", name="Twin", password_hash="x", terms_version="1",
                    terms_accepted_at=datetime.now(timezone.utc)))


def test_one_membership_per_user_and_city(db, make):
    city = make.city()
    user = make.member(city)
    _fails(db, Membership(user_id=user.id, city_id=city.id))


def test_roles_are_checked_and_unique(db, make):
    city = make.city()
    user = make.member(city)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    _fails(db, RoleGrant(membership_id=membership.id, role="king"))
    db.session.add(RoleGrant(membership_id=membership.id, role="planner"))
    db.session.commit()
    _fails(db, RoleGrant(membership_id=membership.id, role="planner"))


def test_phase_must_end_after_it_starts(db, make):
    city = make.city()
    process = make.process(city, phases=())
    now = datetime.now(timezone.utc)
    _fails(db, Phase(process_id=process.id, name_en="Backwards", starts_at=now, ends_at=now - timedelta(hours=1)))


def test_phase_actions_are_checked(db, make):
    city = make.city()
    process = make.process(city)
    _fails(db, PhaseActionGrant(phase_id=process.phases[0].id, action="teleport"))


def test_overlapping_phases_are_refused_by_the_schema(db, make):
    """The service checks overlap first; this is the guard behind it when two requests race."""
    city = make.city()
    process = make.process(city, phases=((0, 10, ("propose",)),))
    now = datetime.now(timezone.utc)
    _fails(db, Phase(process_id=process.id, name_en="Overlap", starts_at=now + timedelta(days=5),
                     ends_at=now + timedelta(days=15)))
    # Touching is fine: phases are half-open [start, end).
    db.session.add(Phase(process_id=process.id, name_en="Next", starts_at=process.phases[0].ends_at,
                         ends_at=process.phases[0].ends_at + timedelta(days=3)))
    db.session.commit()
    # An update that creates an overlap is refused too.
    nxt = db.session.scalar(select(Phase).where(Phase.name_en == "Next"))
    nxt.starts_at = now + timedelta(days=1)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_phases_of_different_processes_may_overlap(db, make):
    city = make.city()
    make.process(city, phases=((0, 10, ("propose",)),))
    make.process(city, phases=((0, 10, ("propose",)),), title="Parks")
    assert db.session.scalar(text("SELECT count(*) FROM phases")) == 2


def test_proposal_state_and_cost_are_checked(db, make):
    city = make.city()
    process = make.process(city)
    author = make.member(city)
    _fails(db, Proposal(process_id=process.id, author_id=author.id, title="T", body="B", body_html="",
                        search_text="", state="lost"))
    _fails(db, Proposal(process_id=process.id, author_id=author.id, title="T", body="B", body_html="",
                        search_text="", cost=-5))
    # A withdrawn proposal must say when.
    _fails(db, Proposal(process_id=process.id, author_id=author.id, title="T", body="B", body_html="",
                        search_text="", state="withdrawn"))


def test_local_target_code_extends_the_global_code(db, make):
    city = make.city()
    _fails(db, LocalTarget(city_id=city.id, sdg_target_code="11.2", code="9.9.SEL", title="Wrong prefix"))
    db.session.add(LocalTarget(city_id=city.id, sdg_target_code="11.2", code="11.2.SEL1", title="Bus stops"))
    db.session.commit()


def test_audit_target_type_is_checked(db, make):
    _fails(db, AuditEvent(action="x", target_type="spaceship", target_id=1, changes={}))


def test_deleting_a_user_keeps_their_proposals_as_deleted_user(db, make):
    city = make.city()
    process = make.process(city)
    author = make.member(city)
    proposal = make.proposal(process, author)
    db.session.delete(db.session.get(User, author.id))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Proposal, proposal.id)
    assert kept is not None and kept.author_id is None
    assert db.session.scalar(select(Membership).where(Membership.user_id == author.id)) is None


def test_a_process_with_proposals_cannot_be_deleted(db, make):
    city = make.city()
    process = make.process(city)
    make.proposal(process, make.member(city))
    _fails(db, f"DELETE FROM processes WHERE id = {process.id}")


def test_a_rollback_undoes_work_done_in_a_savepoint(db, make):
    """Services use savepoints to turn a unique violation into a message; the request's rollback must still
    undo everything (on SQLite the driver once committed at the savepoint's release)."""
    city = make.city()
    user = make.user()
    with db.session.begin_nested():
        db.session.add(Membership(user_id=user.id, city_id=city.id))
    db.session.rollback()
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
