"""Replicating a practice into a draft process of another city, and questions between cities on a practice.

Replication copies the rounds, the facilitators' seed statements and the debate questions, cites the practice
and its SDG targets, may attach the process to a plan on those targets, and copies nothing private (no citizens'
statements, votes, comments or proposals). The source city sees who replicated and how their results went.
Questions go to the practice's contact (or its city's planners), answers to the person who asked."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from app import create_app
from app.deliberation.services import DebateData, create_debate, post_comment
from app.models import (
    AuditEvent,
    AuditTarget,
    Comment,
    Debate,
    Notification,
    NotificationKind,
    Practice,
    PracticeQuestion,
    PracticeState,
    Process,
    Proposal,
    Replication,
    Result,
    Role,
    SdgTarget,
    Statement,
    StatementState,
    StatementVote,
    VoteValue,
    utcnow,
)
from app.practices import replication_services as services
from app.vision import statements as statement_services
from tests.conftest import login as first_login

SEOUL_ZONE = ZoneInfo("Asia/Seoul")
SEEDS = ("Protected bike lanes make cycling safe for children.", "자전거 도로는 차도와 분리되어야 한다.")


def login(client, user):
    """Log in as `user`, leaving whoever was logged in on this client before."""
    client.post("/auth/logout")
    return first_login(client, user)


def _count(model, *where) -> int:
    from app.extensions import db

    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seoul_practice(make, db, state=PracticeState.PUBLISHED, contact=True) -> SimpleNamespace:
    """Seoul with a finished process (three rounds, two seed statements, a citizen's statement with votes, a
    debate with a comment, a proposal) and a practice drawn from it on SDG target 11.2; Busan with a planner,
    a citizen and a plan on 11.2."""
    seoul = make.city()
    process = make.process(seoul, title="Seoul bike lanes", phases=(
        (-60, -40, ("propose", "comment")), (-38, -20, ("comment", "statement_vote")), (-20, -5, ("support",))))
    facilitator = make.member(seoul, Role.FACILITATOR, name="Jae-won")
    planner = make.member(seoul, Role.PLANNER, name="Seoul planner")
    contact_user = make.member(seoul, Role.PLANNER, name="So-yeon") if contact else None
    citizen = make.member(seoul, name="Min-ji")
    for body in SEEDS:
        statement_services.seed_statement(facilitator, process, body)
    private = Statement(process_id=process.id, author_id=citizen.id, body="My private opinion on lanes.",
                        state=StatementState.PUBLISHED, moderated_at=utcnow(), created_at=utcnow())
    db.session.add(private)
    db.session.flush()
    statement_services.vote(citizen, private, VoteValue.AGREE)
    debate = create_debate(facilitator, process, DebateData(
        title_ko="차선을 줄여야 할까?", title_en="Should we take a lane from cars?", description_ko="",
        description_en="Which streets first?", side_for_ko="", side_for_en="Yes", side_against_ko="",
        side_against_en="No", closes_at=None))
    db.session.commit()
    post_comment(citizen, debate, "Only on wide streets, please.", None)
    db.session.commit()
    make.proposal(process, citizen, title="A lane on Worldcup-ro")
    practice = Practice(city_id=seoul.id, author_id=planner.id, source_process_id=process.id, state=state,
                        published_at=utcnow() if state == PracticeState.PUBLISHED else None, theme="mobility",
                        title_en="Protected bike lanes", title_ko="보호 자전거 도로",
                        contact_user_id=contact_user.id if contact_user else None)
    practice.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    db.session.add(practice)
    db.session.commit()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    busan_plan = make.plan(busan, items=("safe-streets",))  # its item is on 11.2
    return SimpleNamespace(
        seoul=seoul, process=process, facilitator=facilitator, planner=planner, contact=contact_user,
        citizen=citizen, debate=debate, practice=practice, busan=busan, busan_plan=busan_plan,
        busan_planner=make.member(busan, Role.PLANNER, name="Busan planner"),
        busan_citizen=make.member(busan, name="Ji-ho"))


@pytest.fixture
def world(make, db):
    return seoul_practice(make, db)


def _url(world, practice=None, city="busan") -> str:
    return f"/c/{city}/practices/{(practice or world.practice).id}/replicate"


def _start(days: int = 10):
    return (datetime.now(SEOUL_ZONE).date() + timedelta(days=days))


def _form(world, **changes) -> dict:
    data = {"title_ko": "부산 보호 자전거 도로", "title_en": "Busan protected bike lanes", "rounds": "source",
            "starts_on": _start().isoformat(), "plan": str(world.busan_plan.id), "copy_statements": "y",
            "copy_debates": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _new_process(world) -> Process:
    from app.extensions import db

    return db.session.scalar(select(Process).where(Process.city_id == world.busan.id))


def _text(response) -> str:
    return response.get_data(as_text=True)


# Replicating ------------------------------------------------------------------------------------------------

def test_the_replicate_page_shows_what_will_be_copied(client, world):
    login(client, world.busan_planner)
    page = _text(client.get(_url(world)))
    assert "Replicate “Protected bike lanes”" in page
    assert SEEDS[0] in page and "Should we take a lane from cars?" in page
    assert "My private opinion" not in page
    assert 'value="Protected bike lanes"' in page and 'value="source"' in page and 'value="default"' in page
    assert world.busan_plan.title in page  # the Busan plan works on 11.2


def test_replication_copies_rounds_seeds_and_questions_and_nothing_private(client, db, world):
    login(client, world.busan_planner)
    response = client.post(_url(world), data=_form(world))
    assert response.status_code == 302, _text(response)[:2000]
    process = _new_process(world)
    assert response.headers["Location"].endswith(f"/c/busan/processes/{process.id}")
    assert process.city_id == world.busan.id and process.title_en == "Busan protected bike lanes"
    assert process.plan_id == world.busan_plan.id
    # Rounds: same names, lengths and gaps, the first at midnight of the chosen day in Busan, all in the future.
    source, copied = world.process.phases, process.phases
    assert [p.name_en for p in copied] == [p.name_en for p in source]
    assert [p.ends_at - p.starts_at for p in copied] == [p.ends_at - p.starts_at for p in source]
    assert copied[1].starts_at - copied[0].ends_at == source[1].starts_at - source[0].ends_at
    assert [p.actions for p in copied] == [p.actions for p in source]
    assert copied[0].starts_at == datetime.combine(_start(), time(0, 0), SEOUL_ZONE)
    assert all(p.starts_at > utcnow() for p in copied)
    # The facilitators' seeds and the debate question; nothing private.
    statements = db.session.scalars(select(Statement).where(Statement.process_id == process.id)).all()
    assert sorted(s.body for s in statements) == sorted(SEEDS)
    assert all(s.seeded and s.author_id == world.busan_planner.id for s in statements)
    assert _count(StatementVote, StatementVote.statement_id.in_([s.id for s in statements])) == 0
    debates = db.session.scalars(select(Debate).where(Debate.process_id == process.id)).all()
    assert [(d.title_en, d.title_ko, d.description_en, d.side_for_en) for d in debates] == [
        ("Should we take a lane from cars?", "차선을 줄여야 할까?", "Which streets first?", "Yes")]
    assert _count(Comment, Comment.debate_id == debates[0].id) == 0
    assert _count(Proposal, Proposal.process_id == process.id) == 0
    # The description cites the practice, its city and its targets, in both languages.
    assert f'href="/practices/{world.practice.id}"' in process.description_html_en
    assert "Protected bike lanes" in process.description_html_en and "Seoul" in process.description_html_en
    assert "11.2" in process.description_html_en and "11.2" in process.description_html_ko
    assert "보호 자전거 도로" in process.description_html_ko and "서울" in process.description_html_ko
    # The replication, its audit event, and the contact told once.
    replication = db.session.scalar(select(Replication))
    assert (replication.practice_id, replication.process_id, replication.city_id, replication.created_by_id) == (
        world.practice.id, process.id, world.busan.id, world.busan_planner.id)
    assert _count(AuditEvent, AuditEvent.target_type == AuditTarget.REPLICATION.value,
                  AuditEvent.target_id == replication.id) == 1
    notes = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.PRACTICE_REPLICATED.value)).all()
    assert [(n.user_id, n.target_type, n.target_id) for n in notes] == [
        (world.contact.id, "practice", world.practice.id)]
    # The source process is untouched.
    assert _count(Statement, Statement.process_id == world.process.id) == 3


def test_the_default_rounds_and_leaving_out_seeds_and_questions(client, db, world):
    login(client, world.busan_planner)
    response = client.post(_url(world), data=_form(world, rounds="default", plan="0", copy_statements=None,
                                                   copy_debates=None))
    assert response.status_code == 302
    process = _new_process(world)
    assert process.plan_id is None
    assert [p.name_en for p in process.phases] == ["Collect ideas", "Deliberate", "Vote", "Shared vision"]
    assert [p.name_ko for p in process.phases][0] == "아이디어 모으기"
    assert [[a.value for a in p.actions] for p in process.phases] == [
        ["propose", "comment", "support"], ["comment", "statement_vote"], ["support", "budget_vote", "poll_vote"], []]
    assert [(p.ends_at - p.starts_at).days for p in process.phases] == [30, 14, 14, 21]
    assert all(a.ends_at == b.starts_at for a, b in zip(process.phases, process.phases[1:]))
    assert _count(Statement, Statement.process_id == process.id) == 0
    assert _count(Debate, Debate.process_id == process.id) == 0


def test_a_practice_written_fresh_offers_only_the_default_rounds(client, db, make, world):
    world.practice.source_process_id = None
    db.session.commit()
    login(client, world.busan_planner)
    page = _text(client.get(_url(world)))
    assert 'value="source"' not in page and 'value="default"' in page
    assert client.post(_url(world), data=_form(world, rounds="source")).status_code == 422
    assert client.post(_url(world), data=_form(world, rounds="default")).status_code == 302
    assert len(_new_process(world).phases) == 4


def test_a_facilitator_of_the_other_city_may_replicate_too(client, make, world):
    login(client, make.member(world.busan, Role.FACILITATOR))
    assert client.post(_url(world), data=_form(world)).status_code == 302


@pytest.mark.parametrize("who, reason", [
    ("busan_citizen", "Only planners, facilitators and administrators of a city can replicate"),
    ("seoul_planner", "already your city"),
])
def test_who_may_not_replicate_is_told_why(client, world, who, reason):
    user, city = (world.busan_citizen, "busan") if who == "busan_citizen" else (world.planner, "seoul")
    login(client, user)
    for response in (client.get(_url(world, city=city)), client.post(_url(world, city=city), data=_form(world))):
        assert response.status_code == 403
        assert reason in _text(response)
    assert _count(Replication) == 0


def test_a_planner_of_one_city_cannot_replicate_into_another_city(client, make, world):
    """The city in the URL decides: a Busan planner has no role in a third city."""
    make.city(slug="daegu", name_en="Daegu", name_ko="대구")
    login(client, world.busan_planner)
    assert client.post(_url(world, city="daegu"), data=_form(world)).status_code == 403
    assert _count(Process, Process.city_id != world.seoul.id) == 0


def test_a_draft_practice_cannot_be_replicated(client, db, world):
    world.practice.state = PracticeState.DRAFT
    world.practice.published_at = None
    db.session.commit()
    login(client, world.busan_planner)
    response = client.post(_url(world), data=_form(world))
    assert response.status_code == 403 and "Only a published practice can be replicated." in _text(response)
    assert _count(Replication) == 0


def test_replicating_needs_a_login_and_missing_things_are_not_found(client, world):
    assert client.get(_url(world)).status_code == 302  # to the login page
    login(client, world.busan_planner)
    assert client.get("/c/busan/practices/999999/replicate").status_code == 404
    assert client.get(f"/c/nowhere/practices/{world.practice.id}/replicate").status_code == 404


@pytest.mark.parametrize("changes, message", [
    ({"starts_on": None}, "Enter a date."),
    ({"starts_on": "yesterday"}, "Not a valid date value."),
    ({"title_ko": "", "title_en": ""}, "Write it in Korean, in English, or both."),
    ({"title_en": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"rounds": "whatever"}, "Not a valid choice."),
    ({"plan": "999999"}, "Not a valid choice."),
])
def test_bad_input_is_shown_on_the_form(client, world, changes, message):
    login(client, world.busan_planner)
    response = client.post(_url(world), data=_form(world, **changes))
    assert response.status_code == 422
    assert message in _text(response)
    assert _count(Process) == 1 and _count(Replication) == 0


def test_the_first_round_must_start_after_today(client, world):
    login(client, world.busan_planner)
    for day in (0, -3):
        response = client.post(_url(world), data=_form(world, starts_on=_start(day).isoformat()))
        assert response.status_code == 422
        assert "Choose a start in the future" in _text(response)
    assert _count(Process) == 1 and _count(Replication) == 0
    assert _count(Notification, Notification.target_type == "practice") == 0


def test_a_plan_without_the_practices_targets_is_not_offered(client, db, make, world):
    from app.models import PlanItem

    other = make.plan(world.busan, items=("housing",))
    item = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == other.id))
    item.sdg_targets = [db.session.get(SdgTarget, "11.1")]
    db.session.commit()
    login(client, world.busan_planner)
    assert f'value="{other.id}"' not in _text(client.get(_url(world)))
    response = client.post(_url(world), data=_form(world, plan=str(other.id)))
    assert response.status_code == 422


def test_without_a_contact_the_planners_of_the_practices_city_are_told(client, db, make):
    world = seoul_practice(make, db, contact=False)
    login(client, world.busan_planner)
    assert client.post(_url(world), data=_form(world)).status_code == 302
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == NotificationKind.PRACTICE_REPLICATED.value)).all()
    assert told == [world.planner.id]


def test_a_city_may_replicate_twice_and_the_page_says_so(client, db, world):
    login(client, world.busan_planner)
    assert client.post(_url(world), data=_form(world)).status_code == 302
    page = _text(client.get(_url(world)))
    assert "Your city has replicated this practice once already" in page
    assert client.post(_url(world), data=_form(world, title_en="Second go")).status_code == 302
    assert _count(Replication) == 2
    assert _count(Notification, Notification.kind == NotificationKind.PRACTICE_REPLICATED.value) == 2


# What the source city sees --------------------------------------------------------------------------------------

def _replications_html(app, practice, locale="en") -> str:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        return render_template_string(
            '{% from "practices/_replications.html" import replications %}{{ replications(practice) }}',
            practice=practice)


def test_the_source_city_sees_who_replicated_and_how_their_results_went(app, client, db, world):
    assert "No other city has replicated this practice yet." in _replications_html(app, world.practice)
    login(client, world.busan_planner)
    client.post(_url(world), data=_form(world))
    process = _new_process(world)
    html = _replications_html(app, world.practice)
    assert "Busan" in html and f"/c/busan/processes/{process.id}" in html and "No results yet" in html
    for title, progress, status in (("Lanes built", 80, "in_progress"), ("Signals", 40, "in_progress"),
                                    ("Dropped", 0, "cancelled")):
        db.session.add(Result(city_id=world.busan.id, process_id=process.id, title_en=title,
                              progress=Decimal(progress), status=status))
    db.session.add(Result(city_id=world.busan.id, title_en="Unrelated", progress=Decimal(0)))
    db.session.commit()
    html = _replications_html(app, world.practice)
    assert "3 results, 60% average progress" in html
    assert "부산" in _replications_html(app, world.practice, "ko")


def test_the_practice_page_lists_replications_and_questions(client, db, world):
    login(client, world.busan_planner)
    client.post(_url(world), data=_form(world))
    page = _text(client.get(f"/practices/{world.practice.id}"))
    assert 'id="replications"' in page and "Busan protected bike lanes" in page and 'id="questions"' in page
    assert f'href="/c/busan/practices/{world.practice.id}/replicate"' in page  # may replicate again
    login(client, world.busan_citizen)
    page = _text(client.get(f"/practices/{world.practice.id}"))
    assert "/replicate" not in page and 'name="question-body"' in page


def test_a_bad_question_shows_the_practice_page_with_the_error(client, world):
    login(client, world.busan_citizen)
    page = _text(_ask(client, world, "short"))
    assert "Protected bike lanes" in page and 'id="questions"' in page and 'aria-invalid="true"' in page


# Notifications --------------------------------------------------------------------------------------------------

def test_practice_notifications_read_as_sentences_with_links(client, world):
    login(client, world.busan_planner)
    client.post(_url(world), data=_form(world))
    client.post(f"/practices/{world.practice.id}/questions",
                data={"question-body": "How did you convince the shop owners?"})
    login(client, world.contact)
    page = _text(client.get("/notifications"))
    assert "Busan planner replicated your practice “Protected bike lanes” in Busan." in page
    assert "Busan planner asked a question about your practice “Protected bike lanes”." in page
    from app.extensions import db

    links = {}
    for note in db.session.scalars(select(Notification).where(Notification.target_type == "practice")):
        links[note.kind] = client.get(f"/notifications/{note.id}").headers["Location"]
    assert links == {"practice_replicated": f"/practices/{world.practice.id}#replications",
                     "practice_question": f"/practices/{world.practice.id}#questions"}


# Questions -------------------------------------------------------------------------------------------------------

def _ask(client, world, body="How did you convince the shop owners on the street?", practice=None):
    return client.post(f"/practices/{(practice or world.practice).id}/questions", data={"question-body": body})


def test_a_member_of_another_city_asks_and_the_contact_answers(client, db, world):
    login(client, world.busan_citizen)
    response = _ask(client, world)
    assert response.status_code == 302 and response.headers["Location"].endswith("#questions")
    question = db.session.scalar(select(PracticeQuestion))
    assert (question.author_id, question.city_id, question.answer) == (world.busan_citizen.id, world.busan.id, "")
    asked = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.PRACTICE_QUESTION.value)).all()
    assert [(n.user_id, n.target_type, n.target_id, n.actor_id) for n in asked] == [
        (world.contact.id, "practice", world.practice.id, world.busan_citizen.id)]
    assert _count(AuditEvent, AuditEvent.action == "practice.ask") == 1

    login(client, world.contact)
    url = f"/practices/questions/{question.id}/answer"
    response = client.post(url, data={f"answer-{question.id}-answer": "We walked the street with them."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#question-{question.id}")
    db.session.refresh(question)
    assert question.answer == "We walked the street with them." and question.answered_by_id == world.contact.id
    assert question.answered_at is not None
    # A changed answer is saved and audited, but the asker hears only once.
    client.post(url, data={f"answer-{question.id}-answer": "We walked the street with them, twice."})
    answered = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.PRACTICE_ANSWERED.value)).all()
    assert [(n.user_id, n.target_id, n.city_id) for n in answered] == [
        (world.busan_citizen.id, world.practice.id, world.busan.id)]
    assert _count(AuditEvent, AuditEvent.action == "practice.answer") == 2
    login(client, world.busan_citizen)
    assert "answered your question about the practice “Protected bike lanes”" in _text(client.get("/notifications"))


def test_questions_and_answers_show_with_the_right_forms(app, client, db, world):
    login(client, world.busan_citizen)
    _ask(client, world)
    question = db.session.scalar(select(PracticeQuestion))
    template = '{% from "practices/_questions.html" import questions %}{{ questions(practice) }}'

    def html(user=None):
        with app.test_request_context():
            from flask_login import login_user, logout_user

            login_user(user) if user is not None else logout_user()
            return render_template_string(template, practice=world.practice)

    asker_view = html(world.busan_citizen)
    assert "How did you convince the shop owners on the street?" in asker_view and "Busan" in asker_view
    assert 'name="question-body"' in asker_view and "Not answered yet." in asker_view
    assert f'action="/practices/questions/{question.id}/answer"' not in asker_view
    planner_view = html(world.planner)
    assert f'action="/practices/questions/{question.id}/answer"' in planner_view
    anonymous = html()
    assert "Log in to ask a question." in anonymous and 'name="question-body"' not in anonymous


def test_a_planner_of_the_city_answers_when_there_is_no_contact(client, db, make):
    world = seoul_practice(make, db, contact=False)
    login(client, world.busan_planner)
    _ask(client, world)
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == NotificationKind.PRACTICE_QUESTION.value)).all()
    assert told == [world.planner.id]
    question = db.session.scalar(select(PracticeQuestion))
    login(client, world.planner)
    assert client.post(f"/practices/questions/{question.id}/answer",
                       data={f"answer-{question.id}-answer": "Ask us anything."}).status_code == 302


def test_who_may_ask(client, db, make, world):
    login(client, make.user(confirmed=False))
    assert _ask(client, world).status_code == 403
    login(client, make.user())
    response = _ask(client, world)
    assert response.status_code == 403 and "Join a city" in _text(response)
    world.practice.state = PracticeState.DRAFT
    world.practice.published_at = None
    db.session.commit()
    login(client, world.busan_citizen)
    response = _ask(client, world)
    assert response.status_code == 403 and "Only a published practice takes questions." in _text(response)
    assert _count(PracticeQuestion) == 0 and _count(Notification, Notification.target_type == "practice") == 0


def test_asking_needs_a_login_and_a_practice(client, world):
    assert _ask(client, world).status_code == 302
    login(client, world.busan_citizen)
    assert client.post("/practices/999999/questions", data={"question-body": "A question long enough"}
                       ).status_code == 404
    assert client.post("/practices/questions/999999/answer", data={}).status_code == 404


@pytest.mark.parametrize("body, message", [
    ("", "Write your question."),
    ("   Too short   ", "A question has 10 to 2000 characters."),
    ("x" * 2001, "A question has 10 to 2000 characters."),
])
def test_a_bad_question_is_shown_on_the_form(client, world, body, message):
    login(client, world.busan_citizen)
    response = _ask(client, world, body)
    assert response.status_code == 422
    assert message in _text(response)
    assert _count(PracticeQuestion) == 0


def test_who_may_answer(client, db, make, world):
    login(client, world.busan_citizen)
    _ask(client, world)
    question = db.session.scalar(select(PracticeQuestion))
    url = f"/practices/questions/{question.id}/answer"
    data = {f"answer-{question.id}-answer": "An answer"}
    for user in (world.busan_citizen, world.busan_planner, world.citizen, world.facilitator):
        login(client, user)
        response = client.post(url, data=data)
        assert response.status_code == 403
        assert "Only the practice&#39;s contact and its city&#39;s planners and administrators" in _text(response)
    login(client, world.contact)
    response = client.post(url, data={f"answer-{question.id}-answer": "  "})
    assert response.status_code == 422 and "Write your answer." in _text(response)
    db.session.refresh(question)
    assert question.answer == "" and _count(Notification, Notification.kind == "practice_answered") == 0


def test_asking_too_fast_is_limited_per_person(app, make, db, world):
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "x",
        "PRACTICE_QUESTION_RATE_LIMIT": "2 per minute",
    })
    hasty, calm = limited.test_client(), limited.test_client()
    login(hasty, world.busan_citizen)
    login(calm, world.busan_planner)
    statuses = [_ask(hasty, world, f"Hasty question number {n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert _ask(calm, world).status_code == 302
    db.session.rollback()
    assert _count(PracticeQuestion) == 3
