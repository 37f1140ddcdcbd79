"""The shared vision: facilitators generate the evidence from a process's data, write the narrative around it and
publish numbered versions that never change; every claim on the public page links to its evidence; citizens
endorse the latest version; versions are compared line by line; the vision downloads as printable HTML, JSON
and a real PDF with Korean text; publishing notifies the people concerned, once each."""
from __future__ import annotations

import re
import zlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    CensusAgeBand,
    Comment,
    Debate,
    Follow,
    Membership,
    Notification,
    OpinionMap,
    Participant,
    Poll,
    PollBallot,
    PollOption,
    PollRank,
    Proposal,
    Result,
    Role,
    SdgTarget,
    Statement,
    StatementState,
    StatementVote,
    Support,
    User,
    VisionEndorsement,
    VisionState,
    VisionSummary,
    utcnow,
)
from app.permissions import can_endorse_vision
from app.vision import evidence, summaries
from app.vision.opinion import fingerprint
from tests.conftest import all_at_once, login, postgres_only, posting

CONSENSUS = "버스 정류장마다 그늘이 필요하다."  # every group agrees: "every bus stop needs shade"
FOR_GROUP_A = "Car lanes should become bike lanes."
FOR_GROUP_B = "Parking in the centre must stay free."


def _fresh():
    _db.session.commit()  # end the test's snapshot: see what requests committed


def _count(model, *where) -> int:
    _fresh()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _as(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _member(make, city, *roles, district=None, age=None, **fields):
    user = make.member(city, *roles, **fields)
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.city_id == city.id))
    if district is not None:
        membership.district_id = district.id
    if age is not None:
        membership.birth_year = utcnow().year - age
    _db.session.commit()
    return user, membership


def _participant(membership) -> Participant:
    participant = Participant(city_id=membership.city_id, membership_id=membership.id)
    _db.session.add(participant)
    _db.session.flush()
    return participant


@pytest.fixture
def world(make, db):
    """Seoul with a census; a process whose budget and poll votes are over and whose statement round is open;
    proposals (one under SDG 11, one under no goal), arguments for and against (and a hidden one), statements
    with votes and their opinion map, a certified-less budget, a closed poll and a result."""
    city = make.city()
    mapo, jongno = sorted(city.districts, key=lambda d: d.code)[1], sorted(city.districts, key=lambda d: d.code)[0]
    for low, high, share in ((14, 29, "0.3"), (30, 64, "0.5"), (65, None, "0.2")):
        db.session.add(CensusAgeBand(city_id=city.id, min_age=low, max_age=high, share=Decimal(share)))
    db.session.commit()
    process = make.process(city, title="Green transport", phases=(
        (-10, -5, ("budget_vote", "poll_vote")), (-5, 10, ("propose", "comment", "support", "statement_vote"))))
    facilitator, _ = _member(make, city, Role.FACILITATOR, name="Jae-won")
    admin, _ = _member(make, city, Role.ADMIN, name="Admin")
    planner, _ = _member(make, city, Role.PLANNER, name="So-yeon")
    citizen, citizen_membership = _member(make, city, name="Min-ji", district=mapo, age=34)
    author, author_membership = _member(make, city, name="Author", district=jongno, age=70)

    bike = make.proposal(process, author, title="A protected bike lane on Worldcup-ro",
                         body="자전거 도로를 만들어 주세요. Protected bike lanes keep children safe.")
    bike.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    trees = make.proposal(process, author, title="More street trees", body="Street trees cool the bus stops.")
    hidden = make.proposal(process, author, title="Hidden proposal", hidden_at=utcnow(), hidden_reason="spam")
    park = make.proposal(process, author, title="A pocket park", cost=Decimal(60000), feasible=True,
                         feasibility_reviewed_at=utcnow())
    racks = make.proposal(process, author, title="Bike racks", cost=Decimal(30000), feasible=True,
                          feasibility_reviewed_at=utcnow())
    db.session.add(Budget(process_id=process.id, amount=Decimal(100000), currency="KRW", ballot_style="knapsack",
                          rule="greedy"))
    poll = Poll(process_id=process.id, question_en="Name of the new plaza?", question_ko="새 광장의 이름은?",
                method="plurality")
    poll.options = [PollOption(position=0, label_en="Madang Plaza", label_ko="마당 광장"),
                    PollOption(position=1, label_en="Maple Square", label_ko="단풍 광장")]
    db.session.add(poll)
    db.session.commit()

    voters = []
    for n in range(8):
        user, membership = _member(make, city, name=f"Voter {n}", district=mapo if n % 2 else jongno,
                                   age=20 + 10 * n)
        voters.append((user, _participant(membership)))
    for user, participant in voters[:3]:
        db.session.add(Support(participant_id=participant.id, proposal_id=bike.id))
    db.session.add(Support(participant_id=voters[3][1].id, proposal_id=trees.id))
    db.session.add(Support(participant_id=voters[3][1].id, proposal_id=hidden.id))
    bike.support_count, trees.support_count, hidden.support_count = 3, 1, 1
    for _user, participant in voters[:2]:
        ballot = BudgetBallot(process_id=process.id, participant_id=participant.id, updated_at=utcnow())
        ballot.items = [BudgetBallotItem(proposal_id=park.id, points=1)]
        db.session.add(ballot)
    ballot = BudgetBallot(process_id=process.id, participant_id=voters[2][1].id, updated_at=utcnow())
    ballot.items = [BudgetBallotItem(proposal_id=racks.id, points=1)]
    db.session.add(ballot)
    for index, (_user, participant) in enumerate(voters[:3]):
        ballot = PollBallot(poll_id=poll.id, participant_id=participant.id, updated_at=utcnow())
        ballot.ranks = [PollRank(option_id=poll.options[0 if index < 2 else 1].id, rank=1)]
        db.session.add(ballot)
    imported = Participant(city_id=city.id, source="polis/test", external_id="77")
    db.session.add(imported)
    db.session.flush()
    db.session.add(Support(participant_id=imported.id, proposal_id=trees.id))

    debate = Debate(process_id=process.id, title_en="Should cars leave the centre?", title_ko="도심에서 차를 없앨까?",
                    created_by_id=facilitator.id)
    db.session.add(debate)
    db.session.flush()

    def comment(target, stance, body, score, **fields):
        row = Comment(author_id=citizen.id, stance=stance, body=body, body_html=f"<p>{body}</p>", score=score,
                      up_votes=max(score, 0), **fields)
        if isinstance(target, Debate):
            row.debate_id = target.id
        else:
            row.proposal_id = target.id
        db.session.add(row)
        db.session.flush()
        return row

    strong_for = comment(bike, "for", "Children could cycle to school safely.", 5)
    strong_against = comment(debate, "against", "Shops need delivery vans in the centre.", 2)
    hidden_for = comment(bike, "for", "Hidden argument with many votes.", 50, hidden_at=utcnow(),
                         hidden_reason="insult")
    neutral = comment(trees, "neutral", "Trees and bike lanes both need space.", 9)

    statements = []
    for body in (CONSENSUS, FOR_GROUP_A, FOR_GROUP_B):
        statement = Statement(process_id=process.id, body=body, seeded=True, state=StatementState.PUBLISHED,
                              language="ko" if body == CONSENSUS else "en")
        db.session.add(statement)
        statements.append(statement)
    rejected = Statement(process_id=process.id, body="Rejected statement", state=StatementState.REJECTED,
                         moderated_at=utcnow(), author_id=citizen.id)
    db.session.add(rejected)
    db.session.flush()
    for index, (_user, participant) in enumerate(voters):
        side = 1 if index < 4 else -1
        for statement, value in zip(statements, (1, side, -side)):
            db.session.add(StatementVote(participant_id=participant.id, statement_id=statement.id,
                                         process_id=process.id, value=value))
    result = Result(city_id=city.id, process_id=process.id, title_en="Worldcup-ro bike lane", title_ko="월드컵로 자전거 도로",
                    status="in_progress", progress=Decimal(40))
    result.proposals = [bike]
    db.session.add(result)
    db.session.commit()
    _store_map(process, statements, voters)
    return SimpleNamespace(city=city, process=process, facilitator=facilitator, admin=admin, planner=planner,
                           citizen=citizen, citizen_membership=citizen_membership, author=author, bike=bike,
                           trees=trees, hidden=hidden, park=park, racks=racks, poll=poll, debate=debate,
                           strong_for=strong_for, strong_against=strong_against, hidden_for=hidden_for,
                           neutral=neutral, statements=statements, rejected=rejected, voters=voters, result=result)


def _store_map(process, statements, voters):
    """The opinion map of the votes above, as the MAP service stores it (fresh: same fingerprint)."""
    current = fingerprint(process)
    consensus, for_a, for_b = statements
    pids = [participant.id for _user, participant in voters]
    data = {
        "participants": pids, "coords": [[float(i), 0.0] for i in range(len(pids))],
        "labels": [0, 0, 0, 0, 1, 1, 1, 1],
        "groups": [
            {"id": 0, "size": 4, "centroid": [1.5, 0.0], "representative": [
                {"statement_id": for_a.id, "direction": "agree", "agree": 4, "disagree": 0, "passed": 0, "votes": 4,
                 "probability": 0.83, "ratio": 5.0, "z": 2.8}]},
            {"id": 1, "size": 4, "centroid": [5.5, 0.0], "representative": [
                {"statement_id": for_b.id, "direction": "agree", "agree": 4, "disagree": 0, "passed": 0, "votes": 4,
                 "probability": 0.83, "ratio": 5.0, "z": 2.8}]},
        ],
        "consensus": [{"statement_id": consensus.id, "direction": "agree", "score": 0.69, "agree": 8,
                       "disagree": 0, "passed": 0, "votes": 8}],
        "divisive": [{"statement_id": for_a.id, "score": 1.0, "agree_shares": [1.0, 0.0]}],
        "statements": {}, "k": 2, "silhouette": 0.9,
    }
    _db.session.merge(OpinionMap(process_id=process.id, vote_count=current.votes,
                                 votes_changed_at=current.changed_at, statement_count=current.statements,
                                 participants_clustered=8, seconds=0.01, computed_at=utcnow(), data=data))
    _db.session.commit()


def _url(w, suffix=""):
    return f"/c/seoul/processes/{w.process.id}/vision{suffix}"


def _generate(client, w):
    response = client.post(_url(w, "/generate"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def _edit(client, w, title="Green transport: what we want", introduction="우리는 **안전한** 자전거 도로를 원합니다.",
          **notes):
    data = {"title": title, "introduction": introduction}
    data.update({f"note_{key}": value for key, value in notes.items()})
    return client.post(_url(w, "/edit"), data=data)


def _publish(client, w):
    return client.post(_url(w, "/publish"))


def _draft(w) -> VisionSummary | None:
    _fresh()
    return _db.session.scalar(select(VisionSummary).where(VisionSummary.process_id == w.process.id,
                                                          VisionSummary.state == VisionState.DRAFT))


def _versions(w) -> list[VisionSummary]:
    _fresh()
    return list(_db.session.scalars(select(VisionSummary).where(
        VisionSummary.process_id == w.process.id, VisionSummary.state == VisionState.PUBLISHED)
        .order_by(VisionSummary.version)))


def _published(app, w, **notes) -> object:
    """Version 1, generated, edited and published by the facilitator; returns their client."""
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    assert _edit(staff, w, **notes).status_code == 302
    assert _publish(staff, w).status_code == 302
    return staff


# Who may write it -----------------------------------------------------------------------------------------

def test_only_facilitators_and_admins_generate_edit_and_publish(app, world):
    w = world
    for person in (w.citizen, w.planner):
        other = _as(app, person)
        assert other.get(_url(w, "/edit")).status_code == 403
        page = other.post(_url(w, "/generate"))
        assert page.status_code == 403
        assert "Only the facilitators and administrators" in page.get_data(as_text=True)
        assert _edit(other, w).status_code == 403
        assert _publish(other, w).status_code == 403
    anonymous = app.test_client()
    assert anonymous.post(_url(w, "/generate")).status_code == 302  # to the login page
    assert _count(VisionSummary) == 0
    assert _count(AuditEvent, AuditEvent.target_type == "vision") == 0
    for person in (w.facilitator, w.admin):
        staff = _as(app, person)
        assert staff.get(_url(w, "/edit")).status_code == 200
        _generate(staff, w)
    assert _count(VisionSummary) == 1


def test_generating_again_refreshes_the_evidence_and_keeps_the_text(app, make, world):
    w = world
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    assert _edit(staff, w, title="Our green streets", consensus="Shade is what *everyone* asks for.",
                 themes="Bikes come first.").status_code == 302
    first = _draft(w)
    assert first.section_notes == {"consensus": "Shade is what *everyone* asks for.", "themes": "Bikes come first."}
    newcomer = make.proposal(w.process, w.author, title="Night buses to Mapo", support_count=7)
    _generate(staff, w)
    again = _draft(w)
    assert again.id == first.id
    assert (again.title, again.introduction) == ("Our green streets", "우리는 **안전한** 자전거 도로를 원합니다.")
    assert again.section_notes == first.section_notes
    by_goal = {goal["goal"]: [item["title"] for item in goal["items"]] for goal in again.evidence["proposals"]["items"]}
    assert by_goal == {11: ["A protected bike lane on Worldcup-ro"],
                       None: [newcomer.title, "More street trees"]}  # the most supported first
    actions = [e.action for e in _db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "vision")
                                                     .order_by(AuditEvent.id))]
    assert actions == ["vision.start", "vision.generate", "vision.edit", "vision.generate"]


def test_publishing_numbers_versions_and_published_versions_never_change(app, world):
    w = world
    staff = _published(app, w, introduction="Version one.")
    [v1] = _versions(w)
    assert (v1.version, v1.published_by_id, v1.introduction) == (1, w.facilitator.id, "Version one.")
    assert _draft(w) is None
    v1_evidence = dict(v1.evidence)
    # Editing again starts a new draft from version 1; version 1 stays as it was.
    assert _edit(staff, w, introduction="Version two.").status_code == 302
    draft = _draft(w)
    assert draft.introduction == "Version two." and draft.evidence == v1_evidence
    _generate(staff, w)
    response = _publish(staff, w)
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(w))
    assert [(v.version, v.introduction) for v in _versions(w)] == [(1, "Version one."), (2, "Version two.")]
    assert _versions(w)[0].evidence == v1_evidence
    # Nothing can change a published version, even bypassing the services.
    v1 = _versions(w)[0]
    v1.title = "Rewritten"
    with pytest.raises(summaries.PublishedIsFinal):
        _db.session.flush()
    _db.session.rollback()
    assert _versions(w)[0].title != "Rewritten"
    # Publishing with no draft is refused, with nothing written.
    refused = _publish(staff, w)
    assert refused.status_code == 302 and len(_versions(w)) == 2


def test_publishing_needs_a_title_and_generated_evidence(app, world):
    w = world
    staff = _as(app, w.facilitator)
    assert _edit(staff, w, title="A title").status_code == 302  # a draft without evidence
    page = _publish(staff, w)
    assert page.status_code == 422
    assert "Generate the draft&#39;s evidence" in page.get_data(as_text=True)
    assert _versions(w) == []


def test_one_draft_per_process(app, world):
    w = world
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    _generate(staff, w)
    assert _edit(staff, w).status_code == 302
    assert _count(VisionSummary, VisionSummary.process_id == w.process.id) == 1
    _db.session.add(VisionSummary(process_id=w.process.id, state=VisionState.DRAFT, title="Second draft"))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def test_publishing_twice_at_once_gives_one_version(app, make, db, world):
    postgres_only(db)
    w = world
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    assert _edit(staff, w).status_code == 302
    clients = [_as(app, w.facilitator) for _ in range(4)]
    url = _url(w, "/publish")
    statuses = all_at_once(clients, posting(url))
    assert statuses == [302] * 4, statuses
    assert [v.version for v in _versions(w)] == [1]
    assert _count(AuditEvent, AuditEvent.action == "vision.publish") == 1
    # Generating at once from no draft also ends in one draft.
    statuses = all_at_once(clients, posting(_url(w, "/generate")))
    assert statuses == [302] * 4, statuses
    assert _count(VisionSummary, VisionSummary.state == VisionState.DRAFT) == 1


# The evidence ---------------------------------------------------------------------------------------------

def test_the_evidence_of_a_seeded_process(world):
    w = world
    found = evidence.assemble(w.process)
    # Participation: eight voters, the author (a proposal) and the commenter; the imported voter apart.
    people = found["participation"]
    assert (people["people"], people["members"], people["imported"]) == (11, 10, 1)
    assert people["activities"] == {"proposed": 1, "commented": 1, "supported": 4, "budget": 3, "poll": 3,
                                    "statements": 8}
    assert [row["label"] for row in people["age_bands"]] == ["14–29", "30–64", "65+"]
    assert sum(row["people"] for row in people["age_bands"]) + people["ages_unknown"] == 11
    # The opinion map: the consensus statement and each group's outlook.
    assert [(i["kind"], i["id"], i["text"]) for i in found["consensus"]["items"]] == [
        ("statement", w.statements[0].id, CONSENSUS)]
    assert found["consensus"]["items"][0]["share"] == 100.0
    assert [(g["label"], g["size"], [i["text"] for i in g["items"]]) for g in found["groups"]["items"]] == [
        ("A", 4, [FOR_GROUP_A]), ("B", 4, [FOR_GROUP_B])]
    # Proposals by SDG goal: the bike lane under goal 11, the trees under no goal, the hidden one nowhere.
    goals = {g["goal"]: [(i["kind"], i["id"], i["supports"]) for i in g["items"]] for g in found["proposals"]["items"]}
    assert goals == {11: [("proposal", w.bike.id, 3)], None: [("proposal", w.trees.id, 1)]}
    # Votes: the budget's computed winners (the vote is over), the poll's winner.
    budget = found["votes"]["budget"]
    assert (budget["kind"], budget["certified"], budget["ballots"]) == ("budget", False, 3)
    assert [x["id"] for x in budget["winners"]] == [w.park.id, w.racks.id]
    [poll] = found["votes"]["polls"]
    assert (poll["id"], poll["winners"], poll["ballots"]) == (w.poll.id, [{"ko": "마당 광장", "en": "Madang Plaza"}], 3)
    # Arguments: the strongest for and against; never the hidden one, never a neutral one.
    assert [(i["id"], i["on"]["kind"]) for i in found["arguments"]["for"]] == [(w.strong_for.id, "proposal")]
    assert [(i["id"], i["on"]["kind"]) for i in found["arguments"]["against"]] == [(w.strong_against.id, "debate")]
    # Themes: recurring words in both languages, each with texts that use it.
    themes = {(t["language"], t["term"]): t for t in found["themes"]["items"]}
    assert ("en", "bike lanes") in themes or ("en", "bike") in themes, sorted(themes)
    assert all(t["sources"] for t in themes.values())
    # Results of the process.
    assert [(r["id"], r["progress"]) for r in found["results"]["items"]] == [(w.result.id, 40.0)]
    texts = repr(found)
    for secret in ("Hidden argument", "Hidden proposal", "Rejected statement"):
        assert secret not in texts


def test_blocked_members_content_is_left_out(world, db):
    w = world
    membership = db.session.scalar(select(Membership).where(Membership.user_id == w.citizen.id))
    membership.blocked_at, membership.blocked_reason = utcnow(), "spam"
    db.session.commit()
    found = evidence.assemble(w.process)
    assert found["arguments"] == {"for": [], "against": []}


# The public page --------------------------------------------------------------------------------------------

def _evidence_items(html: str) -> list[str]:
    return re.findall(r'<li class="evidence-item">(.*?)</li>', html, re.S)


def test_every_claim_on_the_page_links_to_its_evidence(app, world):
    w = world
    _published(app, w, consensus="Everyone wants shade.")
    reader = app.test_client()
    page = reader.get(_url(w))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Everyone wants shade." in html and "<strong>안전한</strong>" in html
    items = _evidence_items(html)
    assert len(items) >= 10
    for item in items:
        assert re.search(r'<a href="[^"]+"', item), f"an evidence item without a link: {item}"
    p = w.process.id
    expected = [f'href="/c/seoul/statements/{w.statements[0].id}"', f'href="/c/seoul/proposals/{w.bike.id}"',
                f'href="/c/seoul/proposals/{w.bike.id}#comment-{w.strong_for.id}"',
                f'href="/c/seoul/debates/{w.debate.id}#comment-{w.strong_against.id}"',
                f'href="/c/seoul/processes/{p}/opinion-map"', f'href="/c/seoul/processes/{p}/budget/results"',
                f'href="/c/seoul/polls/{w.poll.id}/results"', f'href="/c/seoul/results/{w.result.id}"',
                f'href="/c/seoul/processes/{p}"']
    for link in expected:
        assert link in html, link
    # The links lead somewhere real, for anyone.
    for link in sorted(set(re.findall(r'href="(/c/seoul/(?:statements|proposals|debates|polls|results|processes)'
                                      r'/[^"#]*)', html))):
        assert reader.get(link).status_code == 200, link


def test_content_hidden_after_publication_is_withheld(app, world, db):
    w = world
    _published(app, w)
    comment = db.session.get(Comment, w.strong_for.id)
    comment.hidden_at, comment.hidden_reason = utcnow(), "insult"
    db.session.commit()
    html = app.test_client().get(_url(w)).get_data(as_text=True)
    assert "Children could cycle" not in html and "This comment is no longer public." in html
    data = app.test_client().get(_url(w, ".json")).get_json()
    [argument] = data["evidence"]["arguments"]["for"]
    assert argument["withheld"] is True and argument["text"] == ""


def test_arguments_in_a_thread_hidden_since_are_withheld_with_the_threads_title(app, world, db):
    """A comment is public only where its thread is: once a moderator hides the proposal or the debate it was
    written on, the vision no longer shows the comment, nor the hidden thread's title."""
    w = world
    _published(app, w)
    for thread in (db.session.get(Proposal, w.bike.id), db.session.get(Debate, w.debate.id)):
        thread.hidden_at, thread.hidden_reason = utcnow(), "spam"
    db.session.commit()
    for suffix in ("", "/print"):
        html = app.test_client().get(_url(w, suffix)).get_data(as_text=True)
        for secret in ("Children could cycle", "Shops need delivery", "Should cars leave", "도심에서 차를",
                       "A protected bike lane"):
            assert secret not in html, (suffix, secret)
        assert html.count("This comment is no longer public.") == 2
    arguments = app.test_client().get(_url(w, ".json")).get_json()["evidence"]["arguments"]
    assert [(a["id"], a.get("withheld"), a["text"], a["on"]["title"]) for a in arguments["for"] + arguments["against"]] \
        == [(w.strong_for.id, True, "", ""), (w.strong_against.id, True, "", "")]


def test_older_versions_stay_readable_with_a_notice(app, world):
    w = world
    staff = _published(app, w, introduction="The first words.")
    assert _edit(staff, w, introduction="The second words.").status_code == 302
    assert _publish(staff, w).status_code == 302
    reader = app.test_client()
    latest = reader.get(_url(w)).get_data(as_text=True)
    assert "The second words." in latest and "older version" not in latest
    old = reader.get(_url(w, "?version=1")).get_data(as_text=True)
    assert "The first words." in old and "You are reading an older version (1). The latest is version 2." in old
    assert 'id="endorse"' not in old  # endorsements go to the latest version


# Endorsements -------------------------------------------------------------------------------------------

def test_endorse_change_and_figures(app, make, world):
    w = world
    _published(app, w)
    citizen = _as(app, w.citizen)
    page = citizen.get(_url(w)).get_data(as_text=True)
    assert "Does this vision reflect your view?" in page and "Nobody has answered yet." in page
    sent = citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "partly",
                                                    "comment": "More about buses, please."})
    assert sent.status_code == 302
    other = _as(app, make.member(w.city))
    assert other.post(_url(w, "/endorse"), data={"version": "1", "value": "yes"}).status_code == 302
    page = citizen.get(_url(w)).get_data(as_text=True)
    assert "2 people have answered:" in page
    assert "Your answer: Partly. You can change it." in page
    assert ">50%<" in page.replace("50.0%", "50%")
    # Changing one's answer changes it (one answer per person and version).
    assert citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "no", "comment": ""}).status_code == 302
    _fresh()
    answers = sorted((e.value, e.comment) for e in _db.session.scalars(select(VisionEndorsement)))
    assert answers == [("no", ""), ("yes", "")]
    citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "partly", "comment": "Buses!"})
    # Facilitators read the comments on the editor page; the versions list shows the figures.
    editor = _as(app, w.facilitator).get(_url(w, "/edit")).get_data(as_text=True)
    assert "Buses!" in editor
    versions = app.test_client().get(_url(w, "/versions")).get_data(as_text=True)
    assert "(50%)" in versions.replace("50.0%", "50%")
    # Those who may not: the anonymous reader is asked to log in.
    anonymous = app.test_client().get(_url(w)).get_data(as_text=True)
    assert "Log in to answer" in anonymous and 'name="value"' not in anonymous


def test_endorsing_is_refused_on_a_draft_and_on_an_older_version(app, world):
    w = world
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    citizen = _as(app, w.citizen)
    assert citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "yes"}).status_code == 404
    with app.test_request_context():
        assert not can_endorse_vision(w.citizen, _draft(w))
    with pytest.raises(summaries.NotEndorsable):
        summaries.endorse(w.citizen_membership, _draft(w), summaries.Endorsement.YES, "")
    _db.session.rollback()
    assert _edit(staff, w).status_code == 302 and _publish(staff, w).status_code == 302
    _generate(staff, w)
    assert _publish(staff, w).status_code == 302
    response = citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "yes"})
    assert response.status_code == 302
    assert "A newer version" in citizen.get(_url(w)).get_data(as_text=True)
    assert _count(VisionEndorsement) == 0


def test_other_cities_staff_and_blocked_or_foreign_members_are_refused(app, make, world, db):
    """A facilitator of Busan neither generates nor publishes in Seoul's process (under either city's address);
    a member of Busan only and a member blocked in Seoul do not endorse."""
    w = world
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    busan_staff = _as(app, make.member(busan, Role.FACILITATOR))
    for prefix in ("/c/seoul", "/c/busan"):
        for action in ("/generate", "/publish", "/edit"):
            url = f"{prefix}/processes/{w.process.id}/vision{action}"
            assert busan_staff.post(url, data={"title": "Taken over"}).status_code in (403, 404), url
    assert _count(VisionSummary) == 0
    _published(app, w)
    foreigner = _as(app, make.member(busan))
    refused = foreigner.post(_url(w, "/endorse"), data={"version": "1", "value": "no"})
    assert refused.status_code == 403 and "Join this city" in refused.get_data(as_text=True)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == w.citizen.id))
    membership.blocked_at, membership.blocked_reason = utcnow(), "spam"
    db.session.commit()
    blocked = _as(app, w.citizen)
    refused = blocked.post(_url(w, "/endorse"), data={"version": "1", "value": "yes"})
    assert refused.status_code == 403 and "blocked you" in refused.get_data(as_text=True)
    assert 'name="value"' not in blocked.get(_url(w)).get_data(as_text=True)
    assert _count(VisionEndorsement) == 0


# Versions and what changed --------------------------------------------------------------------------------

def test_the_diff_between_versions_shows_added_and_removed_lines(app, world):
    w = world
    staff = _published(app, w, introduction="Streets for people.\n\nFewer cars.")
    assert _edit(staff, w, introduction="Streets for people.\n\nMore trees.",
                 consensus="Shade for all.").status_code == 302
    assert _publish(staff, w).status_code == 302
    page = app.test_client().get(_url(w, "/versions"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Version 1" in html and "Version 2" in html
    assert re.search(r"<del><strong class=\"diff-mark\">Removed:</strong> <span class=\"diff-text\">Fewer cars\.", html)
    assert re.search(r"<ins><strong class=\"diff-mark\">Added:</strong> More trees\.</ins>", html)
    assert re.search(r"<ins><strong class=\"diff-mark\">Added:</strong> Shade for all\.</ins>", html)
    assert "Streets for people." in html  # context, unmarked
    same = app.test_client().get(_url(w, "/versions?old=2&new=2")).get_data(as_text=True)
    assert "No difference" in same
    assert app.test_client().get(_url(w, "/versions?old=1&new=9")).status_code == 422
    # Facilitators can compare the draft with the latest version before publishing it.
    assert _edit(staff, w, introduction="Streets for people.\n\nMore trees and buses.").status_code == 302
    draft_diff = staff.get(_url(w, "/versions?old=2&new=draft")).get_data(as_text=True)
    assert "More trees and buses." in draft_diff
    assert app.test_client().get(_url(w, "/versions?old=2&new=draft")).status_code == 422


# Downloads ----------------------------------------------------------------------------------------------

def test_json_and_print_downloads(app, world):
    w = world
    _published(app, w, consensus="Everyone wants shade.")
    data = app.test_client().get(_url(w, ".json")).get_json()
    assert (data["version"], data["latest_version"], data["title"]) == (1, 1, "Green transport: what we want")
    assert data["section_notes"] == {"consensus": "Everyone wants shade."}
    assert data["evidence"]["consensus"]["items"][0]["id"] == w.statements[0].id
    assert data["endorsements"] == {"yes": 0, "partly": 0, "no": 0, "total": 0,
                                    "shares": {"yes": 0.0, "partly": 0.0, "no": 0.0}}
    assert data["links"]["pdf"].endswith(f"/vision.pdf?version=1")
    printable = app.test_client().get(_url(w, "/print"))
    html = printable.get_data(as_text=True)
    assert printable.status_code == 200 and "@media print" not in html  # the stylesheet carries the print rules
    assert f'href="http://localhost/c/seoul/statements/{w.statements[0].id}"' in html
    assert "Everyone wants shade." in html


def _pdf_text(document: bytes) -> str:
    """The text of a PDF: with pypdf if installed, else by reading fpdf2's output directly: each page's content
    stream shows 2-byte glyph codes per font, which the font's ToUnicode map turns back into text."""
    try:
        from pypdf import PdfReader
    except ImportError:
        pass
    else:
        import io

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", document, re.S)}

    def head(n: int) -> bytes:
        return objects[n].split(b"stream")[0]

    def stream(n: int) -> bytes:
        data = re.search(rb"stream\r?\n(.*?)\r?\nendstream", objects[n], re.S).group(1)
        return zlib.decompress(data) if b"/FlateDecode" in head(n) else data

    def to_unicode(font: int) -> dict[int, str]:
        cmap = stream(int(re.search(rb"/ToUnicode (\d+) 0 R", head(font)).group(1)))
        glyphs = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
                for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    glyphs[code] = chr(first + offset)
        return glyphs

    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def unescape(raw: bytes) -> bytes:
        return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                      else escapes.get(m.group(1), m.group(1)), raw, flags=re.S)

    pages = [n for n in objects if re.search(rb"/Type /Page\b(?!s)", head(n))]
    text = []
    for page in sorted(pages):
        resources = objects[int(re.search(rb"/Resources (\d+) 0 R", head(page)).group(1))]
        fonts = {name: to_unicode(int(ref)) for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", resources)}
        content = stream(int(re.search(rb"/Contents (\d+) 0 R", head(page)).group(1)))
        font = None
        for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if match.group(1):
                font = fonts[match.group(1)]
                continue
            raw = unescape(match.group(2))
            text.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "") for i in range(0, len(raw), 2)))
        text.append("\n")
    return "".join(text)


def test_the_pdf_is_a_real_pdf_with_korean_text(app, world):
    from app.vision import vision_pdf

    if not vision_pdf.fonts_available():
        pytest.fail("Noto Sans KR is missing: run `make fonts`")
    w = world
    _published(app, w, introduction="우리는 **안전한** 자전거 도로를 원합니다.")
    response = app.test_client().get(_url(w, ".pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "vision-1.pdf" in response.headers["Content-Disposition"]
    document = response.get_data()
    assert document.startswith(b"%PDF-")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansKR", document), "the Korean font is embedded (a subset)"
    assert b"/FontFile2" in document
    text = _pdf_text(document)
    assert "자전거" in text and CONSENSUS.split()[0] in text, text[:500]
    assert "Green transport: what we want" in text.replace("\n", " ")


def test_the_pdf_says_why_when_the_fonts_are_missing(app, world, monkeypatch, tmp_path):
    from app.vision import vision_pdf

    w = world
    _published(app, w)
    monkeypatch.setattr(vision_pdf, "REGULAR", tmp_path / "missing.ttf")
    response = app.test_client().get(_url(w, ".pdf"))
    assert response.status_code == 503
    assert "Korean font is not installed" in response.get_data(as_text=True)


# Notifications ------------------------------------------------------------------------------------------

def test_publishing_notifies_voters_endorsers_and_followers_once_each(app, make, world, count_queries):
    w = world
    staff = _as(app, w.facilitator)
    _generate(staff, w)
    assert _edit(staff, w).status_code == 302
    url = _url(w, "/publish")
    with count_queries() as first_publication:
        assert staff.post(url).status_code == 302
    voters = [user for user, _participant in w.voters]
    # Version 1 went to the eight statement voters (the facilitator voted on nothing).
    _fresh()
    first = _db.session.scalars(select(Notification).where(Notification.kind == "vision_published")).all()
    assert sorted(n.user_id for n in first) == sorted(u.id for u in voters)
    assert {(n.target_type, n.target_id, n.actor_id) for n in first} == {("process", w.process.id, w.facilitator.id)}
    # A citizen endorses version 1, a voter endorses it too, someone follows the process.
    _as(app, w.citizen).post(_url(w, "/endorse"), data={"version": "1", "value": "yes"})
    _as(app, voters[0]).post(_url(w, "/endorse"), data={"version": "1", "value": "no"})
    follower = make.member(w.city, name="Follower")
    _db.session.add(Follow(user_id=follower.id, target_type="process", target_id=w.process.id))
    _db.session.commit()
    _generate(staff, w)
    with count_queries() as second_publication:
        assert staff.post(url).status_code == 302
    # Ten people instead of eight, in as many queries: the notifications are written in one statement.
    assert second_publication.count == first_publication.count
    _fresh()
    second = _db.session.scalars(select(Notification).where(Notification.kind == "vision_published",
                                                            Notification.id.not_in([n.id for n in first]))).all()
    expected = sorted({u.id for u in voters} | {w.citizen.id, follower.id})
    assert sorted(n.user_id for n in second) == expected  # once each, never the publisher
    # The notice reads well and leads to the vision, on the page and in the digest.
    reader = _as(app, w.citizen)
    page = reader.get("/notifications").get_data(as_text=True)
    assert "“Green transport” published version 2 of its shared vision." in page
    [note] = [n for n in second if n.user_id == w.citizen.id]
    assert reader.get(f"/notifications/{note.id}").headers["Location"].endswith(_url(w))
    from app.notifications.services import send_daily_digests

    user = _db.session.get(User, w.citizen.id)
    user.email_notifications = "daily"
    _db.session.commit()
    with app.test_request_context(base_url="http://madang.test"):
        assert send_daily_digests() >= 1
    from pathlib import Path

    mails = [p.read_text() for p in Path(app.config["MAIL_OUTBOX"]).glob("*.eml")]
    assert any("published version 2" in m and f"/processes/{w.process.id}/vision" in m for m in mails)


def test_a_statement_decision_notice_names_the_statement_and_links_to_the_statements(app, world, db):
    from app.models import NotificationKind
    from app.notifications.services import link_for, notify, sentence

    w = world
    with app.test_request_context():
        [note] = notify({w.citizen.id: NotificationKind.STATEMENT_MODERATED}, w.facilitator.id, w.process,
                        w.city.id)
        db.session.commit()
        assert (note.target_type, note.target_id) == ("process", w.process.id)
        assert sentence(note) == "Your statement “Rejected statement” in “Green transport” was not accepted (no reason given)."
        assert link_for(note) == f"/c/seoul/processes/{w.process.id}/statements"


# Bad input and missing things -----------------------------------------------------------------------------

def test_bad_input_is_refused_on_the_form(app, world):
    w = world
    staff = _as(app, w.facilitator)
    page = _edit(staff, w, title="")
    assert page.status_code == 422 and "Give the vision a title." in page.get_data(as_text=True)
    page = _edit(staff, w, title="x" * 201)
    assert page.status_code == 422
    page = _edit(staff, w, consensus="y" * 5001)
    assert page.status_code == 422 and 'aria-invalid="true"' in page.get_data(as_text=True)
    assert _draft(w) is None
    _published(app, w)
    citizen = _as(app, w.citizen)
    page = citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "maybe"})
    assert page.status_code == 422 and "Not a valid choice" in page.get_data(as_text=True)
    page = citizen.post(_url(w, "/endorse"), data={"version": "1", "value": "yes", "comment": "z" * 1001})
    assert page.status_code == 422
    page = citizen.post(_url(w, "/endorse"), data={"version": "1"})
    assert page.status_code == 422 and "Choose yes, partly or no." in page.get_data(as_text=True)
    assert _count(VisionEndorsement) == 0


def test_missing_things_are_not_found(app, make, world):
    w = world
    reader, citizen, staff = app.test_client(), _as(app, w.citizen), _as(app, w.facilitator)
    for client in (reader, citizen):
        assert client.get(_url(w)).status_code == 404
        assert client.get(_url(w, "/versions")).status_code == 404
        for suffix in (".json", ".pdf", "/print"):
            assert client.get(_url(w, suffix)).status_code == 404
    nothing_yet = staff.get(_url(w))
    assert nothing_yet.status_code == 404
    assert f'href="/c/seoul/processes/{w.process.id}/vision/edit"' in nothing_yet.get_data(as_text=True)
    _published(app, w)
    for query in ("?version=2", "?version=0", "?version=abc", "?version=99999999999"):
        assert reader.get(_url(w) + query).status_code == 404, query
        assert reader.get(_url(w, ".json") + query).status_code == 404, query
    assert reader.get("/c/seoul/processes/999999/vision").status_code == 404
    other = make.city(slug="busan", name_en="Busan", name_ko="부산")
    assert reader.get(f"/c/busan/processes/{w.process.id}/vision").status_code == 404
    assert other.id != w.city.id


def test_version_numbers_in_other_digits_are_not_found(app, world):
    """"²" and "١" are digits to Python's str.isdigit but not version numbers: not found, never a 500, and
    never read as another version."""
    w = world
    _published(app, w)
    reader, citizen = app.test_client(), _as(app, w.citizen)
    for raw in ("²", "١", "𝟏", " 1", "+1"):
        for suffix in ("", "/print", ".json", ".pdf"):
            assert reader.get(_url(w, suffix), query_string={"version": raw}).status_code == 404, (suffix, raw)
        assert citizen.post(_url(w, "/endorse"), data={"version": raw, "value": "yes"}).status_code == 404, raw
    assert _count(VisionEndorsement) == 0


def test_the_vision_page_needs_few_queries(app, world, count_queries):
    w = world
    _published(app, w)
    client, url = app.test_client(), _url(w)
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    # The city, the process and its rounds, the version, what has been hidden since (one query per kind), the
    # endorsement figures: the same number whatever the evidence holds.
    assert counter.count <= 10, counter.count
