"""Statements: facilitators seed them, citizens add their own (pre- or post-moderation), moderators approve or
reject them; participants vote agree / disagree / pass one statement at a time and may change a vote. One vote
per participant and statement, stored tallies that always equal the rows, routing that never shows a statement
twice and favours statements with few votes, the phase gate and who may vote, bad input, and the audit trail."""
from __future__ import annotations

import random
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Membership,
    Notification,
    OpinionMap,
    Participant,
    Role,
    Statement,
    StatementState,
    StatementVote,
    VoteValue,
    utcnow,
)
from app.vision import statements as services
from app.voting.services import participant_for
from tests.conftest import all_at_once, login, postgres_only, posting, same_person_clients

SEEDS = ("Seoul needs more protected bike lanes.", "Buses should be free for everyone under 19.",
         "자동차 도로를 줄이고 보행로를 넓혀야 한다.")


def conversation(make, db, seeds=SEEDS, citizen="Min-ji", days=10) -> SimpleNamespace:
    """Seoul, a process "Green transport" whose round allows statement votes for `days` more days, the seeds
    published by Jae-won (a facilitator), and a citizen (the browser tests use it too)."""
    city = make.city()
    process = make.process(city, title="Green transport", phases=((-1, days, ("statement_vote", "comment")),))
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    statements = [services.seed_statement(facilitator, process, body) for body in seeds]
    db.session.commit()
    return SimpleNamespace(city=city, process=process, facilitator=facilitator, statements=statements,
                           citizen=make.member(city, name=citizen))


@pytest.fixture
def seoul(make, db):
    """Seoul, a process whose round allows statement votes now, three seeded statements, and its people."""
    world = conversation(make, db)
    world.moderator = make.member(world.city, Role.MODERATOR, name="Moderator")
    return world


def _members_logged_in(app, make, city, n: int) -> list:
    """n test clients, each logged in as a new member of the city."""
    clients = []
    for _ in range(n):
        each = app.test_client()
        login(each, make.member(city))
        clients.append(each)
    return clients


# Helpers -------------------------------------------------------------------------------------------------------

def _fresh():
    _db.session.commit()  # a fresh transaction sees what requests committed (SQLite reads from a snapshot)


def _count(model, *where) -> int:
    _fresh()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _page_url(process) -> str:
    return f"/c/seoul/processes/{process.id}/statements"


def _vote(client, statement_id: int, value: str, next_url: str | None = None):
    data = {"value": value}
    if next_url:
        data["next"] = next_url
    return client.post(f"/c/seoul/statements/{statement_id}/vote", data=data)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _shown_statement(page: str) -> int | None:
    """The statement the page asks about (the one-at-a-time card), by its vote form's action."""
    card = re.search(r'class="statement-card".*?action="/c/seoul/statements/(\d+)/vote"', page, re.S)
    return int(card.group(1)) if card else None


def _tallies(statement_id: int) -> tuple[int, int, int]:
    _fresh()
    row = _db.session.execute(select(Statement.agree_count, Statement.disagree_count, Statement.pass_count)
                              .where(Statement.id == statement_id)).one()
    return tuple(row)


def _rows(statement_id: int) -> tuple[int, int, int]:
    _fresh()
    counts = dict(_db.session.execute(select(StatementVote.value, func.count()).where(
        StatementVote.statement_id == statement_id).group_by(StatementVote.value)).all())
    return counts.get(1, 0), counts.get(-1, 0), counts.get(0, 0)


def _participant(user, city) -> Participant:
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.city_id == city.id))
    return participant_for(membership)


def _audit_actions(target_id=None) -> list[str]:
    _fresh()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    return list(_db.session.scalars(query))


# Voting one statement at a time ---------------------------------------------------------------------------------

def test_citizen_votes_one_at_a_time_changes_a_vote_and_passes(client, make, db, seoul):
    login(client, seoul.citizen)
    page = _text(client.get(_page_url(seoul.process)))
    assert "You have voted on 0 of 3 statements." in page
    assert page.count('class="statement-card"') == 1 and page.count("vote-form-large") == 1
    first = _shown_statement(page)
    assert first in {s.id for s in seoul.statements}

    response = _vote(client, first, "agree")
    assert response.status_code == 302 and response.headers["Location"].endswith(_page_url(seoul.process))
    assert _tallies(first) == (1, 0, 0) and _count(StatementVote) == 1
    page = _text(client.get(response.headers["Location"]))
    assert "Saved: you agree with" in page and "You have voted on 1 of 3 statements." in page
    second = _shown_statement(page)
    assert second not in (None, first)
    assert f'id="my-vote-{first}"' in page  # "Your votes" lists it, with its buttons, Agree pressed
    your_votes = page[page.index('id="your-votes"'):]
    assert re.search(rf'statements/{first}/vote".*?value="agree"[^>]*aria-pressed="true"', your_votes, re.S)

    # She changes her mind from "Your votes": the row changes, the tallies move, nothing is added.
    _fresh()
    created = db.session.scalar(select(StatementVote.updated_at))
    response = _vote(client, first, "disagree", f"{_page_url(seoul.process)}#your-votes")
    assert response.status_code == 302 and response.headers["Location"].endswith("#your-votes")
    assert _tallies(first) == (0, 1, 0) == _rows(first) and _count(StatementVote) == 1
    _fresh()
    assert db.session.scalar(select(StatementVote.updated_at)) > created
    assert db.session.scalar(select(StatementVote.value)) == VoteValue.DISAGREE

    # The same vote again changes nothing; a pass is a vote.
    assert _vote(client, first, "disagree").status_code == 302
    assert _tallies(first) == (0, 1, 0)
    assert _vote(client, second, "pass").status_code == 302
    assert _tallies(second) == (0, 0, 1) == _rows(second)
    page = _text(client.get(_page_url(seoul.process)))
    assert "You have voted on 2 of 3 statements." in page
    assert _shown_statement(page) not in (None, first, second)
    assert _count(Participant) == 1


def test_a_vote_from_the_statement_page_goes_back_there(client, make, db, seoul):
    statement = seoul.statements[0]
    login(client, seoul.citizen)
    url = f"/c/seoul/statements/{statement.id}"
    page = _text(client.get(url))
    assert statement.body in page and "Written by the facilitators" in page
    response = _vote(client, statement.id, "agree", url)
    assert response.status_code == 302 and response.headers["Location"] == url
    page = _text(client.get(url))
    assert "Your vote: Agree." in page and re.search(r'value="agree"[^>]*aria-pressed="true"', page)
    assert "1 vote in all." in page and "100%" in page


def test_a_vote_off_the_site_or_without_a_value_is_refused(client, make, db, seoul):
    login(client, seoul.citizen)
    statement = seoul.statements[0]
    assert _vote(client, statement.id, "maybe").status_code == 400
    assert client.post(f"/c/seoul/statements/{statement.id}/vote", data={}).status_code == 400
    response = _vote(client, statement.id, "agree", "https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"].endswith(_page_url(seoul.process))
    assert _count(StatementVote) == 1


def test_tallies_equal_the_rows_after_random_votes_and_changes(make, db, seoul):
    rng = random.Random(5)
    people = [_participant(make.member(seoul.city), seoul.city) for _ in range(8)]
    db.session.commit()
    outcomes = Counter()
    for _ in range(300):
        statement = rng.choice(seoul.statements)
        outcome = services.vote(rng.choice(people), statement, rng.choice(list(VoteValue)))
        outcomes[outcome] += 1
        if rng.random() < 0.3:
            db.session.commit()
    db.session.commit()
    assert set(outcomes) == set(services.VoteOutcome)  # first votes, changes and repeats all happened
    for statement in seoul.statements:
        assert _tallies(statement.id) == _rows(statement.id)
    assert _count(StatementVote) == sum(sum(_rows(s.id)) for s in seoul.statements) <= 8 * 3
    assert outcomes[services.VoteOutcome.CAST] == _count(StatementVote)
    assert set(db.session.scalars(select(StatementVote.process_id))) == {seoul.process.id}


def test_a_member_votes_through_the_service_as_a_user_too(make, db, seoul):
    assert services.vote(seoul.citizen, seoul.statements[0], VoteValue.AGREE) == services.VoteOutcome.CAST
    assert services.vote(seoul.citizen, seoul.statements[0], 1) == services.VoteOutcome.UNCHANGED
    db.session.commit()
    assert _count(Participant) == 1 and _tallies(seoul.statements[0].id) == (1, 0, 0)
    outsider = make.user()
    with pytest.raises(ValueError):
        services.vote(outsider, seoul.statements[0], VoteValue.AGREE)


def test_one_vote_per_participant_when_the_same_person_clicks_at_once(app, make, db, seoul):
    postgres_only(db)
    statement = seoul.statements[0]
    clients = same_person_clients(app, seoul.citizen, 24)
    values = ("agree", "disagree", "pass")
    url = f"/c/seoul/statements/{statement.id}/vote"
    results = all_at_once(clients, posting(url, lambda index: {"value": values[index % 3]}))
    assert results == [302] * 24, results
    assert _count(StatementVote) == 1 and _count(Participant) == 1
    assert sum(_tallies(statement.id)) == 1 and _tallies(statement.id) == _rows(statement.id)
    # Changes at once, too: still one row, and tallies that match it.
    results = all_at_once(clients, posting(url, lambda index: {"value": values[(index + 1) % 3]}))
    assert results == [302] * 24, results
    assert _count(StatementVote) == 1 and _tallies(statement.id) == _rows(statement.id)
    assert sum(_tallies(statement.id)) == 1


def test_many_people_voting_at_once_all_count(app, make, db, seoul):
    postgres_only(db)
    clients = _members_logged_in(app, make, seoul.city, 12)
    statement = seoul.statements[1]
    results = all_at_once(clients, posting(f"/c/seoul/statements/{statement.id}/vote",
                                           lambda index: {"value": ("agree", "disagree")[index % 2]}))
    assert results == [302] * 12, results
    assert _tallies(statement.id) == _rows(statement.id) == (6, 6, 0)


def test_the_same_statement_sent_by_several_people_at_once_is_added_once(app, make, db, seoul):
    postgres_only(db)
    clients = _members_logged_in(app, make, seoul.city, 8)
    spellings = ("Trams on Jong-ro!", "trams on  JONG-RO!")
    results = all_at_once(clients, posting(_page_url(seoul.process), lambda index: {"body": spellings[index % 2]}))
    assert sorted(results) == [302] + [422] * 7, results
    assert _count(Statement, Statement.body.ilike("trams on%")) == 1


# Routing ----------------------------------------------------------------------------------------------------------

def test_routing_never_repeats_and_then_says_nothing_is_left(client, make, db, seoul):
    for n in range(17):
        services.seed_statement(seoul.facilitator, seoul.process, f"Statement number {n} about transport.")
    db.session.commit()
    login(client, seoul.citizen)
    shown = []
    for step in range(20):
        page = _text(client.get(_page_url(seoul.process)))
        assert f"You have voted on {step} of 20 statements." in page
        statement_id = _shown_statement(page)
        assert statement_id is not None
        assert _shown_statement(_text(client.get(_page_url(seoul.process)))) == statement_id  # a reload: the same
        shown.append(statement_id)
        assert _vote(client, statement_id, ("agree", "disagree", "pass")[step % 3]).status_code == 302
    assert len(set(shown)) == 20
    _fresh()
    assert set(shown) == set(db.session.scalars(select(Statement.id)))
    page = _text(client.get(_page_url(seoul.process)))
    assert _shown_statement(page) is None
    assert "You have voted on 20 of 20 statements." in page
    assert "You have voted on every statement." in page
    assert f'href="/c/seoul/processes/{seoul.process.id}/opinion-map"' in page


def test_next_statement_is_none_for_everyone_once_all_are_voted(make, db, seoul):
    participant = _participant(seoul.citizen, seoul.city)
    rng = random.Random(1)
    seen = set()
    while (statement := services.next_statement(participant, seoul.process, rng)) is not None:
        assert statement.id not in seen
        seen.add(statement.id)
        services.vote(participant, statement, VoteValue.PASS)
    assert seen == {s.id for s in seoul.statements}
    # Someone who has not voted is offered one; a process without statements offers none.
    assert services.next_statement(None, seoul.process, rng) is not None
    assert services.next_statement(participant, make.process(seoul.city, title="Empty"), rng) is None


def test_a_statement_with_far_fewer_votes_comes_first_more_often(make, db, seoul):
    fresh, worn, _other = seoul.statements
    worn.agree_count, worn.disagree_count, worn.pass_count = 20, 15, 5
    _other.agree_count = 40
    db.session.commit()
    rng = random.Random(2026)
    draws = Counter(services.next_statement(None, seoul.process, rng).id for _ in range(3000))
    assert draws[fresh.id] > 5 * draws[worn.id], draws
    assert draws[worn.id] > 0  # still drawn now and then: weighted, not sorted


def test_divisive_statements_come_first_more_often_when_a_map_exists(make, db, seoul):
    divisive, calm, _third = seoul.statements
    for statement in seoul.statements:
        statement.agree_count, statement.disagree_count = 10, 10
    db.session.add(OpinionMap(process_id=seoul.process.id, vote_count=60, votes_changed_at=utcnow(),
                              statement_count=3, participants_clustered=20, seconds=0.01, data={
                                  "statements": {str(divisive.id): {"divisiveness": 1.0, "groups": []},
                                                 str(calm.id): {"divisiveness": 0.0, "groups": []}},
                                  "groups": []}))
    db.session.commit()
    rng = random.Random(7)
    draws = Counter(services.next_statement(None, seoul.process, rng).id for _ in range(3000))
    assert draws[divisive.id] > 2.5 * draws[calm.id], draws
    assert draws[_third.id] > 0  # a statement the map does not know yet is still drawn


# Who may vote ------------------------------------------------------------------------------------------------------

def test_outside_a_statement_round_votes_are_refused_with_the_reason(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-2, 1, ("comment",)), (3, 9, ("statement_vote",))))
    facilitator = make.member(city, Role.FACILITATOR)
    statement = services.seed_statement(facilitator, process, "Close the old ring road to cars.")
    db.session.commit()
    login(client, make.member(city))
    response = _vote(client, statement.id, "agree")
    assert response.status_code == 403
    assert "Statement voting is not open in this process right now." in _text(response)
    assert "It opens on" in _text(response)
    page = _text(client.get(_page_url(process)))
    assert "Statement voting is not open in this process right now." in page
    assert 'class="statement-card"' not in page and "vote-form" not in page
    assert "Close the old ring road to cars." in page  # still listed, with its totals
    assert "Add your own statement" not in page
    assert _count(StatementVote) == 0


def test_only_verified_residents_vote_where_the_process_says_so(client, make, db, seoul):
    seoul.process.require_verified = True
    db.session.commit()
    login(client, seoul.citizen)
    response = _vote(client, seoul.statements[0].id, "agree")
    assert response.status_code == 403 and "Only verified residents can vote in this process." in _text(response)
    page = _text(client.get(_page_url(seoul.process)))
    assert "Only verified residents can vote in this process." in page
    assert 'href="/c/seoul/residence"' in page and 'class="statement-card"' not in page
    membership = db.session.scalar(select(Membership).where(Membership.user_id == seoul.citizen.id))
    membership.verified_at = utcnow()
    db.session.commit()
    assert _vote(client, seoul.statements[0].id, "agree").status_code == 302
    assert _count(StatementVote) == 1


def test_visitors_are_asked_to_log_in_and_still_see_the_statements(client, make, db, seoul):
    response = _vote(client, seoul.statements[0].id, "agree")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = _text(client.get(_page_url(seoul.process)))
    assert "Log in to take part." in page and "/auth/login" in page
    for body in SEEDS:
        assert body in page
    assert 'class="statement-card"' not in page
    outsider = make.user()
    login(client, outsider)
    page = _text(client.get(_page_url(seoul.process)))
    assert "Join this city to take part." in page and 'href="/c/seoul/join"' in page


# Adding statements, moderation -------------------------------------------------------------------------------------

def test_post_moderation_publishes_at_once_and_a_moderator_can_reject_later(client, make, db, seoul):
    login(client, seoul.citizen)
    response = client.post(_page_url(seoul.process), data={"body": "  Cars   out of Jongno on Sundays. "})
    assert response.status_code == 302 and response.headers["Location"].endswith("#your-statements")
    _fresh()
    statement = db.session.scalar(select(Statement).where(Statement.author_id == seoul.citizen.id))
    assert statement.body == "Cars out of Jongno on Sundays." and statement.language == "en"
    assert statement.state == StatementState.PUBLISHED and not statement.seeded
    assert statement.moderated_at is not None and statement.moderated_by_id is None
    page = _text(client.get(response.headers["Location"]))
    assert "Your statement is published." in page and "Cars out of Jongno on Sundays." in page
    assert _audit_actions(statement.id) == ["statement.add"]
    # As in Polis, its author agrees with it, so she is never asked about it.
    assert _tallies(statement.id) == (1, 0, 0) == _rows(statement.id)
    assert f'id="my-vote-{statement.id}"' in page and "You have voted on 1 of 4 statements." in page
    assert _shown_statement(page) != statement.id

    # Someone else is offered it; the moderator sees it as published without review, and rejects it.
    other = participant = _participant(make.member(seoul.city), seoul.city)
    db.session.commit()
    offered = set()
    while (next_one := services.next_statement(participant, seoul.process, random.Random(3))) is not None:
        offered.add(next_one.id)
        services.vote(participant, next_one, VoteValue.AGREE)
    db.session.commit()
    assert statement.id in offered and other is participant

    moderator = make.member(seoul.city, Role.MODERATOR)
    staff = client.application.test_client()
    login(staff, moderator)
    manage = _text(staff.get(f"{_page_url(seoul.process)}/manage"))
    assert "Published without review (1)" in manage and "Cars out of Jongno on Sundays." in manage
    response = staff.post(f"/c/seoul/statements/{statement.id}/moderate",
                          data={f"statement-{statement.id}-decision": "reject",
                                f"statement-{statement.id}-reason": "Off topic for this process",
                                f"statement-{statement.id}-origin": "manage"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/statements/manage#queue")
    _fresh()
    db.session.refresh(statement)
    assert statement.state == StatementState.REJECTED and statement.moderated_by_id == moderator.id
    assert statement.moderation_reason == "Off topic for this process"
    assert _audit_actions(statement.id) == ["statement.add", "statement.reject"]
    # It leaves the vote: not listed, not routed, not votable, 404 for the public, its reason for its author.
    assert _vote(client, statement.id, "agree").status_code == 403
    assert client.application.test_client().get(f"/c/seoul/statements/{statement.id}").status_code == 404
    page = _text(client.get(_page_url(seoul.process)))
    assert "rejected" in page and "Reason: Off topic for this process" in page
    assert _count(Notification, Notification.user_id == seoul.citizen.id) == 1


def test_pre_moderation_keeps_statements_pending_until_approved(client, make, db, seoul):
    seoul.process.statement_moderation = "pre"
    db.session.commit()
    login(client, seoul.citizen)
    response = client.post(_page_url(seoul.process), data={"body": "시내버스 배차 간격을 줄여 주세요."})
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "waits for a moderator" in page and "waiting for approval" in page
    _fresh()
    pending = db.session.scalar(select(Statement).where(Statement.author_id == seoul.citizen.id))
    assert pending.state == StatementState.PENDING and pending.language == "ko" and pending.moderated_at is None

    # Pending: not routed to anyone, not votable, not shown to the public; its author and moderators see it.
    neighbour = make.member(seoul.city)
    participant = _participant(neighbour, seoul.city)
    db.session.commit()
    rng = random.Random(11)
    assert pending.id not in {services.next_statement(participant, seoul.process, rng).id for _ in range(200)}
    other = client.application.test_client()
    login(other, neighbour)
    response = _vote(other, pending.id, "agree")
    assert response.status_code == 403 and "This statement is not open for votes." in _text(response)
    assert other.get(f"/c/seoul/statements/{pending.id}").status_code == 404
    assert "시내버스" not in _text(other.get(_page_url(seoul.process)))
    assert client.get(f"/c/seoul/statements/{pending.id}").status_code == 200
    assert "You have voted on 0 of 3 statements." in _text(client.get(_page_url(seoul.process)))

    staff = client.application.test_client()
    login(staff, seoul.moderator)
    page = _text(staff.get(f"/c/seoul/statements/{pending.id}"))
    assert "This statement is waiting for approval." in page and "Approve</button>" in page
    manage = _text(staff.get(f"{_page_url(seoul.process)}/manage"))
    assert "Waiting for approval (1)" in manage
    response = staff.post(f"/c/seoul/statements/{pending.id}/moderate",
                          data={f"statement-{pending.id}-decision": "approve",
                                f"statement-{pending.id}-origin": "statement"})
    assert response.status_code == 302 and response.headers["Location"] == f"/c/seoul/statements/{pending.id}"
    _fresh()
    db.session.refresh(pending)
    assert pending.state == StatementState.PUBLISHED and pending.moderated_by_id == seoul.moderator.id
    assert _vote(other, pending.id, "agree").status_code == 302
    assert _tallies(pending.id) == (2, 0, 0)  # its author's own agreement, and the neighbour's
    assert "Waiting for approval (0)" in _text(staff.get(f"{_page_url(seoul.process)}/manage"))

    # The author is told, in a notification about the process.
    _fresh()
    note = db.session.scalar(select(Notification).where(Notification.user_id == seoul.citizen.id))
    assert note.kind == "statement_moderated" and note.target_type == "process"
    assert note.target_id == seoul.process.id and note.actor_id == seoul.moderator.id
    assert note.city_id == seoul.city.id
    assert _audit_actions(pending.id) == ["statement.add", "statement.approve"]
    inbox = client.get("/notifications")
    assert inbox.status_code == 200 and "시내버스 배차 간격을 줄여 주세요." in _text(inbox)


def test_moderating_twice_changes_once_and_tells_the_author_once(make, db, seoul):
    seoul.process.statement_moderation = "pre"
    db.session.commit()
    statement = services.add_statement(seoul.citizen, seoul.process, "More benches at bus stops.")
    db.session.commit()
    assert services.moderate(seoul.moderator, statement, "approve") is True
    assert services.moderate(seoul.facilitator, statement, "approve") is False
    db.session.commit()
    assert _count(Notification) == 1
    assert services.moderate(seoul.moderator, statement, "reject", "Duplicate of another") is True
    assert services.moderate(seoul.moderator, statement, "reject", "Again") is False
    assert services.moderate(seoul.moderator, statement, "approve") is True  # published again, reversibly
    db.session.commit()
    assert _count(Notification) == 3
    assert _audit_actions(statement.id) == ["statement.add", "statement.approve", "statement.reject",
                                            "statement.approve"]
    # A facilitator rejecting their own seed is not told about it.
    assert services.moderate(seoul.facilitator, seoul.statements[0], "reject", "Typo") is True
    db.session.commit()
    assert _count(Notification) == 3


def test_rejecting_needs_a_reason(client, make, db, seoul):
    statement = services.add_statement(seoul.citizen, seoul.process, "Ban scooters from pavements.")
    db.session.commit()
    login(client, seoul.moderator)
    for origin, marker in (("manage", "Moderation queue"), ("statement", "Ban scooters from pavements.")):
        response = client.post(f"/c/seoul/statements/{statement.id}/moderate",
                               data={f"statement-{statement.id}-decision": "reject",
                                     f"statement-{statement.id}-reason": "   ",
                                     f"statement-{statement.id}-origin": origin})
        page = _text(response)
        assert response.status_code == 422 and marker in page
        assert "Give a reason for rejecting the statement" in page
        assert f'id="statement-{statement.id}-reason"' in page and 'aria-invalid="true"' in page
    _fresh()
    db.session.refresh(statement)
    assert statement.state == StatementState.PUBLISHED
    assert _audit_actions(statement.id) == ["statement.add"]


def test_only_facilitators_moderators_and_admins_manage_statements(client, make, db, seoul):
    statement = seoul.statements[0]
    manage = f"{_page_url(seoul.process)}/manage"
    login(client, seoul.citizen)
    for response in (client.get(manage),
                     client.post(manage, data={"seed-body": "A statement", "seed-submit": "1"}),
                     client.post(f"/c/seoul/statements/{statement.id}/moderate",
                                 data={f"statement-{statement.id}-decision": "reject",
                                       f"statement-{statement.id}-reason": "No"})):
        assert response.status_code == 403
        assert "Only facilitators, moderators and administrators of this city can manage statements." in _text(
            response)
    _fresh()
    db.session.refresh(statement)
    assert statement.state == StatementState.PUBLISHED and _count(Statement) == 3
    anonymous = client.application.test_client()
    assert "/auth/login" in anonymous.get(manage).headers["Location"]
    for role in (Role.FACILITATOR, Role.MODERATOR, Role.ADMIN):
        staff = client.application.test_client()
        login(staff, make.member(seoul.city, role))
        assert staff.get(manage).status_code == 200, role
    # A facilitator of another city is a citizen here.
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    elsewhere = client.application.test_client()
    login(elsewhere, make.member(busan, Role.FACILITATOR))
    assert elsewhere.get(manage).status_code == 403


def test_facilitators_seed_statements_and_change_the_settings(client, make, db, seoul):
    login(client, seoul.facilitator)
    manage = f"{_page_url(seoul.process)}/manage"
    response = client.post(manage, data={"seed-body": "Parking should cost more downtown.", "seed-submit": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/statements/manage#seed")
    _fresh()
    seed = db.session.scalar(select(Statement).where(Statement.body == "Parking should cost more downtown."))
    assert seed.seeded and seed.state == StatementState.PUBLISHED and seed.author_id == seoul.facilitator.id
    assert _audit_actions(seed.id) == ["statement.seed"]

    page = _text(client.get(manage))
    assert re.search(r'<input checked[^>]*name="settings-moderation"[^>]*value="post"', page)
    response = client.post(manage, data={"settings-moderation": "pre", "settings-save": "1"})  # box unticked
    assert response.status_code == 302
    _fresh()
    db.session.refresh(seoul.process)
    assert seoul.process.statement_moderation == "pre" and seoul.process.citizen_statements is False
    _fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "statement.settings"))
    assert event.target_type == "process" and event.target_id == seoul.process.id
    assert event.changes == {"citizen_statements": [True, False], "statement_moderation": ["post", "pre"]}
    assert client.post(manage, data={"settings-moderation": "never", "settings-save": "1"}).status_code == 422

    # Citizens can no longer add statements; the page says so, and the route refuses.
    citizen = client.application.test_client()
    login(citizen, seoul.citizen)
    page = _text(citizen.get(_page_url(seoul.process)))
    assert "Add your own statement" not in page and "only the facilitators write statements" in page
    response = citizen.post(_page_url(seoul.process), data={"body": "Let me add one anyway."})
    assert response.status_code == 403 and "only the facilitators write statements" in _text(response)
    # Facilitators may still seed at any time.
    assert client.post(manage, data={"seed-body": "Trams for the riverside.", "seed-submit": "1"}).status_code == 302


# Bad input -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("   \n  ", "Write a statement."),
    ("x" * 141, "A statement has at most 140 characters; this one has 141."),
    ("  seoul NEEDS more   protected bike lanes. ", "This statement is already in this process."),
])
def test_bad_statements_are_refused_on_the_form_with_the_text_kept(client, make, db, seoul, body, message):
    login(client, seoul.citizen)
    response = client.post(_page_url(seoul.process), data={"body": body})
    page = _text(response)
    assert response.status_code == 422 and message in page
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    if body.strip():
        kept = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        assert " ".join(kept.split()).casefold() == " ".join(body.split()).casefold()
    assert _count(Statement) == 3 and _audit_actions() == ["statement.seed"] * 3

    staff = client.application.test_client()
    login(staff, seoul.facilitator)
    response = staff.post(f"{_page_url(seoul.process)}/manage", data={"seed-body": body, "seed-submit": "1"})
    assert response.status_code == 422 and message in _text(response)
    assert _count(Statement) == 3


def test_exactly_140_characters_is_fine_and_a_rejected_text_may_come_back(make, db, seoul):
    statement = services.add_statement(seoul.citizen, seoul.process, "가" * 140)
    assert statement.body == "가" * 140
    services.moderate(seoul.moderator, seoul.statements[0], "reject", "Reworded below")
    again = services.seed_statement(seoul.facilitator, seoul.process, SEEDS[0].upper())
    db.session.commit()
    assert again.state == StatementState.PUBLISHED


def test_adding_statements_too_fast_is_limited_per_person(app, make, db, seoul):
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "x",
        "STATEMENT_RATE_LIMIT": "2 per minute",
    })
    calm_member = make.member(seoul.city)
    hasty, calm = limited.test_client(), limited.test_client()
    login(hasty, seoul.citizen)
    login(calm, calm_member)
    url = _page_url(seoul.process)
    statuses = [hasty.post(url, data={"body": f"Hasty statement number {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert calm.post(url, data={"body": "A calm statement"}).status_code == 302
    assert _count(Statement) == 6


# Pages and 404s ----------------------------------------------------------------------------------------------------

def test_the_statement_page_shows_totals_and_each_groups_shares(client, make, db, seoul):
    statement = seoul.statements[2]
    statement.agree_count, statement.disagree_count, statement.pass_count = 6, 3, 1
    db.session.add(OpinionMap(process_id=seoul.process.id, vote_count=10, votes_changed_at=utcnow(),
                              statement_count=3, participants_clustered=10, seconds=0.01, data={
                                  "groups": [{"id": 0, "size": 6}, {"id": 1, "size": 4}],
                                  "statements": {str(statement.id): {"divisiveness": 0.8,
                                                                     "groups": [[5, 0, 1], [1, 3, 0]]}}}))
    db.session.commit()
    page = _text(client.get(f"/c/seoul/statements/{statement.id}"))
    assert statement.body in page and 'lang="ko"' in page and "Written by the facilitators" in page
    assert "10 votes in all." in page
    for share in ("60%", "30%", "10%"):
        assert share in page
    groups = page[page.index('class="group-shares"'):page.index("</table>", page.index('class="group-shares"'))]
    assert "Group A" in groups and "Group B" in groups
    assert re.search(r"Group A</th>\s*<td[^>]*>6</td>\s*<td[^>]*>83%</td>\s*<td[^>]*>0%</td>\s*<td[^>]*>17%", groups)
    assert re.search(r"Group B</th>\s*<td[^>]*>4</td>\s*<td[^>]*>25%</td>\s*<td[^>]*>75%</td>\s*<td[^>]*>0%", groups)
    # Without a map, no group table.
    assert 'class="group-shares"' not in _text(client.get(f"/c/seoul/statements/{seoul.statements[0].id}"))


def test_who_wrote_it_citizen_imported_or_former_member(client, make, db, seoul):
    mine = services.add_statement(seoul.citizen, seoul.process, "Night buses every 15 minutes.")
    imported = Statement(process_id=seoul.process.id, body="Imported from Polis", external_id="42",
                         state=StatementState.PUBLISHED)
    orphan = Statement(process_id=seoul.process.id, body="An orphan statement", moderated_at=utcnow(),
                       state=StatementState.PUBLISHED)
    db.session.add_all([imported, orphan])
    db.session.commit()
    assert "Written by Min-ji" in _text(client.get(f"/c/seoul/statements/{mine.id}"))
    assert "Imported from another platform" in _text(client.get(f"/c/seoul/statements/{imported.id}"))
    assert "Written by a former member" in _text(client.get(f"/c/seoul/statements/{orphan.id}"))


def test_missing_or_foreign_things_are_not_found(client, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    there = make.process(busan, phases=((-1, 5, ("statement_vote",)),))
    foreign = services.seed_statement(make.member(busan, Role.FACILITATOR), there, "A Busan statement.")
    db.session.commit()
    login(client, seoul.moderator)
    for url in (f"/c/seoul/statements/{foreign.id}", f"/c/seoul/statements/999999",
                f"/c/seoul/processes/{there.id}/statements", f"/c/seoul/processes/{there.id}/statements/manage",
                "/c/seoul/processes/999999/statements"):
        assert client.get(url).status_code == 404, url
    assert _vote(client, foreign.id, "agree").status_code == 404
    assert client.post(f"/c/seoul/statements/{foreign.id}/moderate", data={}).status_code == 404
    assert client.post(f"/c/seoul/processes/{there.id}/statements", data={"body": "x"}).status_code == 404
    assert client.get(f"/c/busan/statements/{foreign.id}").status_code == 200


def test_the_statements_page_runs_a_bounded_number_of_queries(client, make, db, seoul, count_queries):
    for n in range(30):
        services.seed_statement(seoul.facilitator, seoul.process, f"Bounded statement {n}.")
    db.session.commit()
    participant = _participant(seoul.citizen, seoul.city)
    for statement in db.session.scalars(select(Statement).limit(25)):
        services.vote(participant, statement, VoteValue.AGREE)
    db.session.commit()
    login(client, seoul.citizen)
    with count_queries() as few:
        assert client.get(_page_url(seoul.process)).status_code == 200
    for n in range(30, 60):
        services.seed_statement(seoul.facilitator, seoul.process, f"Bounded statement {n}.")
    for statement in db.session.scalars(select(Statement).offset(25).limit(25)):
        services.vote(participant, statement, VoteValue.DISAGREE)
    db.session.commit()
    with count_queries() as more:
        assert client.get(_page_url(seoul.process)).status_code == 200
    assert more.count == few.count, (few.count, more.count)


def test_the_three_pages_render_for_each_kind_of_visitor(client, make, db, seoul):
    anonymous = client.application.test_client()
    for url in (_page_url(seoul.process), f"/c/seoul/statements/{seoul.statements[0].id}"):
        assert anonymous.get(url).status_code == 200
    login(client, seoul.facilitator)
    manage = _text(client.get(f"{_page_url(seoul.process)}/manage"))
    assert "3 published statements" in manage and "Seed a statement" in manage
    for body in SEEDS:
        assert body in manage


# Every route against every kind of visitor ------------------------------------------------------------------------

VISITORS = ("anonymous", "citizen", "other_citizen", "facilitator", "moderator", "admin", "other_admin")
OK, LOGIN, NO = 200, 302, 403
ROUTES = [
    ("GET", "/c/seoul/processes/{process}/statements", (OK,) * 7),
    ("GET", "/c/seoul/statements/{statement}", (OK,) * 7),
    # Empty forms: refused as bad input once the visitor may act at all.
    ("POST", "/c/seoul/statements/{statement}/vote", (LOGIN, 400, NO, 400, 400, 400, NO)),
    ("POST", "/c/seoul/processes/{process}/statements", (LOGIN, 422, NO, 422, 422, 422, NO)),
    ("GET", "/c/seoul/processes/{process}/statements/manage", (LOGIN, NO, NO, OK, OK, OK, NO)),
    ("POST", "/c/seoul/processes/{process}/statements/manage", (LOGIN, NO, NO, 400, 400, 400, NO)),
    ("POST", "/c/seoul/statements/{statement}/moderate", (LOGIN, NO, NO, 422, 422, 422, NO)),
]


@pytest.fixture
def world(make, db):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    process = make.process(seoul, phases=((-1, 5, ("statement_vote",)),))
    people = {
        "anonymous": None,
        "citizen": make.member(seoul),
        "other_citizen": make.member(busan),
        "facilitator": make.member(seoul, Role.FACILITATOR),
        "moderator": make.member(seoul, Role.MODERATOR),
        "admin": make.member(seoul, Role.ADMIN),
        "other_admin": make.member(busan, Role.ADMIN, Role.FACILITATOR, Role.MODERATOR),
    }
    statement = services.seed_statement(people["facilitator"], process, "A statement everyone can read.")
    db.session.commit()
    return people, {"process": process.id, "statement": statement.id}


@pytest.mark.parametrize("method,url,expected", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_each_route_refuses_whoever_it_should(app, world, method, url, expected):
    people, ids = world
    for visitor, status in zip(VISITORS, expected):
        client = app.test_client()
        if people[visitor] is not None:
            login(client, people[visitor])
        response = client.open(url.format(**ids), method=method, data={})
        assert response.status_code == status, (visitor, url, response.status_code)
        if status == LOGIN:
            assert "/auth/login" in response.headers["Location"]
        if status == NO:
            assert "Not allowed" in _text(response)
    assert _count(StatementVote) == 0 and _count(Statement) == 1


def _token(page: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{re.escape(name)}" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_every_statement_form_carries_its_csrf_token(app, make, db, seoul):
    """With CSRF protection on (as in production), each form of the three pages is accepted with the token it
    renders, and refused without it."""
    protected = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "x",
                            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    def logged_in(user):
        client = protected.test_client()
        token = _token(_text(client.get("/auth/login")))
        response = client.post("/auth/login", data={"email": user.email, "password": "correct horse battery staple",
                                                    "csrf_token": token})
        assert response.status_code == 302
        return client

    citizen = logged_in(seoul.citizen)
    url = _page_url(seoul.process)
    page = _text(citizen.get(url))
    shown = _shown_statement(page)
    assert _vote(citizen, shown, "agree").status_code == 400  # no token
    vote_form = page[page.index('class="statement-card"'):]
    assert citizen.post(f"/c/seoul/statements/{shown}/vote",
                        data={"value": "agree", "csrf_token": _token(vote_form)}).status_code == 302
    page = _text(citizen.get(url))
    add_form = page[page.index('id="add"'):]
    assert citizen.post(url, data={"body": "Shade trees on every bus stop."}).status_code == 400
    assert citizen.post(url, data={"body": "Shade trees on every bus stop.",
                                   "csrf_token": _token(add_form)}).status_code == 302
    _fresh()
    mine = db.session.scalar(select(Statement.id).where(Statement.body == "Shade trees on every bus stop."))

    staff = logged_in(seoul.moderator)
    manage = _text(staff.get(f"{url}/manage"))
    prefix = f"statement-{mine}-"
    assert staff.post(f"/c/seoul/statements/{mine}/moderate",
                      data={f"{prefix}decision": "approve"}).status_code == 400
    response = staff.post(f"/c/seoul/statements/{mine}/moderate",
                          data={f"{prefix}decision": "approve", f"{prefix}origin": "manage",
                                f"{prefix}csrf_token": _token(manage, f"{prefix}csrf_token")})
    assert response.status_code == 302
    settings = manage[manage.index('id="settings"'):]
    response = staff.post(f"{url}/manage", data={"settings-moderation": "pre", "settings-citizen_statements": "y",
                                                 "settings-save": "1",
                                                 "settings-csrf_token": _token(settings, "settings-csrf_token")})
    assert response.status_code == 302
    seed = manage[manage.index('id="seed"'):]
    response = staff.post(f"{url}/manage", data={"seed-body": "Fewer lanes for cars on Jong-ro.", "seed-submit": "1",
                                                 "seed-csrf_token": _token(seed, "seed-csrf_token")})
    assert response.status_code == 302
    _fresh()
    assert db.session.get(Statement, mine).moderated_by_id == seoul.moderator.id
    assert _count(Statement) == 5 and _count(StatementVote) == 2
