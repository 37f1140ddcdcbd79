"""A citizen downloads all their data: one JSON file with every kind of row Madang holds about them, nothing
of anyone else, and never a secret."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.auth import account_data
from app.extensions import db as _db
from app.models import (
    ApiToken,
    Base,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    BudgetRollEntry,
    Membership,
    OrganizationRole,
    PlanItem,
    Poll,
    PollBallot,
    PollOption,
    PollRank,
    PollRollEntry,
    ResidentCode,
    Result,
    ReviewRequest,
    Role,
    TokenScope,
    User,
    VisionEndorsement,
    VisionSummary,
    utcnow,
)
from tests.conftest import login

MINJI = {"name": "Minji Deletable", "email": "minji.deletable@example.org"}
OTHER = {"name": "Jaewon Staysput", "email": "jaewon.staysput@example.org"}
ALL_ACTIONS = ("propose", "comment", "support", "budget_vote", "poll_vote", "statement_vote")


def _membership(user, city) -> Membership:
    return _db.session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.city_id == city.id))


def build_world(make):
    """Two people in one city, and one of every kind of row about Min-ji, with Jae-won taking part in some of
    it. Votes go through the real services, so the stored tallies match the rows."""
    from app.deliberation.services import DebateData, create_debate, post_comment, vote_on_comment
    from app.moderation.services import flag
    from app.models import FlagReason
    from app.notifications.services import follow
    from app.practices.organization_services import OrganizationData, add_member, create_organization
    from app.practices.practice_services import PracticeData, create_practice
    from app.practices.replication_services import answer, ask
    from app.vision.statements import add_statement, vote
    from app.voting.services import participant_for
    from app.voting.supports import support

    city = make.city()
    plan = make.plan(city)
    minji = make.member(city, Role.FACILITATOR, Role.PLANNER, **MINJI)
    other = make.member(city, Role.ADMIN, **OTHER)
    process = make.process(city, phases=((-1, 10, ALL_ACTIONS),), plan=plan)
    m_minji, m_other = _membership(minji, city), _membership(other, city)
    w = SimpleNamespace(city=city, minji=minji, other=other, process=process, plan=plan)

    # Proposals: one nobody touched, and one for each way others take part in one.
    w.p_lonely = make.proposal(process, minji, title="Lonely bench idea")
    w.p_commented = make.proposal(process, minji, title="Commented crossing idea")
    w.p_supported = make.proposal(process, minji, title="Supported tree idea")
    w.p_answered = make.proposal(process, minji, title="Answered lamp idea", answer="We will.",
                                 answered_at=utcnow(), state="accepted")
    w.p_planned = make.proposal(process, minji, title="Planned lane idea")
    w.p_result = make.proposal(process, minji, title="Result fountain idea")
    w.p_ballot = make.proposal(process, minji, title="Ballot playground idea", cost=Decimal(100))
    w.p_other = make.proposal(process, other, title="Jaewon's own idea", cost=Decimal(200))
    item = _db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id))
    w.p_planned.plan_items.append(item)
    result = Result(city_id=city.id, title_en="Fountain", process_id=process.id)
    result.proposals.append(w.p_result)
    _db.session.add(result)

    # Comments.
    w.c_lonely = post_comment(minji, w.p_other, "A lonely remark", "for")
    w.c_replied = post_comment(minji, w.p_other, "A remark that got a reply", "against")
    w.c_reply_by_other = post_comment(other, w.p_other, "Jaewon answers", None, parent=w.c_replied)
    w.c_chain_top = post_comment(minji, w.p_other, "Talking to myself", None)
    w.c_chain_reply = post_comment(minji, w.p_other, "Still myself", None, parent=w.c_chain_top)
    w.c_other_on_mine = post_comment(other, w.p_commented, "Nice crossing", "for")
    vote_on_comment(minji, w.c_other_on_mine, 1)
    vote_on_comment(other, w.c_replied, -1)
    vote_on_comment(other, w.c_lonely, 1)

    # Debates.
    data = DebateData("", "A lonely debate", "", "", "", "", "", "", None)
    w.d_lonely = create_debate(minji, process, data)
    w.d_discussed = create_debate(minji, process, DebateData("", "A lively debate", "", "", "", "", "", "", None))
    w.c_other_in_debate = post_comment(other, w.d_discussed, "My view on it", None)

    # Statements (the author agrees with their own, as in Polis).
    w.s_lonely = add_statement(minji, process, "Nobody voted on this one")
    w.s_voted = add_statement(minji, process, "Others voted on this one")
    w.s_other = add_statement(other, process, "Jaewon wrote this one")
    vote(other, w.s_voted, -1)
    vote(minji, w.s_other, 0)

    # Supports.
    support(m_minji, w.p_other)
    support(m_other, w.p_supported)
    support(m_minji, w.p_lonely)  # her own support of her own lonely proposal goes with it

    # Budget (open) and polls (one open, one secret).
    _db.session.add(Budget(process_id=process.id, amount=Decimal(1000)))
    p_minji, p_other = participant_for(m_minji), participant_for(m_other)
    _db.session.flush()
    ballot = BudgetBallot(process_id=process.id, participant_id=p_minji.id, updated_at=utcnow())
    ballot.items = [BudgetBallotItem(proposal_id=w.p_other.id), BudgetBallotItem(proposal_id=w.p_ballot.id)]
    _db.session.add(ballot)
    open_poll = Poll(process_id=process.id, question_en="Plaza name?")
    open_poll.options = [PollOption(position=1, label_en="Madang"), PollOption(position=2, label_en="Yard")]
    secret_poll = Poll(process_id=process.id, question_en="Secret plaza name?", secret=True)
    secret_poll.options = [PollOption(position=1, label_en="Sky"), PollOption(position=2, label_en="River")]
    _db.session.add_all([open_poll, secret_poll])
    _db.session.flush()
    open_ballot = PollBallot(poll_id=open_poll.id, participant_id=p_minji.id, updated_at=utcnow())
    open_ballot.ranks = [PollRank(option_id=open_poll.options[1].id, rank=1)]
    _db.session.add(open_ballot)
    _db.session.add(PollRollEntry(poll_id=secret_poll.id, participant_id=p_minji.id))
    secret = PollBallot(poll_id=secret_poll.id)
    secret.ranks = [PollRank(option_id=secret_poll.options[0].id, rank=1)]
    _db.session.add(secret)
    w.open_poll, w.secret_poll = open_poll, secret_poll

    # Vision: published, and her answer with a comment.
    summary = VisionSummary(process_id=process.id, state="published", version=1, published_at=utcnow(),
                            title="Vision", evidence={})
    _db.session.add(summary)
    _db.session.flush()
    _db.session.add(VisionEndorsement(summary_id=summary.id, participant_id=p_minji.id, value="partly",
                                      comment="Partly, says Min-ji from Mapo"))
    w.summary = summary

    # Moderation, following, notifications.
    flag(minji, w.c_reply_by_other, FlagReason.OFF_TOPIC, "", threshold=99)
    _db.session.add(ReviewRequest(city_id=city.id, author_id=minji.id, target_type="proposal",
                                  target_id=w.p_answered.id, text="Please look again"))
    follow(minji, w.p_other)

    # Organizations: one she registered (Jae-won represents it too), one she is a member of.
    org = create_organization(minji, OrganizationData("Mapo Cyclists", "community_group", "neighbourhood", city.id,
                                                      "", None))
    add_member(minji, org, other.email, OrganizationRole.REPRESENTATIVE)
    w.org = org

    # API token, practice (she is its contact), questions.
    raw = "mdg_" + "x" * 40
    _db.session.add(ApiToken(user_id=minji.id, name="My script", prefix=raw[:12],
                             token_hash=hashlib.sha256(raw.encode()).hexdigest(), scope=TokenScope.WRITE))
    w.practice = create_practice(minji, city, PracticeData(theme="mobility", title_en="Protected lanes"))
    w.q_unanswered = ask(minji, w.practice, "How much did it cost?")
    w.q_answered = ask(minji, w.practice, "Who built it?")
    answer(other, w.q_answered, "The district office.")
    w.q_by_other = ask(other, w.practice, "Did it last?")
    answer(minji, w.q_by_other, "Yes, five years so far.")

    # A resident code she verified with.
    _db.session.add(ResidentCode(city_id=city.id, code_digest="a" * 64, used_by_id=m_minji.id, used_at=utcnow()))
    _db.session.commit()
    # The ids, readable after a deletion has expired the rows.
    w.id = SimpleNamespace(**{name: row.id for name, row in vars(w).items() if hasattr(row, "id")})
    return w


@pytest.fixture
def world(make):
    return build_world(make)


def _download(client, user):
    login(client, user)
    response = client.get("/auth/account/data")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


def test_the_download_is_an_attachment_named_by_the_date(client, world):
    response, data = _download(client, world.minji)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"madang-{datetime.now(timezone.utc).date().isoformat()}-my-data.json" in disposition
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert data["format"] == "madang-personal-data"


def test_the_download_holds_every_kind_of_row(client, world):
    _, data = _download(client, world.minji)
    account = data["account"]
    assert account["email"] == MINJI["email"] and account["name"] == MINJI["name"]
    assert account["terms_version"] == "2026-11" and account["email_notifications"] == "daily"
    assert account["last_login_at"] is not None  # the login above
    [membership] = data["memberships"]
    assert membership["city"]["slug"] == "seoul" and membership["birth_year"] == 1990
    assert membership["district"]["code"] == "jongno"  # make.member takes the first district by name
    assert sorted(r["role"] for r in membership["roles"]) == ["facilitator", "planner"]
    assert membership["verified_with_resident_code_at"] is not None
    assert {p["title"] for p in data["proposals"]} == {
        "Lonely bench idea", "Commented crossing idea", "Supported tree idea", "Answered lamp idea",
        "Planned lane idea", "Result fountain idea", "Ballot playground idea"}
    assert {c["body"] for c in data["comments"]} == {"A lonely remark", "A remark that got a reply",
                                                     "Talking to myself", "Still myself"}
    assert {d["title_en"] for d in data["debates"]} == {"A lonely debate", "A lively debate"}
    assert {s["body"] for s in data["statements"]} == {"Nobody voted on this one", "Others voted on this one"}
    assert {s["proposal_title"] for s in data["supports"]} == {"Jaewon's own idea", "Lonely bench idea"}
    votes = {v["statement"]: v["vote"] for v in data["statement_votes"]}
    assert votes == {"Nobody voted on this one": "agree", "Others voted on this one": "agree",
                     "Jaewon wrote this one": "pass"}
    assert data["comment_votes"] == [{"comment_id": world.c_other_on_mine.id, "vote": "up",
                                      "created_at": data["comment_votes"][0]["created_at"]}]
    [budget] = data["budget_votes"]
    assert budget["secret"] is False
    assert {p["proposal_id"] for p in budget["projects"]} == {world.p_other.id, world.p_ballot.id}
    polls = {p["question_en"]: p for p in data["poll_votes"]}
    assert polls["Plaza name?"]["ranking"] == [{"rank": 1, "option_id": world.open_poll.options[1].id,
                                               "option": "Yard"}]
    secret = polls["Secret plaza name?"]
    assert secret["secret"] is True and secret["voted_on"] == datetime.now(timezone.utc).date().isoformat()
    assert "ranking" not in secret
    assert "nothing that links it to you" in secret["note"]
    [endorsement] = data["vision_endorsements"]
    assert endorsement["answer"] == "partly" and endorsement["comment"] == "Partly, says Min-ji from Mapo"
    assert [(f["target_type"], f["target_id"]) for f in data["flags"]] == [("comment", world.c_reply_by_other.id)]
    assert [r["text"] for r in data["review_requests"]] == ["Please look again"]
    assert {(f["target_type"], f["target_id"]) for f in data["follows"]} >= {("proposal", world.p_other.id),
                                                                            ("debate", world.d_lonely.id)}
    assert any(n["kind"] == "reply" and n["comment_id"] == world.c_reply_by_other.id for n in data["notifications"])
    [org] = data["organizations"]
    assert org["name"] == "Mapo Cyclists" and org["registered_by_you"] and org["role"] == "representative"
    [token] = data["api_tokens"]
    assert token == {"name": "My script", "prefix": "mdg_xxxxxxxx", "scope": "write",
                     "created_at": token["created_at"], "last_used_at": None, "expires_at": None,
                     "revoked_at": None}
    [practice] = data["practices"]
    assert practice["written_by_you"] and practice["you_are_the_contact"]
    assert practice["contact_email"] == MINJI["email"]
    questions = {q["body"]: q for q in data["practice_questions"]}
    assert questions["How much did it cost?"]["asked_by_you"]
    assert questions["Did it last?"]["answered_by_you"] and not questions["Did it last?"]["asked_by_you"]
    actions = {e["action"] for e in data["audit_log"]}
    assert {"debate.create", "statement.add", "organization.create", "practice.create"} <= actions


def test_every_section_is_filled_by_the_world(client, world):
    """Each section the coverage map names holds at least one row, so the map is not just a list of names."""
    _, data = _download(client, world.minji)
    for section in set(account_data.EXPORTED.values()):
        assert data[section], section


def test_nothing_of_other_people_and_no_secrets(client, world, db):
    _, data = _download(client, world.minji)
    text = json.dumps(data, ensure_ascii=False)
    minji = db.session.get(User, world.minji.id)
    for secret in (minji.password_hash, minji.session_token, world.city.pseudonym_salt,
                   *db.session.scalars(select(ApiToken.token_hash))):
        assert secret not in text
    assert OTHER["email"] not in text and OTHER["name"] not in text
    # Jae-won's comments, statement and proposal text only appear where she acted on them (a title for context).
    assert "Jaewon answers" not in text and "My view on it" not in text
    assert "password" not in json.dumps(data["account"])


def test_another_persons_download_holds_none_of_minjis_rows(client, world):
    _, data = _download(client, world.other)
    text = json.dumps(data, ensure_ascii=False)
    assert MINJI["email"] not in text and MINJI["name"] not in text
    assert data["account"]["email"] == OTHER["email"]
    assert {c["body"] for c in data["comments"]} == {"Jaewon answers", "Nice crossing", "My view on it"}
    assert data["budget_votes"] == [] and data["api_tokens"] == []


def test_the_download_needs_a_login(client, world):
    response = client.get("/auth/account/data")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_account_page_links_to_download_and_deletion(client, world):
    login(client, world.minji)
    page = client.get("/auth/account").get_data(as_text=True)
    assert 'href="/auth/account/data"' in page and 'href="/auth/account/delete"' in page


def _person_columns(metadata=Base.metadata) -> set[tuple[str, str]]:
    found = set()
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name in account_data.PERSON_TABLES:
                found.add((table.name, fk.parent.name))
    return found


def test_every_column_pointing_at_a_person_is_exported_or_explained():
    """A new table (or column) with a foreign key to users, memberships or participants fails here until the
    download covers it (EXPORTED) or says why it leaves it out (NOT_EXPORTED)."""
    columns = _person_columns()
    assert len(columns) > 40  # the walk really found the schema's references
    exported, explained = set(account_data.EXPORTED), set(account_data.NOT_EXPORTED)
    assert not exported & explained
    assert columns - exported - explained == set(), "add these to account_data.EXPORTED or NOT_EXPORTED"
    assert (exported | explained) - columns == set(), "stale entries in the coverage map"


def test_the_coverage_walk_catches_a_new_table():
    """The check above can fail: a table added with a users.id foreign key is reported."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    scratch = MetaData()
    Table("users", scratch, Column("id", Integer, primary_key=True))
    Table("bookmarks", scratch, Column("id", Integer, primary_key=True), Column("user_id", ForeignKey("users.id")))
    missing = _person_columns(scratch) - set(account_data.EXPORTED) - set(account_data.NOT_EXPORTED)
    assert missing == {("bookmarks", "user_id")}


def test_secret_ballots_of_a_budget_show_only_the_day(client, make, db):
    """A secret budget ballot: the roll says she voted and when (a day), the ballot cannot be found."""
    from app.voting.services import participant_for

    city = make.city()
    minji = make.member(city, **MINJI)
    process = make.process(city, phases=((-1, 10, ALL_ACTIONS),))
    db.session.add(Budget(process_id=process.id, amount=Decimal(1000), secret=True))
    participant = participant_for(_membership(minji, city))
    db.session.add(BudgetRollEntry(process_id=process.id, participant_id=participant.id,
                                   voted_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    _, data = _download(client, minji)
    [entry] = data["budget_votes"]
    assert entry["secret"] is True and "projects" not in entry
    assert entry["voted_on"] == (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
