"""(No tests here.) A small hand-made city for the export and open-data tests: every dataset has rows, some of
them hidden, rejected or by a blocked member, and every person has a distinctive name and e-mail address that open data
must never contain."""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

from flask import g
from sqlalchemy import select

from app.extensions import db as _db
from app.models import (
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    Comment,
    Debate,
    Membership,
    OpinionMap,
    Participant,
    PlanItem,
    Poll,
    PollBallot,
    PollOption,
    PollRank,
    Role,
    SdgTarget,
    Statement,
    StatementState,
    StatementVote,
    Support,
    utcnow,
)
from app.vision import summaries
from app.vision.opinion import fingerprint


def member(make, city, *roles, **fields):
    user = make.member(city, *roles, **fields)
    membership = _db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                             Membership.city_id == city.id))
    return user, membership


def participant(membership) -> Participant:
    row = Participant(city_id=membership.city_id, membership_id=membership.id)
    _db.session.add(row)
    _db.session.flush()
    return row


@contextmanager
def in_city(app, city):
    """A request context in the city, as the export routes run in (url_for, gettext, g.city)."""
    with app.test_request_context(f"/c/{city.slug}/"):
        g.city = city
        yield


def build(make, db):
    city = make.city()
    plan = make.plan(city, items=("cycling-network", "shade"))
    process = make.process(city, plan=plan, title="Green transport", phases=(
        (-10, -5, ("budget_vote", "poll_vote")), (-5, 10, ("propose", "comment", "support", "statement_vote"))))
    facilitator, _ = member(make, city, Role.FACILITATOR, name="Facilitator Ottoline", email="ottoline@x.example")
    planner, _ = member(make, city, Role.PLANNER, name="Planner Bartholomew", email="bartholomew@x.example")
    citizen, citizen_membership = member(make, city, name="Citizen Wilhelmina", email="wilhelmina@x.example")
    author, author_membership = member(make, city, name="Author Thaddeus", email="thaddeus@x.example")
    blocked, blocked_membership = member(make, city, name="Blocked Zebulon", email="zebulon@x.example")
    blocked_membership.blocked_at, blocked_membership.blocked_reason = utcnow(), "spam"

    bike = make.proposal(process, author, title="A protected bike lane, \"safe\" for children",
                         body="자전거 도로를 만들어 주세요.", cost=Decimal(60000), feasible=True,
                         feasibility_reviewed_at=utcnow(), district_id=city.districts[0].id)
    bike.sdg_targets = [db.session.get(SdgTarget, "11.2"), db.session.get(SdgTarget, "3.6")]
    bike.plan_items = list(db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)
                                              .order_by(PlanItem.position)))
    bike.answer, bike.answered_at, bike.state = "We will build it in spring.", utcnow(), "accepted"
    formula = make.proposal(process, citizen, title="=HYPERLINK(\"http://evil.example\",\"click\")",
                            body="A title that a spreadsheet would run.", cost=Decimal(30000), feasible=True,
                            feasibility_reviewed_at=utcnow())
    hidden = make.proposal(process, author, title="Hidden proposal", hidden_at=utcnow(), hidden_reason="spam")
    by_blocked = make.proposal(process, blocked, title="Proposal of a blocked member")
    korean = make.proposal(process, citizen, title="버스 정류장에 그늘막을", body="여름에 너무 덥습니다.")
    db.session.add(Budget(process_id=process.id, amount=Decimal(70000), currency="KRW", ballot_style="knapsack",
                          rule="greedy"))
    poll = Poll(process_id=process.id, question_en="Name of the new plaza?", question_ko="새 광장의 이름은?",
                method="plurality")
    poll.options = [PollOption(position=0, label_en="Madang Plaza", label_ko="마당 광장"),
                    PollOption(position=1, label_en="Maple Square", label_ko="단풍 광장")]
    db.session.add(poll)
    db.session.commit()

    voters = []
    for n in range(6):
        user, membership = member(make, city, name=f"Voter Quintessa{n}", email=f"quintessa{n}@x.example")
        voters.append((user, participant(membership)))
    imported = Participant(city_id=city.id, source="polis/green-transport", external_id="77")
    db.session.add(imported)
    db.session.flush()
    for _user, p in voters[:3]:
        db.session.add(Support(participant_id=p.id, proposal_id=bike.id))
    db.session.add(Support(participant_id=imported.id, proposal_id=korean.id))
    db.session.add(Support(participant_id=voters[3][1].id, proposal_id=hidden.id))
    bike.support_count, korean.support_count, hidden.support_count = 3, 1, 1
    for index, (_user, p) in enumerate(voters[:3]):
        ballot = BudgetBallot(process_id=process.id, participant_id=p.id, updated_at=utcnow())
        ballot.items = [BudgetBallotItem(proposal_id=bike.id if index < 2 else formula.id, points=1)]
        db.session.add(ballot)
    for index, (_user, p) in enumerate(voters[:3]):
        ballot = PollBallot(poll_id=poll.id, participant_id=p.id, updated_at=utcnow())
        ballot.ranks = [PollRank(option_id=poll.options[1 if index < 2 else 0].id, rank=1)]
        db.session.add(ballot)

    debate = Debate(process_id=process.id, title_en="Should cars leave the centre?", title_ko="도심에서 차를 없앨까?",
                    created_by_id=facilitator.id)
    db.session.add(debate)
    db.session.flush()

    def comment(author_id, body, *, proposal=None, on_debate=None, parent=None, **fields):
        row = Comment(author_id=author_id, body=body, body_html=f"<p>{body}</p>", proposal_id=proposal,
                      debate_id=on_debate, parent_id=parent.id if parent else None,
                      root_id=(parent.root_id or parent.id) if parent else None,
                      depth=parent.depth + 1 if parent else 0, **fields)
        db.session.add(row)
        db.session.flush()
        return row

    first = comment(citizen.id, "Children could cycle to school safely.", proposal=bike.id, stance="for",
                    up_votes=4, down_votes=1, score=3)
    reply = comment(author.id, "@team: and shops?", proposal=bike.id, parent=first, stance="against")
    hidden_comment = comment(citizen.id, "Hidden insult", proposal=bike.id, hidden_at=utcnow(),
                             hidden_reason="insult")
    deleted = comment(author.id, "", on_debate=debate.id, deleted_at=utcnow())
    on_hidden = comment(citizen.id, "A comment under the hidden proposal", proposal=hidden.id)
    by_blocked_comment = comment(blocked.id, "Blocked member's comment", on_debate=debate.id)
    debate_comment = comment(citizen.id, "+1 cars out, 자동차 없는 도심", on_debate=debate.id, stance="for")

    statements = []
    for body in ("버스 정류장마다 그늘이 필요하다.", "Car lanes should become bike lanes.", "-Parking must stay free"):
        statement = Statement(process_id=process.id, body=body, seeded=True, state=StatementState.PUBLISHED)
        db.session.add(statement)
        statements.append(statement)
    rejected = Statement(process_id=process.id, body="Rejected statement", state=StatementState.REJECTED,
                         moderated_at=utcnow(), author_id=citizen.id)
    db.session.add(rejected)
    db.session.flush()
    votes = []
    for index, (_user, p) in enumerate(voters):
        side = 1 if index < 3 else -1
        for statement, value in zip(statements, (1, side, 0 if index == 5 else -side)):
            votes.append(StatementVote(participant_id=p.id, statement_id=statement.id, process_id=process.id,
                                       value=value))
    votes.append(StatementVote(participant_id=imported.id, statement_id=statements[0].id, process_id=process.id,
                               value=-1))
    votes.append(StatementVote(participant_id=voters[0][1].id, statement_id=rejected.id, process_id=process.id,
                               value=1))
    db.session.add_all(votes)
    for statement in [*statements, rejected]:
        values = [v.value for v in votes if v.statement_id == statement.id]
        statement.agree_count, statement.disagree_count, statement.pass_count = (
            values.count(1), values.count(-1), values.count(0))
    db.session.commit()
    store_map(process, statements, voters)
    w = SimpleNamespace(
        city=city, process=process, plan=plan, facilitator=facilitator, planner=planner, citizen=citizen,
        author=author, blocked=blocked, bike=bike, formula=formula, hidden=hidden, by_blocked=by_blocked,
        korean=korean, poll=poll, debate=debate, first=first, reply=reply, hidden_comment=hidden_comment,
        deleted=deleted, on_hidden=on_hidden, by_blocked_comment=by_blocked_comment, debate_comment=debate_comment,
        statements=statements, rejected=rejected, voters=voters, imported=imported)
    return w


def store_map(process, statements, voters):
    """An opinion map of the votes above as the map service stores it (fresh: the same fingerprint): group A
    is the first three voters, group B the other three."""
    current = fingerprint(process)
    pids = [p.id for _user, p in voters]
    counts = {  # per statement, per group: agree, disagree, pass
        statements[0].id: [[3, 0, 0], [3, 0, 0]],
        statements[1].id: [[3, 0, 0], [0, 3, 0]],
        statements[2].id: [[0, 3, 0], [2, 0, 1]],
    }
    data = {
        "participants": pids, "coords": [[float(i), 0.0] for i in range(len(pids))], "labels": [0, 0, 0, 1, 1, 1],
        "groups": [{"id": 0, "size": 3, "centroid": [1.0, 0.0], "representative": []},
                   {"id": 1, "size": 3, "centroid": [4.0, 0.0], "representative": []}],
        "consensus": [], "divisive": [], "k": 2, "silhouette": 0.9,
        "statements": {str(sid): {"divisiveness": 0.5, "groups": groups} for sid, groups in counts.items()},
    }
    _db.session.merge(OpinionMap(process_id=process.id, vote_count=current.votes, votes_changed_at=current.changed_at,
                                 statement_count=current.statements, participants_clustered=6, seconds=0.01,
                                 computed_at=utcnow(), data=data))
    _db.session.commit()


def publish_vision(app, w):
    """Version 1 of the shared vision, generated from the data above and published by the facilitator."""
    with in_city(app, w.city):
        summaries.generate_draft(w.facilitator, w.process)
        summaries.edit_draft(w.facilitator, w.process, summaries.VisionText(
            title="Green transport: what we want", introduction="우리는 안전한 자전거 도로를 원합니다.",
            notes={"consensus": "Everyone wants shade."}))
        version = summaries.publish(w.facilitator, w.process)
        _db.session.commit()
        return version
