"""Ranked polls: facilitators pose, change and remove them (until the first ballot); citizens rank options
where a round enables poll voting and they are eligible; ballots are checked (ranks 1..k, no gaps or repeats)
and kept on the form when refused; open ballots change, secret ones are final and kept apart from the roll;
results follow app.methods.ranked and are public once voting closes. Races of one person's clicks end in one
ballot (PostgreSQL)."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from app.extensions import db as _db
from app.methods.ranked import tally
from app.models import (
    AuditEvent,
    Membership,
    Participant,
    Phase,
    PhaseAction,
    Poll,
    PollBallot,
    PollMethod,
    PollOption,
    PollRank,
    PollRollEntry,
    Role,
    utcnow,
)
from app.voting import poll_services as services
from app.voting.services import participant_for, roll_time
from tests.conftest import all_at_once, login, postgres_only, posting, same_person_clients

LABELS = ("Madang Plaza", "Maple Square", "River Garden", "Sunrise Court")


@pytest.fixture
def seoul(make):
    city = make.city()
    process = make.process(city, phases=((-1, 10, ("poll_vote", "comment")),), title="Plaza name")
    return SimpleNamespace(city=city, process=process, facilitator=make.member(city, Role.FACILITATOR),
                           admin=make.member(city, Role.ADMIN), citizen=make.member(city))


def _busan(make):
    return make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))


def _poll(process, actor, labels=LABELS, method="schulze", secret=False, question="What should the new plaza "
                                                                                   "be called?") -> Poll:
    data = services.PollData(question_ko="", question_en=question, description_ko="", description_en="",
                             method=PollMethod(method), secret=secret,
                             options=tuple(services.OptionData("", label) for label in labels))
    poll = services.create_poll(actor, process, data)
    _db.session.commit()
    return poll


def _vote_directly(poll, user, ranking_by_index):
    """A ballot cast through the service (as the route would), by option index."""
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.city_id == poll.process.city_id))
    services.cast_ballot(poll, participant_for(membership), [poll.options[i].id for i in ranking_by_index])
    _db.session.commit()


def _ranks(poll, ranks_by_index: dict[int, object]) -> dict[str, str]:
    """Form data giving option `i` the rank `ranks_by_index[i]` (others not ranked)."""
    return {f"rank_{option.id}": str(ranks_by_index.get(i, "")) for i, option in enumerate(poll.options)}


def _ballot_url(poll) -> str:
    return f"/c/{poll.process.city.slug}/polls/{poll.id}/ballot"


def _poll_url(poll) -> str:
    return f"/c/{poll.process.city.slug}/polls/{poll.id}"


def _manage_url(process) -> str:
    return f"/c/{process.city.slug}/manage/processes/{process.id}/polls"


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stored_ranking(poll, user) -> list[str]:
    """The user's open ballot as option labels, best first."""
    participant = _db.session.scalar(select(Participant).join(Membership).where(Membership.user_id == user.id))
    rows = _db.session.execute(
        select(PollOption.label_en).join(PollRank, PollRank.option_id == PollOption.id)
        .join(PollBallot, PollBallot.id == PollRank.ballot_id)
        .where(PollBallot.poll_id == poll.id, PollBallot.participant_id == participant.id)
        .order_by(PollRank.rank)).scalars()
    return list(rows)


def _selected(html: str, field: str) -> str | None:
    """The value of the selected <option> of the <select name=field>."""
    match = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert match, field
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', match.group(1))
    return None if chosen is None else (chosen.group(1) or chosen.group(2) or "")


def _poll_form(question_en="Name the plaza", labels=("North", "South"), method="schulze", secret=False,
               **extra) -> dict:
    data = {"question_ko": "", "question_en": question_en, "description_ko": "", "description_en": "",
            "method": method, **extra}
    if secret:
        data["secret"] = "y"
    for n, label in enumerate(labels, start=1):
        if label is not None:
            data[f"option_{n}_en"] = label
    return data


# Facilitators pose polls -------------------------------------------------------------------------------------

OK, LOGIN, NO = 200, 302, 403
VISITORS = ("anonymous", "citizen", "planner", "facilitator", "admin", "other_citizen", "other_admin")


@pytest.fixture
def visitors(make, seoul):
    busan = _busan(make)
    return {
        "anonymous": None, "citizen": seoul.citizen, "planner": make.member(seoul.city, Role.PLANNER),
        "facilitator": seoul.facilitator, "admin": seoul.admin, "other_citizen": make.member(busan),
        "other_admin": make.member(busan, Role.ADMIN, Role.FACILITATOR, Role.PLANNER, Role.MODERATOR),
    }


MANAGE_ROUTES = [
    ("GET", "{manage}", (LOGIN, NO, NO, OK, OK, NO, NO)),
    ("GET", "{manage}/new", (LOGIN, NO, NO, OK, OK, NO, NO)),
    ("POST", "{manage}/new", (LOGIN, NO, NO, 422, 422, NO, NO)),
    ("GET", "{manage}/{poll}", (LOGIN, NO, NO, OK, OK, NO, NO)),
    ("POST", "{manage}/{poll}", (LOGIN, NO, NO, 422, 422, NO, NO)),
    ("GET", "/c/seoul/polls/{poll}", (OK,) * 7),
    ("GET", "/c/seoul/polls/{poll}/results", (OK,) * 7),
    ("POST", "/c/seoul/polls/{poll}/ballot", (LOGIN, 422, 422, 422, 422, NO, NO)),
]


@pytest.mark.parametrize("method,url,expected", MANAGE_ROUTES, ids=[f"{m} {u}" for m, u, _ in MANAGE_ROUTES])
def test_poll_routes_refuse_whoever_they_should(app, seoul, visitors, method, url, expected):
    poll = _poll(seoul.process, seoul.facilitator)
    target = url.format(manage=_manage_url(seoul.process), poll=poll.id)
    for visitor, status in zip(VISITORS, expected):
        client = app.test_client()
        if visitors[visitor] is not None:
            login(client, visitors[visitor])
        response = client.open(target, method=method, data={})
        assert response.status_code == status, (visitor, target, response.status_code)
        if status == LOGIN:
            assert "/auth/login" in response.headers["Location"]
        if status == NO:
            assert "Not allowed" in response.get_data(as_text=True)


def test_delete_is_for_facilitators_and_admins_only(app, db, seoul, visitors):
    poll = _poll(seoul.process, seoul.facilitator)
    for visitor in ("citizen", "planner", "other_citizen", "other_admin"):
        client = app.test_client()
        login(client, visitors[visitor])
        assert client.post(f"{_manage_url(seoul.process)}/{poll.id}/delete").status_code == 403, visitor
    assert db.session.get(Poll, poll.id) is not None


def test_a_facilitator_creates_a_poll_and_empty_rows_are_left_out(client, db, seoul):
    login(client, seoul.facilitator)
    data = _poll_form(question_en="What should the new plaza be called?", method="irv", secret=True,
                      labels=("Madang Plaza", None, "  Maple Square  ", None, None, "River Garden"),
                      description_en="The plaza opens in **spring**.", option_1_ko="마당 광장", question_ko="새 광장 이름은?")
    response = client.post(f"{_manage_url(seoul.process)}/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    poll = db.session.scalar(select(Poll))
    assert (poll.question_en, poll.question_ko, poll.method, poll.secret) == (
        "What should the new plaza be called?", "새 광장 이름은?", "irv", True)
    assert [(o.position, o.label_ko, o.label_en) for o in poll.options] == [
        (0, "마당 광장", "Madang Plaza"), (1, "", "Maple Square"), (2, "", "River Garden")]
    assert poll.created_by_id == seoul.facilitator.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "poll.create"))
    assert event.target_id == poll.id and event.actor_id == seoul.facilitator.id
    assert event.changes["options"] == [None, [["마당 광장", "Madang Plaza"], ["", "Maple Square"], ["", "River Garden"]]]
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "<strong>spring</strong>" in page
    assert f'href="/c/seoul/polls/{poll.id}"' in client.get(f"/c/seoul/processes/{seoul.process.id}").get_data(
        as_text=True)


@pytest.mark.parametrize("data,field,message", [
    (_poll_form(labels=("Only one",)), "option_2_ko", "at least 2 options"),
    (_poll_form(labels=()), "option_1_ko", "at least 2 options"),
    (_poll_form(labels=("North", "north")), "option_2_en", "same as option 1"),
    (_poll_form(question_en=""), "question_ko", "Korean, in English, or both"),
    (_poll_form(method="coin-toss"), "method", "Not a valid choice"),
    (_poll_form(labels=("North", "x" * 201)), "option_2_en", "200"),
], ids=["one-option", "no-options", "duplicate", "no-question", "bad-method", "long-label"])
def test_a_poll_form_with_problems_is_refused_and_kept(client, db, seoul, data, field, message):
    login(client, seoul.facilitator)
    response = client.post(f"{_manage_url(seoul.process)}/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    assert message in html
    assert f'id="{field}-error"' in html
    assert _count(Poll) == 0
    if data.get("option_1_en"):
        assert f'value="{data["option_1_en"]}"' in html, "what was typed is kept"


def test_a_facilitator_edits_a_poll_until_its_first_ballot(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator, labels=("A", "B", "C", "D", "E"))
    login(client, seoul.facilitator)
    edit = f"{_manage_url(seoul.process)}/{poll.id}"
    form = client.get(edit).get_data(as_text=True)
    assert 'value="E"' in form and 'name="option_20_en"' in form
    response = client.post(edit, data=_poll_form(question_en="A better question", labels=("A", "Bee", "C"),
                                                 method="borda"))
    assert response.status_code == 302
    db.session.expire_all()
    poll = db.session.get(Poll, poll.id)
    assert [o.label_en for o in poll.options] == ["A", "Bee", "C"] and poll.method == "borda"
    assert _count(PollOption) == 3
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "poll.update"))
    assert event.changes["question_en"] == ["What should the new plaza be called?", "A better question"]
    assert event.changes["method"] == ["schulze", "borda"]

    _vote_directly(poll, seoul.citizen, [0])
    assert client.get(edit).status_code == 403
    response = client.post(edit, data=_poll_form(question_en="Too late", labels=("X", "Y")))
    assert response.status_code == 403 and "has ballots" in response.get_data(as_text=True)
    assert client.post(f"{edit}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).question_en == "A better question"
    listing = client.get(_manage_url(seoul.process)).get_data(as_text=True)
    assert f'{edit}/delete"' not in listing and f'href="{edit}"' not in listing


def test_a_facilitator_deletes_a_poll_without_ballots(client, db, seoul):
    poll_id = _poll(seoul.process, seoul.facilitator).id
    login(client, seoul.facilitator)
    response = client.post(f"{_manage_url(seoul.process)}/{poll_id}/delete")
    assert response.status_code == 302
    assert _count(Poll) == 0 and _count(PollOption) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "poll.delete"))
    assert event.target_id == poll_id and event.changes["question_en"][0].startswith("What should")


def test_polls_are_found_only_under_their_own_process_and_city(app, make, db, seoul):
    other_process = make.process(seoul.city, title="Other")
    poll = _poll(seoul.process, seoul.facilitator)
    busan = _busan(make)
    busan_process = make.process(busan)
    busan_admin = make.member(busan, Role.ADMIN)
    busan_poll = _poll(busan_process, busan_admin)
    client = app.test_client()
    login(client, seoul.facilitator)
    assert client.get(f"{_manage_url(other_process)}/{poll.id}").status_code == 404
    assert client.post(f"{_manage_url(other_process)}/{poll.id}/delete").status_code == 404
    assert client.get(f"/c/seoul/polls/{busan_poll.id}").status_code == 404
    assert client.get(f"/c/seoul/polls/{busan_poll.id}/results").status_code == 404
    assert client.get(f"/c/seoul/manage/processes/{busan_process.id}/polls").status_code == 404
    assert client.get("/c/seoul/polls/99999999999").status_code == 404


@pytest.mark.parametrize("value", ["", " ", "abc", "-1", "0", "99999999999999999999", "\x00", "😀" * 300,
                                   "x" * 70000, "<script>alert(1)</script>", "NaN"])
def test_poll_forms_never_fail_with_a_server_error(client, seoul, value):
    poll = _poll(seoul.process, seoul.facilitator)
    login(client, seoul.facilitator)
    fields = ("question_ko", "question_en", "description_en", "method", "secret", "option_1_ko", "option_2_en",
              "option_21_en")
    for url in (f"{_manage_url(seoul.process)}/new", f"{_manage_url(seoul.process)}/{poll.id}"):
        assert client.post(url, data={f: value for f in fields}).status_code < 500
    ballot = {f"rank_{o.id}": value for o in poll.options} | {"rank_abc": value, "ranking": value,
                                                              "options_seen": value}
    assert client.post(_ballot_url(poll), data=ballot).status_code < 500


# Who may vote, and when ----------------------------------------------------------------------------------------

def test_polls_take_ballots_only_while_a_round_enables_them(app, make, db, seoul):
    process = make.process(seoul.city, phases=((-3, -1, ("poll_vote",)), (2, 5, ("poll_vote",))), title="Later")
    poll = _poll(process, seoul.facilitator)
    client = app.test_client()
    login(client, seoul.citizen)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "Polls are not open in this process right now." in page and "Voting opens on" in page
    assert 'name="rank_' not in page
    assert client.post(_ballot_url(poll), data=_ranks(poll, {0: 1})).status_code == 403
    assert _count(PollBallot) == 0


def test_ineligible_members_see_why_and_cannot_vote(app, make, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    seoul.process.require_verified = True
    db.session.commit()
    client = app.test_client()
    login(client, seoul.citizen)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "Only verified residents can vote in this process." in page and 'name="rank_' not in page
    response = client.post(_ballot_url(poll), data=_ranks(poll, {0: 1}))
    assert response.status_code == 403 and "Only verified residents" in response.get_data(as_text=True)

    seoul.process.require_verified = False
    seoul.process.min_age = 18
    child = make.member(seoul.city, birth_year=utcnow().year - 12)
    db.session.commit()
    client = app.test_client()
    login(client, child)
    assert "This vote is for people aged 18 or over." in client.get(_poll_url(poll)).get_data(as_text=True)
    assert client.post(_ballot_url(poll), data=_ranks(poll, {0: 1})).status_code == 403
    assert _count(PollBallot) == 0


def test_visitors_are_asked_to_log_in(client, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "Log in to take part." in page and all(label in page for label in LABELS)
    response = client.post(_ballot_url(poll), data=_ranks(poll, {0: 1}))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# Ballots -------------------------------------------------------------------------------------------------------

def test_a_citizen_ranks_some_options_then_changes_the_ballot(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    login(client, seoul.citizen)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    for option in poll.options:  # one select per option, labelled by the option's name
        assert re.search(rf'<label for="rank_{option.id}">{option.label_en}</label>', page)
    assert page.count('value="">Not ranked</option>') == 4
    response = client.post(_ballot_url(poll), data=_ranks(poll, {2: 1, 0: 2}))
    assert response.status_code == 302
    assert _stored_ranking(poll, seoul.citizen) == ["River Garden", "Madang Plaza"]
    ballot = db.session.scalar(select(PollBallot))
    first_id, first_time = ballot.id, ballot.updated_at
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "You have voted" in page
    assert [_selected(page, f"rank_{o.id}") for o in poll.options] == ["2", "", "1", ""]

    response = client.post(_ballot_url(poll), data=_ranks(poll, {1: 1, 3: 2, 0: 3}))
    assert response.status_code == 302
    db.session.expire_all()
    assert _stored_ranking(poll, seoul.citizen) == ["Maple Square", "Sunrise Court", "Madang Plaza"]
    ballot = db.session.scalar(select(PollBallot))
    assert ballot.id == first_id and ballot.updated_at >= first_time
    assert _count(PollBallot) == 1 and _count(PollRank) == 3


@pytest.mark.parametrize("ranks,message", [
    ({0: 1, 1: 3}, "Rank 2 is missing."),
    ({0: 2, 1: 3}, "Rank 1 is missing."),
    ({0: 1, 1: 1, 2: 2}, "you gave rank 1 to 2 options"),
    ({0: 1, 1: 2, 2: 2, 3: 2}, "you gave rank 2 to 3 options"),
    ({}, "Rank at least one option"),
    ({0: 1, 1: 5}, "Choose a rank from the list"),
    ({0: "0"}, "Choose a rank from the list"),
    ({0: "-1"}, "Choose a rank from the list"),
    ({0: "first"}, "Choose a rank from the list"),
], ids=["gap", "no-first", "repeat", "triple", "empty", "beyond-m", "zero", "negative", "word"])
def test_a_ballot_with_problems_is_refused_and_the_choices_are_kept(client, db, seoul, ranks, message):
    poll = _poll(seoul.process, seoul.facilitator)
    login(client, seoul.citizen)
    response = client.post(_ballot_url(poll), data=_ranks(poll, ranks))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and message in html
    assert _count(PollBallot) == 0 and _count(Participant) == 0
    for i, option in enumerate(poll.options):  # nothing is lost: each select shows what was chosen
        given = str(ranks.get(i, ""))
        if given in {"", "1", "2", "3", "4"}:
            assert _selected(html, f"rank_{option.id}") == given, (i, given)


def test_a_refused_ballot_leaves_the_stored_one_alone(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    login(client, seoul.citizen)
    assert client.post(_ballot_url(poll), data=_ranks(poll, {3: 1})).status_code == 302
    assert client.post(_ballot_url(poll), data=_ranks(poll, {0: 1, 1: 1})).status_code == 422
    assert _stored_ranking(poll, seoul.citizen) == ["Sunrise Court"]


def test_options_of_another_poll_are_not_counted(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    other = _poll(seoul.process, seoul.facilitator, labels=("Elsewhere", "Nowhere"))
    login(client, seoul.citizen)
    response = client.post(_ballot_url(poll), data={f"rank_{other.options[0].id}": "1"})
    assert response.status_code == 422 and "Rank at least one option" in response.get_data(as_text=True)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == seoul.citizen.id))
    with pytest.raises(services.InvalidBallot) as refused:  # the service checks it too, whatever the form does
        services.cast_ballot(poll, participant_for(membership), [poll.options[0].id, other.options[0].id])
    assert refused.value.code == "option"
    db.session.rollback()
    assert _count(PollBallot) == 0 and _count(PollRank) == 0


def test_a_ballot_filled_in_against_options_that_changed_since_is_refused(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    login(client, seoul.citizen)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    seen = re.search(r'name="options_seen" type="hidden" value="([0-9a-f]+)"', page).group(1)
    relabelled = services.PollData(question_ko="", question_en=poll.question_en, description_ko="",
                                   description_en="", method=PollMethod.SCHULZE, secret=False,
                                   options=(services.OptionData("", "Madang Plaza"),
                                            services.OptionData("", "Car Park"), services.OptionData("", "Third")))
    services.update_poll(seoul.facilitator, poll, relabelled)
    db.session.commit()
    response = client.post(_ballot_url(poll), data=_ranks(poll, {1: 1}) | {"options_seen": seen})
    assert response.status_code == 302
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "The options of this poll changed while you were voting" in page and "Car Park" in page
    assert _count(PollBallot) == 0
    fresh = re.search(r'name="options_seen" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post(_ballot_url(poll), data=_ranks(poll, {1: 1}) | {"options_seen": fresh}).status_code == 302
    assert _stored_ranking(poll, seoul.citizen) == ["Car Park"]


def test_the_ranking_rule(app):
    assert services.ranking_from_ranks({7: 2, 9: 1, 4: 3}) == [9, 7, 4]
    for ranks, code in (({}, "empty"), ({1: 1, 2: 1}, "repeat"), ({1: 1, 2: 3}, "gap"), ({1: 2}, "gap")):
        with pytest.raises(services.InvalidBallot) as refused:
            services.ranking_from_ranks(ranks)
        assert refused.value.code == code


# Secret polls --------------------------------------------------------------------------------------------------

def test_a_secret_ballot_is_kept_apart_from_the_roll_and_is_final(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    login(client, seoul.citizen)
    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "This is a secret ballot." in page and "final once you cast it" in page
    response = client.post(_ballot_url(poll), data=_ranks(poll, {1: 1, 0: 2}))
    assert response.status_code == 302

    participant = db.session.scalar(select(Participant))
    roll = db.session.scalars(select(PollRollEntry)).all()
    assert [(r.poll_id, r.participant_id) for r in roll] == [(poll.id, participant.id)]
    ballot = db.session.scalar(select(PollBallot))
    assert ballot.participant_id is None and ballot.updated_at is None
    assert re.fullmatch(r"[0-9a-f]{32}", ballot.id)
    # Nothing on the ballot's row could point back at the roll: no voter, no time, a random id.
    assert {c.key for c in inspect(PollBallot).columns} == {"id", "poll_id", "participant_id", "updated_at"}
    assert {c.key for c in inspect(PollRank).columns} == {"ballot_id", "option_id", "rank"}
    assert [r.option_id for r in db.session.scalars(select(PollRank).order_by(PollRank.rank))] == [
        poll.options[1].id, poll.options[0].id]

    page = client.get(_poll_url(poll)).get_data(as_text=True)
    assert "You have cast your secret ballot. A secret ballot is final." in page and 'name="rank_' not in page
    response = client.post(_ballot_url(poll), data=_ranks(poll, {3: 1}))
    assert response.status_code == 403 and "A secret ballot is final." in response.get_data(as_text=True)
    assert _count(PollBallot) == 1 and _count(PollRollEntry) == 1 and _count(PollRank) == 2


def test_a_secret_ballot_whose_voter_is_on_the_roll_already_is_not_written(app, db, seoul):
    """The roll row is written first, in the same savepoint: if the roll refuses it, no ballot appears."""
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == seoul.citizen.id))
    participant = participant_for(membership)
    db.session.add(PollRollEntry(poll_id=poll.id, participant_id=participant.id))
    db.session.commit()
    with pytest.raises(services.SecretBallotAlreadyCast):
        services.cast_ballot(poll, participant, [poll.options[0].id])
    db.session.commit()
    assert _count(PollBallot) == 0 and _count(PollRank) == 0 and _count(PollRollEntry) == 1


def _cast_many(poll, make, rankings):
    for ranking in rankings:
        _vote_directly(poll, make.member(poll.process.city), ranking)


RANKINGS = [[0, 1, 2], [0, 2], [1, 0], [1, 2, 0, 3], [2, 1], [2], [3, 0], [0], [1, 3], [2, 0, 1]]


def test_secret_and_open_polls_count_the_same(make, db, seoul):
    open_poll = _poll(seoul.process, seoul.facilitator)
    secret_poll = _poll(seoul.process, seoul.facilitator, secret=True)
    voters = [make.member(seoul.city) for _ in RANKINGS]
    for voter, ranking in zip(voters, RANKINGS):
        _vote_directly(open_poll, voter, ranking)
        _vote_directly(secret_poll, voter, ranking)
    a, b = services.poll_results(open_poll).result, services.poll_results(secret_poll).result
    assert (a.winners, a.order, a.scores, a.pairwise) == (b.winners, b.order, b.scores, b.pairwise)
    assert _count(PollBallot, PollBallot.poll_id == secret_poll.id, PollBallot.participant_id.is_not(None)) == 0


# Results -------------------------------------------------------------------------------------------------------

def _close_voting(process):
    for phase in process.phases:
        phase.starts_at = utcnow() - timedelta(days=3)
        phase.ends_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()


def _ballots_from_rows(poll) -> list[list[int]]:
    """The stored ballots read independently of the service: option positions, best first."""
    position = {o.id: o.position for o in poll.options}
    ballots: dict[str, list[tuple[int, int]]] = {b: [] for b in _db.session.scalars(
        select(PollBallot.id).where(PollBallot.poll_id == poll.id))}
    for rank in _db.session.scalars(select(PollRank).join(PollBallot).where(PollBallot.poll_id == poll.id)):
        ballots[rank.ballot_id].append((rank.rank, position[rank.option_id]))
    return [[p for _r, p in sorted(ranks)] for ranks in ballots.values()]


@pytest.mark.parametrize("method", ["schulze", "irv", "borda", "plurality"])
def test_results_are_the_methods_tally_of_the_stored_ballots(client, make, db, seoul, method):
    poll = _poll(seoul.process, seoul.facilitator, method=method)
    _cast_many(poll, make, RANKINGS)
    shown = services.poll_results(poll)
    expected = tally(method, 4, _ballots_from_rows(poll))
    assert (shown.result.winners, shown.result.order, shown.result.scores) == (
        expected.winners, expected.order, expected.scores)
    assert shown.ballots == len(RANKINGS) == expected.ballots_counted

    _close_voting(seoul.process)
    html = client.get(f"{_poll_url(poll)}/results").get_data(as_text=True)
    winners = [LABELS[i] for i in expected.winners]
    winner_section = html.split("Full order")[0]
    assert all(f"<strong>{w}</strong>" in winner_section for w in winners)
    assert "10 ballots" in html
    order = [LABELS[i] for group in expected.order for i in group]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html.split("Full order")[1])
    assert rows[:4] == order
    if method == "schulze":
        assert '<table class="pairwise">' in html and "<caption>Voters who ranked" in html
        assert html.count('<th scope="col"><span aria-hidden="true">') == 4
        assert f"<strong>{expected.pairwise[0][3]}</strong>" in html
    if method == "irv":
        assert '<table class="rounds">' in html and "Round 1" in html


def test_ties_are_shown_as_ties(client, make, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator, method="plurality")
    _cast_many(poll, make, [[0], [1], [0, 2], [1, 3]])
    _close_voting(seoul.process)
    html = client.get(f"{_poll_url(poll)}/results").get_data(as_text=True)
    assert "Winners (a tie)" in html and "These options are tied" in html
    assert html.count("(tied)") == 4  # Madang Plaza and Maple Square share 1st place, the others last place


def test_results_wait_for_voting_to_close_except_for_those_who_manage_it(app, make, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    _cast_many(poll, make, RANKINGS[:3])
    citizen, facilitator = app.test_client(), app.test_client()
    login(citizen, seoul.citizen)
    login(facilitator, seoul.facilitator)
    url = f"{_poll_url(poll)}/results"
    html = citizen.get(url).get_data(as_text=True)
    assert "published when voting on this poll closes" in html and "3 ballots have been cast so far" in html
    assert "Full order" not in html and "Madang Plaza" not in html
    html = facilitator.get(url).get_data(as_text=True)
    assert "Provisional" in html and "Full order" in html

    _close_voting(seoul.process)
    html = citizen.get(url).get_data(as_text=True)
    assert "Full order" in html and "Provisional" not in html
    assert client_can_still_not_vote(citizen, poll)


def test_a_secret_poll_shows_no_provisional_results_even_to_those_who_manage_it(app, make, db, seoul):
    """Live results and the public ballot count together would let someone watch a known person's vote move the
    figures: a secret poll's results wait for voting to close, for everyone."""
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    _cast_many(poll, make, RANKINGS[:3])
    url = f"{_poll_url(poll)}/results"
    reason = ("This poll is a secret ballot: nobody, not even the facilitators, sees its results until voting on it "
              "closes.")
    for person in (seoul.facilitator, seoul.admin, seoul.citizen):
        each = app.test_client()
        login(each, person)
        html = each.get(url).get_data(as_text=True)
        assert reason in html and "3 ballots have been cast so far" in html
        assert "Full order" not in html and "Provisional" not in html and "Madang Plaza" not in html
        page = each.get(_poll_url(poll)).get_data(as_text=True)
        assert reason in page and "See the results" not in page
    # A round to come that opens the poll again keeps the results hidden.
    _close_voting(seoul.process)
    second = Phase(process_id=seoul.process.id, name_en="Second round", starts_at=utcnow() + timedelta(days=2),
                   ends_at=utcnow() + timedelta(days=4))
    second.set_actions([PhaseAction.POLL_VOTE])
    db.session.add(second)
    db.session.commit()
    facilitator = app.test_client()
    login(facilitator, seoul.facilitator)
    html = facilitator.get(url).get_data(as_text=True)
    assert reason in html and "Full order" not in html
    db.session.delete(second)
    db.session.commit()
    for each in (facilitator, app.test_client()):
        html = each.get(url).get_data(as_text=True)
        assert "Full order" in html and "Provisional" not in html and reason not in html


def test_the_secret_roll_records_the_day_not_the_time(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    login(client, seoul.citizen)
    before = roll_time()
    assert client.post(_ballot_url(poll), data=_ranks(poll, {0: 1})).status_code == 302
    after = roll_time()
    entry = db.session.scalar(select(PollRollEntry))
    voted_at = entry.voted_at
    assert (voted_at.hour, voted_at.minute, voted_at.second, voted_at.microsecond) == (0, 0, 0, 0)
    assert voted_at.replace(tzinfo=None) in (before.replace(tzinfo=None), after.replace(tzinfo=None))


def test_roll_time_is_the_start_of_the_utc_day():
    seoul_morning = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Seoul"))  # 23:30 UTC, 28 Feb
    assert roll_time(seoul_morning) == datetime(2026, 2, 28, tzinfo=timezone.utc)
    assert roll_time(seoul_morning).tzinfo is not None
    now = roll_time()
    assert (now.hour, now.minute, now.second, now.microsecond) == (0, 0, 0, 0)


def client_can_still_not_vote(client, poll) -> bool:
    return client.post(_ballot_url(poll), data=_ranks(poll, {0: 1})).status_code == 403


def test_a_poll_without_ballots_has_no_winner(client, db, seoul):
    poll = _poll(seoul.process, seoul.facilitator)
    _close_voting(seoul.process)
    html = client.get(f"{_poll_url(poll)}/results").get_data(as_text=True)
    assert "No winner" in html and "0 ballots" in html


def test_the_results_page_reads_a_fixed_number_of_queries(client, make, db, seoul, count_queries):
    poll = _poll(seoul.process, seoul.facilitator)
    _cast_many(poll, make, RANKINGS[:2])
    _close_voting(seoul.process)
    url = f"{_poll_url(poll)}/results"
    with count_queries() as few:
        client.get(url)
    _cast_many(poll, make, RANKINGS)
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


# Races (PostgreSQL) --------------------------------------------------------------------------------------------







def test_fifty_simultaneous_ballots_of_one_person_leave_one_open_ballot(app, db, seoul):
    postgres_only(db)
    poll = _poll(seoul.process, seoul.facilitator)
    clicks = same_person_clients(app, seoul.citizen, 50)
    results = all_at_once(clicks, posting(_ballot_url(poll), _ranks(poll, {1: 1, 2: 2})))
    assert results == [302] * 50, results
    assert _count(Participant) == 1
    assert _count(PollBallot) == 1 and _count(PollRank) == 2
    assert _stored_ranking(poll, seoul.citizen) == ["Maple Square", "River Garden"]


def test_fifty_simultaneous_secret_ballots_of_one_person_leave_one_ballot(app, db, seoul):
    postgres_only(db)
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    clicks = same_person_clients(app, seoul.citizen, 50)
    results = all_at_once(clicks, posting(_ballot_url(poll), _ranks(poll, {1: 1, 2: 2})))
    assert set(results) <= {302, 403}, results  # cast, "already cast" (a flash), or refused with the reason
    assert _count(Participant) == 1
    assert _count(PollRollEntry) == 1
    assert _count(PollBallot) == 1 and _count(PollRank) == 2
    assert db.session.scalar(select(PollBallot)).participant_id is None


def test_simultaneous_ballots_of_many_people_all_count(app, make, db, seoul):
    postgres_only(db)
    poll = _poll(seoul.process, seoul.facilitator, secret=True)
    clients = []
    for _ in range(12):
        each = app.test_client()
        login(each, make.member(seoul.city))
        clients.append(each)
    results = all_at_once(clients, posting(_ballot_url(poll), _ranks(poll, {0: 1})))
    assert results == [302] * 12
    assert _count(PollRollEntry) == 12 and _count(PollBallot) == 12
    assert services.poll_results(poll).result.scores == tally("schulze", 4, [[0]] * 12).scores


def test_a_ballot_and_an_edit_of_the_poll_do_not_pass_each_other(app, db, seoul):
    """The facilitator's change locks the poll row and every ballot takes a shared lock first: whichever comes
    second sees the other (a refused edit, or a ballot on the new options), never a ballot on a changed poll."""
    postgres_only(db)
    poll = _poll(seoul.process, seoul.facilitator)
    voter, editor = app.test_client(), app.test_client()
    login(voter, seoul.citizen)
    login(editor, seoul.facilitator)
    clients = [voter, editor]
    barrier = threading.Barrier(2)
    results = [None, None]
    requests = [(voter, _ballot_url(poll), _ranks(poll, {3: 1})),
                (editor, f"{_manage_url(seoul.process)}/{poll.id}",
                 _poll_form(question_en="Changed", labels=("One", "Two")))]

    def run(index):
        client, url, data = requests[index]
        barrier.wait(timeout=30)
        results[index] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) <= {302, 403, 422}, results
    db.session.expire_all()
    poll = db.session.get(Poll, poll.id)
    if _count(PollBallot):
        assert poll.question_en != "Changed" and len(poll.options) == 4
    assert _count(PollRank, PollRank.option_id.not_in([o.id for o in poll.options])) == 0
