"""Supports: citizens back a proposal once while the round allows it and may take the support back; the stored
count always equals the rows; double submits and simultaneous requests end in one row. Tiers per process
(public forum, the city's answer) with the answer falling due when a tier requiring it is reached; the
planners' answer queue; the "most supported" sort; and the queries the list runs."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Participant,
    Proposal,
    ProposalState,
    Role,
    Support,
    SupportThreshold,
    utcnow,
)
from app.voting import supports as services
from app.voting.services import participant_for
from tests.conftest import all_at_once, login, postgres_only, posting


@pytest.fixture
def seoul(make):
    city = make.city()
    process = make.process(city)
    author = make.member(city, name="Proposal Author")
    proposal = make.proposal(process, author)
    return SimpleNamespace(city=city, process=process, proposal=proposal, author=author)


# Helpers -------------------------------------------------------------------------------------------------

def _count(model, *where) -> int:
    _db.session.commit()  # a fresh transaction sees what requests committed (SQLite reads from a snapshot)
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stored_count(proposal) -> int:
    _db.session.commit()
    return _db.session.scalar(select(Proposal.support_count).where(Proposal.id == proposal.id))


def _support(client, proposal):
    return client.post(f"/c/{proposal.process.city.slug}/proposals/{proposal.id}/support")


def _withdraw(client, proposal):
    return client.post(f"/c/{proposal.process.city.slug}/proposals/{proposal.id}/support/withdraw")


def _page(client, proposal) -> str:
    response = client.get(f"/c/{proposal.process.city.slug}/proposals/{proposal.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str) -> str:
    start = page.index('id="supports"')
    return page[start:page.index("</section>", page.index('id="h-supports-who"'))]


def _membership(user, city):
    from app.models import Membership

    return _db.session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.city_id == city.id))


def _tier(process, supports, label_en="", requires_answer=False, label_ko=""):
    tier = SupportThreshold(process_id=process.id, supports=supports, label_en=label_en or f"Tier {supports}",
                            label_ko=label_ko, requires_answer=requires_answer)
    _db.session.add(tier)
    _db.session.commit()
    return tier


def _back(make, seoul, proposal, n: int):
    """n members of the city support the proposal (through the service, as the route would)."""
    for _ in range(n):
        services.support(_membership(make.member(seoul.city), seoul.city), proposal)
    _db.session.commit()


# Supporting and taking it back -------------------------------------------------------------------------------

def test_citizen_supports_then_takes_the_support_back(client, make, db, seoul):
    citizen = make.member(seoul.city)
    login(client, citizen)
    page = _section(_page(client, seoul.proposal))
    assert "0 people support this proposal." in page and "Support this proposal</button>" in page

    response = _support(client, seoul.proposal)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/seoul/proposals/{seoul.proposal.id}#supports")
    assert _count(Support) == 1 and _stored_count(seoul.proposal) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You support this proposal." in page
    assert "1 person supports this proposal." in _section(page) and "Take my support back" in _section(page)

    assert _withdraw(client, seoul.proposal).status_code == 302
    assert _count(Support) == 0 and _stored_count(seoul.proposal) == 0
    page = _page(client, seoul.proposal)
    assert "Your support is taken back." in page and "0 people support this proposal." in page


def test_the_same_form_sent_twice_supports_once_and_says_so(client, make, db, seoul):
    login(client, make.member(seoul.city))
    assert _support(client, seoul.proposal).status_code == 302
    second = _support(client, seoul.proposal)
    assert second.status_code == 302
    assert "You already support this proposal." in client.get(second.headers["Location"]).get_data(as_text=True)
    assert _count(Support) == 1 and _stored_count(seoul.proposal) == 1
    assert _count(Participant) == 1
    assert _withdraw(client, seoul.proposal).status_code == 302
    again = _withdraw(client, seoul.proposal)
    assert again.status_code == 302
    assert "You do not support this proposal." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(Support) == 0 and _stored_count(seoul.proposal) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, make, seoul):
    for response in (_support(client, seoul.proposal), _withdraw(client, seoul.proposal)):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = _section(_page(client, seoul.proposal))
    assert "Log in to take part." in page and "/auth/login" in page
    assert "Support this proposal</button>" not in page


def test_supports_outside_a_support_round_are_refused_with_when_they_open(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-2, 1, ("propose",)), (3, 9, ("support",))))
    proposal = make.proposal(process, make.member(city))
    login(client, make.member(city))
    response = _support(client, proposal)
    text = response.get_data(as_text=True)
    assert response.status_code == 403 and "Supports are not open in this process right now." in text
    assert "It opens on" in text
    page = _section(_page(client, proposal))  # the page says why, too, without a button
    assert "Supports are not open in this process right now." in page and "It opens on" in page
    assert "Support this proposal</button>" not in page
    assert _count(Support) == 0


def test_a_support_cannot_be_taken_back_once_the_round_is_over(client, make, db, seoul):
    citizen = make.member(seoul.city)
    login(client, citizen)
    assert _support(client, seoul.proposal).status_code == 302
    for phase in seoul.process.phases:
        phase.ends_at = utcnow() - timedelta(minutes=1)
        phase.starts_at = utcnow() - timedelta(days=3)
    db.session.commit()
    response = _withdraw(client, seoul.proposal)
    assert response.status_code == 403 and "Supports are not open" in response.get_data(as_text=True)
    page = _section(_page(client, seoul.proposal))
    assert "You support this proposal." in page and "Take my support back" not in page
    assert _stored_count(seoul.proposal) == 1


def test_withdrawn_and_hidden_proposals_take_no_supports(client, make, db, seoul):
    login(client, make.member(seoul.city))
    seoul.proposal.state = ProposalState.WITHDRAWN
    seoul.proposal.withdrawn_at = utcnow()
    db.session.commit()
    response = _support(client, seoul.proposal)
    assert response.status_code == 403 and "withdrawn" in response.get_data(as_text=True)
    other = make.proposal(seoul.process, seoul.author, title="A hidden proposal",
                          hidden_at=utcnow(), hidden_reason="spam")
    assert _support(client, other).status_code == 403
    assert _count(Support) == 0


def test_a_proposal_of_another_city_is_not_found(client, make, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    busan_proposal = make.proposal(make.process(busan), make.member(busan))
    login(client, make.member(seoul.city))
    assert client.post(f"/c/seoul/proposals/{busan_proposal.id}/support").status_code == 404
    assert client.post("/c/seoul/proposals/999999/support").status_code == 404
    assert _count(Support) == 0


def test_the_stored_count_equals_the_rows_after_any_sequence(make, db, seoul):
    """A seeded random walk of supports, repeated supports, withdrawals and repeated withdrawals by twelve
    people over three proposals: the stored counter always equals COUNT(*)."""
    proposals = [seoul.proposal] + [make.proposal(seoul.process, seoul.author, title=f"Proposal {n}")
                                    for n in (2, 3)]
    people = [_membership(make.member(seoul.city), seoul.city) for _ in range(12)]
    rng = random.Random(20261128)
    expected = {p.id: set() for p in proposals}
    for step in range(400):
        person, proposal = rng.choice(people), rng.choice(proposals)
        if rng.random() < 0.6:
            added = services.support(person, proposal)
            assert added == (person.id not in expected[proposal.id]), step
            expected[proposal.id].add(person.id)
        else:
            taken = services.withdraw_support(person, proposal)
            assert taken == (person.id in expected[proposal.id]), step
            expected[proposal.id].discard(person.id)
        if step % 50 == 0:
            db.session.commit()
    db.session.commit()
    for proposal in proposals:
        rows = _count(Support, Support.proposal_id == proposal.id)
        assert _stored_count(proposal) == rows == len(expected[proposal.id])


# Simultaneous requests (PostgreSQL) ---------------------------------------------------------------------------





def test_fifty_simultaneous_supports_of_one_person_leave_one_row(app, make, db, seoul):
    postgres_only(db)
    citizen = make.member(seoul.city)
    clients = [app.test_client() for _ in range(50)]
    for each in clients:
        login(each, citizen)
    results = all_at_once(clients, posting(f"/c/seoul/proposals/{seoul.proposal.id}/support"))
    assert results == [302] * 50, results
    assert _count(Support) == 1 and _count(Participant) == 1
    assert _stored_count(seoul.proposal) == 1
    results = all_at_once(clients[:20], posting(f"/c/seoul/proposals/{seoul.proposal.id}/support/withdraw"))
    assert results == [302] * 20, results
    assert _count(Support) == 0 and _stored_count(seoul.proposal) == 0


def test_simultaneous_supports_of_many_people_all_count(app, make, db, seoul):
    postgres_only(db)
    clients = []
    for _ in range(12):
        each = app.test_client()
        login(each, make.member(seoul.city))
        clients.append(each)
    _tier(seoul.process, 12, "The city answers", requires_answer=True)
    results = all_at_once(clients, posting(f"/c/seoul/proposals/{seoul.proposal.id}/support"))
    assert results == [302] * 12, results
    assert _stored_count(seoul.proposal) == _count(Support) == 12
    db.session.refresh(seoul.proposal)
    assert seoul.proposal.answer_due_since is not None


# Tiers and the answer falling due ------------------------------------------------------------------------------

def test_the_page_shows_progress_toward_the_next_tier_and_the_tiers_reached(client, make, db, seoul):
    _tier(seoul.process, 2, "Public forum", label_ko="공론장")
    _tier(seoul.process, 5, "The city answers", requires_answer=True)
    _back(make, seoul, seoul.proposal, 3)
    page = _section(_page(client, seoul.proposal))
    assert "3 people support this proposal." in page
    assert "3 of 5 supports toward “The city answers”" in page
    progress = re.search(r"<progress[^>]*>", page).group(0)
    assert 'max="5"' in progress and 'value="3"' in progress and 'aria-labelledby="tier-progress-label"' in progress
    assert 'id="tier-progress-label"' in page
    tiers = page[page.index('class="tiers"'):]
    assert "2 supports</strong>: Public forum" in tiers and "reached" in tiers
    assert "5 supports</strong>: The city answers" in tiers and "2 more needed" in tiers
    korean = client.get(f"/c/seoul/proposals/{seoul.proposal.id}", headers={"Accept-Language": "ko"})
    assert "공론장" in korean.get_data(as_text=True)


def _signed_in(app, person):
    client = app.test_client()
    login(client, person)
    return client


def test_reaching_an_answer_tier_makes_the_answer_due_once(app, make, db, seoul):
    _tier(seoul.process, 2, "Public forum")
    _tier(seoul.process, 3, "The city answers", requires_answer=True)
    people = [_signed_in(app, make.member(seoul.city)) for _ in range(4)]

    def due_and_count():
        db.session.commit()
        db.session.refresh(seoul.proposal)
        return seoul.proposal.answer_due_since, seoul.proposal.support_count

    for person in people[:2]:
        assert _support(person, seoul.proposal).status_code == 302
    assert due_and_count() == (None, 2)  # a forum tier asks no answer
    before = utcnow()
    _support(people[2], seoul.proposal)
    due, count = due_and_count()
    assert count == 3 and due is not None and due >= before - timedelta(seconds=1)
    _withdraw(people[2], seoul.proposal)
    assert due_and_count() == (due, 2)  # withdrawals never clear it
    _support(people[3], seoul.proposal)
    assert due_and_count() == (due, 3)  # back over the tier: the first date stands
    assert "Answer due since" in _page(people[0], seoul.proposal)  # the answer section says it is owed


def test_an_answer_tier_added_later_marks_proposals_already_past_it(client, make, db, seoul):
    _back(make, seoul, seoul.proposal, 3)
    few = make.proposal(seoul.process, seoul.author, title="Fewer supports")
    _back(make, seoul, few, 1)
    facilitator = make.member(seoul.city, Role.FACILITATOR)
    login(client, facilitator)
    response = client.post(f"/c/seoul/manage/processes/{seoul.process.id}/voting/tiers", data={
        "tier-supports": "3", "tier-label_en": "The city answers", "tier-requires_answer": "y"})
    assert response.status_code == 302
    db.session.refresh(seoul.proposal)
    db.session.refresh(few)
    assert seoul.proposal.answer_due_since is not None and few.answer_due_since is None


# Facilitators manage tiers -----------------------------------------------------------------------------------

def _manage(process) -> str:
    return f"/c/seoul/manage/processes/{process.id}/voting"


def test_who_may_manage_tiers(client, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    expected = [(None, 302), (make.member(seoul.city), 403), (make.member(seoul.city, Role.PLANNER), 403),
                (make.member(seoul.city, Role.MODERATOR), 403), (make.member(busan, Role.FACILITATOR), 403),
                (make.member(seoul.city, Role.FACILITATOR), 200), (make.member(seoul.city, Role.ADMIN), 200)]
    for n, (person, status) in enumerate(expected):
        each = client.application.test_client()
        if person is not None:
            login(each, person)
        response = each.get(_manage(seoul.process))
        assert response.status_code == status, (person and person.name, response.status_code)
        if status == 403:
            assert "Only facilitators and administrators" in response.get_data(as_text=True)
        post = each.post(f"{_manage(seoul.process)}/tiers", data={"tier-supports": str(10 + n),
                                                                   "tier-label_en": "Forum"})
        assert post.status_code == (302 if status != 403 else 403)
    assert _count(SupportThreshold) == 2  # the facilitator's and the admin's


def test_facilitator_adds_edits_and_removes_tiers_and_each_step_is_audited(client, make, db, seoul):
    facilitator = make.member(seoul.city, Role.FACILITATOR)
    login(client, facilitator)
    page = client.get(_manage(seoul.process)).get_data(as_text=True)
    assert "No tiers yet" in page
    assert f'href="/c/seoul/manage/processes/{seoul.process.id}/voting"' in client.get(
        f"/c/seoul/manage/processes/{seoul.process.id}").get_data(as_text=True)
    response = client.post(f"{_manage(seoul.process)}/tiers", data={
        "tier-supports": "100", "tier-label_ko": "공론장 개최", "tier-label_en": "Public forum"})
    assert response.status_code == 302
    response = client.post(f"{_manage(seoul.process)}/tiers", data={
        "tier-supports": "1000", "tier-label_en": "The city answers", "tier-requires_answer": "y"})
    assert response.status_code == 302
    tiers = db.session.scalars(select(SupportThreshold).order_by(SupportThreshold.supports)).all()
    assert [(t.supports, t.label_ko, t.label_en, t.requires_answer) for t in tiers] == [
        (100, "공론장 개최", "Public forum", False), (1000, "", "The city answers", True)]
    page = client.get(_manage(seoul.process)).get_data(as_text=True)
    assert "공론장 개최" in page and "Public forum" in page

    edit = f"{_manage(seoul.process)}/tiers/{tiers[0].id}"
    assert client.get(edit).status_code == 200
    response = client.post(edit, data={"tier-supports": "150", "tier-label_ko": "공론장 개최",
                                       "tier-label_en": "Public forum"})
    assert response.status_code == 302
    db.session.refresh(tiers[0])
    assert tiers[0].supports == 150
    assert client.post(f"{edit}/remove").status_code == 302
    assert _count(SupportThreshold) == 1

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["support_tier.create", "support_tier.create", "support_tier.update",
                                          "support_tier.delete"]
    assert all(e.target_type == "process" and e.target_id == seoul.process.id for e in events)
    assert events[2].changes["supports"] == [100, 150] and events[2].actor_id == facilitator.id


def test_tier_form_errors_stay_on_the_form(client, make, db, seoul):
    login(client, make.member(seoul.city, Role.FACILITATOR))
    _tier(seoul.process, 100, "Public forum")
    for data, message in (
        ({"tier-supports": "100", "tier-label_en": "Again"}, "a tier at this number of supports already"),
        ({"tier-supports": "0", "tier-label_en": "Zero"}, "between 1 and 10,000,000"),
        ({"tier-supports": "many", "tier-label_en": "Words"}, "Not a valid integer"),
        ({"tier-supports": "50"}, "Write it in Korean, in English, or both."),
    ):
        response = client.post(f"{_manage(seoul.process)}/tiers", data=data)
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and message in text and 'class="error-summary"' in text, data
    assert _count(SupportThreshold) == 1


def test_tiers_of_another_process_are_not_found(client, make, db, seoul):
    other = make.process(seoul.city, title="Another process")
    tier = _tier(other, 10, "Forum")
    login(client, make.member(seoul.city, Role.FACILITATOR))
    assert client.get(f"{_manage(seoul.process)}/tiers/{tier.id}").status_code == 404
    assert client.post(f"{_manage(seoul.process)}/tiers/{tier.id}/remove").status_code == 404
    assert _count(SupportThreshold) == 1


# The planners' answer queue ------------------------------------------------------------------------------------

def test_who_may_see_the_answer_queue(client, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    response = client.get("/c/seoul/manage/answers")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for person, status in ((make.member(seoul.city), 403), (make.member(seoul.city, Role.FACILITATOR), 403),
                           (make.member(busan, Role.PLANNER), 403), (make.member(seoul.city, Role.PLANNER), 200),
                           (make.member(seoul.city, Role.ADMIN), 200)):
        each = client.application.test_client()
        login(each, person)
        assert each.get("/c/seoul/manage/answers").status_code == status


def test_the_answer_queue_lists_the_longest_waiting_first_with_days_in_the_city_calendar(client, make, db, seoul):
    now = utcnow()

    def proposal(title, **fields):
        return make.proposal(seoul.process, seoul.author, title=title, **fields)

    oldest = proposal("Waiting the longest", answer_due_since=now - timedelta(days=9), support_count=1000)
    newer = proposal("Waiting a little", answer_due_since=now - timedelta(hours=1), support_count=1200)
    proposal("Already answered", answer_due_since=now - timedelta(days=20), answered_at=now, answer="Yes")
    proposal("Not due", support_count=5)
    proposal("Withdrawn meanwhile", answer_due_since=now - timedelta(days=3), state=ProposalState.WITHDRAWN,
             withdrawn_at=now)
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    make.proposal(make.process(busan), make.member(busan), title="Busan owes this",
                  answer_due_since=now - timedelta(days=30))
    login(client, make.member(seoul.city, Role.PLANNER))
    page = client.get("/c/seoul/manage/answers").get_data(as_text=True)
    titles = re.findall(r'<a href="/c/seoul/proposals/(\d+)"', page)
    assert titles == [str(oldest.id), str(newer.id)]
    # Each row is headed by its proposal, for screen readers moving along a row.
    assert re.findall(r'<th scope="row"><a href="/c/seoul/proposals/(\d+)"', page) == titles
    seoul_day = lambda moment: moment.astimezone(ZoneInfo("Asia/Seoul")).date()  # noqa: E731
    newer_days = (seoul_day(utcnow()) - seoul_day(newer.answer_due_since)).days  # 0, or 1 just after midnight
    cells = re.findall(r"<td>(\d+) days?</td>", page)
    assert cells == ["9", str(newer_days)] and "2 proposals" in page
    assert "Already answered" not in page and "Busan owes this" not in page and "Withdrawn meanwhile" not in page


def test_days_waiting_count_calendar_days_in_the_city(app):
    since = datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc)  # 23:30 on 30 November in Seoul
    now = datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc)  # 00:30 on 1 December in Seoul
    assert services.days_waiting(since, now, "Asia/Seoul") == 1
    assert services.days_waiting(since, now, "UTC") == 0


def test_the_answer_queue_comes_in_pages(client, make, db, seoul):
    now = utcnow()
    for n in range(25):
        make.proposal(seoul.process, seoul.author, title=f"Owed answer {n:02d}",
                      answer_due_since=now - timedelta(days=30 - n))
    login(client, make.member(seoul.city, Role.PLANNER))
    first = client.get("/c/seoul/manage/answers").get_data(as_text=True)
    assert "Owed answer 00" in first and "Owed answer 20" not in first and "Page 1 of 2" in first
    second = client.get("/c/seoul/manage/answers?page=2").get_data(as_text=True)
    assert "Owed answer 24" in second and "Owed answer 00" not in second


# The list: the most supported first ---------------------------------------------------------------------------

def test_most_supported_first_ties_to_the_newest(client, make, db, seoul):
    low = make.proposal(seoul.process, seoul.author, title="Few supporters")
    tie_old = make.proposal(seoul.process, seoul.author, title="Tied and older")
    tie_new = make.proposal(seoul.process, seoul.author, title="Tied and newer")
    _back(make, seoul, low, 1)
    _back(make, seoul, tie_old, 3)
    _back(make, seoul, tie_new, 3)
    page = client.get(f"/c/seoul/processes/{seoul.process.id}/proposals", query_string={"sort": "supports"})
    text = page.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<h2 lang="\w+"><a href="/c/seoul/proposals/(\d+)"', text)]
    assert ids == [tie_new.id, tie_old.id, low.id, seoul.proposal.id]
    assert "3 supports" in text and "1 support" in text and "0 supports" in text
    assert re.search(r'<option selected value="supports">Most supported</option>', text)


def test_the_most_supported_query_reads_the_index(make, db, seoul):
    from app.proposals.services import ProposalFilters, proposals_query

    query = proposals_query(seoul.process, ProposalFilters(sort="supports")).limit(20)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    order = str(compiled).split("ORDER BY")[1]
    assert "support_count DESC" in order and "id DESC" in order
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(func.set_config("enable_seqscan", "off", True)))
        plan = "\n".join(db.session.execute(db.text(f"EXPLAIN {compiled}")).scalars())
        db.session.rollback()
        assert "ix_proposals_process_id_support_count_id" in plan, plan
    else:
        plan = " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_proposals_process_id_support_count_id" in plan, plan


def test_list_queries_do_not_grow_with_proposals_and_supports(app, make, db, seoul, count_queries):
    def add(n):
        for i in range(n):
            proposal = make.proposal(seoul.process, seoul.author, title=f"Idea number {i} with a title")
            _back(make, seoul, proposal, i % 3)

    def queries(sort) -> int:
        client = app.test_client()
        with count_queries() as counter:
            assert client.get(f"/c/seoul/processes/{seoul.process.id}/proposals",
                              query_string={"sort": sort}).status_code == 200
        return counter.count

    add(2)
    few = {sort: queries(sort) for sort in ("newest", "supports")}
    add(15)
    assert {sort: queries(sort) for sort in ("newest", "supports")} == few


def test_proposal_page_queries_do_not_grow_with_tiers_or_supports(app, make, db, seoul, count_queries):
    citizen = make.member(seoul.city)
    other = make.proposal(seoul.process, seoul.author, title="Many tiers and supports")
    for n in (10, 100, 1000, 5000):
        _tier(seoul.process, n, f"Tier at {n}", requires_answer=n == 1000)
    _back(make, seoul, other, 12)
    counts = []
    for proposal in (seoul.proposal, other):
        client = app.test_client()
        login(client, citizen)
        with count_queries() as counter:
            assert client.get(f"/c/seoul/proposals/{proposal.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_a_first_support_creates_one_participant_per_member(make, db, seoul):
    membership = _membership(make.member(seoul.city), seoul.city)
    first = participant_for(membership)
    assert participant_for(membership).id == first.id
    services.support(membership, seoul.proposal)
    db.session.commit()
    assert _count(Participant) == 1
