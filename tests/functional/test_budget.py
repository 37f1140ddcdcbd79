"""Participatory budgets through the web and the command line: settings, feasibility review, ballots of every
style (validated on the server), secret ballots, results, certification with frozen outcomes, `.pb` files in
and out, and one ballot per person under concurrent submits (PostgreSQL)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.methods import pabulib
from app.methods import pb as pb_rules
from app.models import (
    AuditEvent,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    BudgetOutcome,
    BudgetRollEntry,
    Membership,
    Participant,
    Phase,
    Process,
    Proposal,
    Role,
)
from tests.conftest import all_at_once, login, postgres_only, posting, same_person_clients

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


class World:
    pass


@pytest.fixture
def pb(make):
    """A city with a process whose budget vote is open: a knapsack ballot of 100,000 over four feasible projects
    (60k, 30k, 25k, 10k) and one not feasible."""
    w = World()
    w.city = make.city()
    w.facilitator = make.member(w.city, Role.FACILITATOR)
    w.planner = make.member(w.city, Role.PLANNER)
    w.citizen = make.member(w.city)
    w.author = make.member(w.city)
    w.process = make.process(w.city, phases=((-1, 5, ("budget_vote",)),), title="Neighbourhood budget")
    _db.session.add(Budget(process_id=w.process.id, amount=Decimal(100000), currency="KRW",
                           ballot_style="knapsack", rule="mes-add1-greedy"))
    now = datetime.now(timezone.utc)
    w.projects = []
    for title, cost in (("Bigger park", 60000), ("Bike racks", 30000), ("Library hours", 25000), ("Benches", 10000)):
        w.projects.append(make.proposal(w.process, w.author, title=title, cost=Decimal(cost), feasible=True,
                                        feasibility_reviewed_at=now))
    w.infeasible = make.proposal(w.process, w.author, title="Moon base", cost=Decimal(5000), feasible=False,
                                 feasibility_reason="Out of reach.", feasibility_reviewed_at=now)
    _db.session.commit()
    _db.session.refresh(w.process)
    return w


def _as(client, user):
    """A fresh client logged in as the user (a signed-in client stays who it was)."""
    each = client.application.test_client()
    login(each, user)
    return each


def _url(w, suffix=""):
    return f"/c/seoul/processes/{w.process.id}/budget{suffix}"


def _cast(client, w, *projects, action="cast"):
    return client.post(_url(w), data={"project": [str(p.id) for p in projects], "action": action})


def _ballot_of(user, w) -> dict[int, int]:
    rows = _db.session.execute(
        select(BudgetBallotItem.proposal_id, BudgetBallotItem.points)
        .join(BudgetBallot, BudgetBallot.id == BudgetBallotItem.ballot_id)
        .join(Participant, Participant.id == BudgetBallot.participant_id)
        .join(Membership, Membership.id == Participant.membership_id)
        .where(Membership.user_id == user.id, BudgetBallot.process_id == w.process.id)).all()
    return dict(rows)


def _close_vote(w):
    for phase in _db.session.scalars(select(Phase).where(Phase.process_id == w.process.id)):
        phase.starts_at = datetime.now(timezone.utc) - timedelta(days=10)
        phase.ends_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    _db.session.commit()


# Ballots --------------------------------------------------------------------------------------------------

def test_the_ballot_lists_only_feasible_projects_with_their_costs(client, pb):
    page = client.get(_url(pb)).get_data(as_text=True)
    for project in pb.projects:
        assert project.title in page
    assert "Moon base" not in page
    assert "₩60,000" in page and "₩100,000" in page


def test_a_citizen_casts_and_changes_a_knapsack_ballot(client, pb):
    login(client, pb.citizen)
    response = _cast(client, pb, pb.projects[1], pb.projects[2])
    assert response.status_code == 302
    assert _ballot_of(pb.citizen, pb) == {pb.projects[1].id: 1, pb.projects[2].id: 1}
    page = client.get(_url(pb)).get_data(as_text=True)
    assert "Your ballot is recorded" in page and "Change my ballot" in page
    assert _cast(client, pb, pb.projects[0], pb.projects[3]).status_code == 302
    assert _ballot_of(pb.citizen, pb) == {pb.projects[0].id: 1, pb.projects[3].id: 1}
    assert _count(BudgetBallot, BudgetBallot.process_id == pb.process.id) == 1


def test_a_ballot_over_the_budget_is_refused_and_the_choices_kept(client, pb):
    login(client, pb.citizen)
    response = _cast(client, pb, pb.projects[0], pb.projects[1], pb.projects[2])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "more than the budget" in page and "₩115,000" in page
    assert page.count("checked") == 3  # nothing lost: the voter sees what they chose
    assert _count(BudgetBallot) == 0


def test_update_the_total_shows_the_sum_without_saving(client, pb):
    login(client, pb.citizen)
    response = _cast(client, pb, pb.projects[1], pb.projects[3], action="total")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "₩40,000" in page and "₩60,000" in page  # total, and what is left
    assert _count(BudgetBallot) == 0


@pytest.mark.parametrize("data,message", [
    ({"project": ["999999"]}, "not on this ballot"),
    ({"project": ["abc"]}, "not on this ballot"),
    ({}, "Choose at least one project"),
])
def test_bad_ballots_get_a_message_and_store_nothing(client, pb, data, message):
    login(client, pb.citizen)
    response = client.post(_url(pb), data={**data, "action": "cast"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(BudgetBallot) == 0


def test_an_infeasible_project_cannot_be_voted_for(client, pb):
    login(client, pb.citizen)
    response = _cast(client, pb, pb.infeasible)
    assert response.status_code == 422 and _count(BudgetBallot) == 0


def test_minimum_share_and_project_limits(client, pb):
    pb.process.budget.min_share = Decimal("0.5")
    pb.process.budget.max_projects = 2
    _db.session.commit()
    login(client, pb.citizen)
    low = _cast(client, pb, pb.projects[3])
    assert low.status_code == 422 and "at least ₩50,000" in low.get_data(as_text=True)
    many = _cast(client, pb, pb.projects[1], pb.projects[2], pb.projects[3])
    assert many.status_code == 422 and "at most 2 projects" in many.get_data(as_text=True)
    assert _cast(client, pb, pb.projects[0]).status_code == 302


def test_cumulative_ballots_check_points(client, pb):
    budget = pb.process.budget
    budget.ballot_style, budget.points_total, budget.points_max = "cumulative", 10, 6
    _db.session.commit()
    login(client, pb.citizen)
    p = pb.projects
    too_many = client.post(_url(pb), data={f"points-{p[0].id}": "6", f"points-{p[1].id}": "5", "action": "cast"})
    assert too_many.status_code == 422 and "You gave 11 points; you have 10." in too_many.get_data(as_text=True)
    over_max = client.post(_url(pb), data={f"points-{p[0].id}": "7", "action": "cast"})
    assert over_max.status_code == 422 and "at most 6 points" in over_max.get_data(as_text=True)
    junk = client.post(_url(pb), data={f"points-{p[0].id}": "-3", "action": "cast"})
    assert junk.status_code == 422 and "whole numbers" in junk.get_data(as_text=True)
    ok = client.post(_url(pb), data={f"points-{p[0].id}": "6", f"points-{p[2].id}": "4", "action": "cast"})
    assert ok.status_code == 302
    assert _ballot_of(pb.citizen, pb) == {p[0].id: 6, p[2].id: 4}


def test_the_vote_is_closed_outside_its_round(client, make, pb):
    _close_vote(pb)
    login(client, pb.citizen)
    response = _cast(client, pb, pb.projects[1])
    assert response.status_code == 403
    assert "budget vote is not open" in response.get_data(as_text=True)
    assert _count(BudgetBallot) == 0


def test_ineligible_members_are_told_why(client, make, pb):
    pb.process.require_verified = True
    _db.session.commit()
    login(client, pb.citizen)
    page = client.get(_url(pb)).get_data(as_text=True)
    assert "Only verified residents can vote" in page
    assert _cast(client, pb, pb.projects[1]).status_code == 403
    assert _count(BudgetBallot) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, pb):
    response = _cast(client, pb, pb.projects[1])
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# Secret ballots -------------------------------------------------------------------------------------------

def test_a_secret_ballot_keeps_who_and_what_apart_and_is_final(client, pb):
    pb.process.budget.secret = True
    _db.session.commit()
    login(client, pb.citizen)
    assert _cast(client, pb, pb.projects[1], pb.projects[2]).status_code == 302
    ballot = _db.session.scalar(select(BudgetBallot))
    assert ballot.participant_id is None and ballot.updated_at is None and len(ballot.id) == 32
    assert sorted(i.proposal_id for i in ballot.items) == sorted([pb.projects[1].id, pb.projects[2].id])
    roll = _db.session.scalars(select(BudgetRollEntry)).all()
    assert len(roll) == 1 and roll[0].process_id == pb.process.id
    voted = roll[0].voted_at
    assert (voted.hour, voted.minute, voted.second, voted.microsecond) == (0, 0, 0, 0)  # the day only
    # No column of the ballot names or times the voter.
    assert set(BudgetBallot.__table__.columns.keys()) == {"id", "process_id", "participant_id", "updated_at"}
    page = client.get(_url(pb)).get_data(as_text=True)
    assert "You have cast your secret ballot" in page and "Cast my secret ballot" not in page
    again = _cast(client, pb, pb.projects[0])
    assert again.status_code == 403 and "final" in again.get_data(as_text=True)
    assert _count(BudgetBallot) == 1 and _count(BudgetRollEntry) == 1


def test_secret_and_open_ballots_count_the_same(client, make, pb):
    voters = [make.member(pb.city) for _ in range(3)]
    choices = [(0,), (1, 2), (1, 3)]
    for voter, chosen in zip(voters, choices):
        each = client.application.test_client()
        login(each, voter)
        assert _cast(each, pb, *(pb.projects[i] for i in chosen)).status_code == 302
    from app.voting import budget_services

    open_count = budget_services.count(pb.process)
    _db.session.execute(BudgetBallot.__table__.update().values(participant_id=None, updated_at=None))
    _db.session.commit()
    secret_count = budget_services.count(pb.process)
    assert secret_count.digest == open_count.digest
    assert budget_services.compute(pb.process, counted=secret_count).winner_ids == \
        budget_services.compute(pb.process, counted=open_count).winner_ids


# Results and certification ----------------------------------------------------------------------------------

def _vote_many(make, client, w, choices):
    for chosen in choices:
        each = client.application.test_client()
        login(each, make.member(w.city))
        assert _cast(each, w, *(w.projects[i] for i in chosen)).status_code == 302


def test_results_are_for_facilitators_until_the_vote_closes(client, make, pb):
    _vote_many(make, client, pb, [(0,), (0,), (1, 2)])
    login(client, pb.citizen)
    assert client.get(_url(pb, "/results")).status_code == 403
    staff = client.application.test_client()
    login(staff, pb.facilitator)
    preview = staff.get(_url(pb, "/results"))
    assert preview.status_code == 200 and "Preview for facilitators" in preview.get_data(as_text=True)


def test_results_show_the_rules_winners_and_the_comparison(client, make, pb):
    # 3 voters want the park, 2 want bike racks and library hours: equal shares gives the 2 a share too.
    _vote_many(make, client, pb, [(0,), (0,), (0,), (1, 2), (1, 2)])
    _close_vote(pb)
    page = client.get(_url(pb, "/results")).get_data(as_text=True)
    from app.voting import budget_services

    outcome = budget_services.compute(pb.process)
    expected = pb_rules.compute("mes-add1-greedy", outcome.count.instance)
    assert [outcome.count.projects[i].id for i in expected.winners] == outcome.winner_ids
    for project in outcome.winners:
        assert project.title in page
    assert "Projects not funded, and why" in page and "<svg" in page
    assert "Share of voters with at least one funded project" in page


def test_certify_freezes_the_outcome_and_publishes_the_ballots(client, make, pb):
    _vote_many(make, client, pb, [(0,), (1, 2), (1, 3), (3,)])
    login(client, pb.facilitator)
    early = client.post(_url(pb, "").replace("/processes", "/manage/processes") + "/certify")
    assert early.status_code == 302 and _count(BudgetOutcome) == 0
    _close_vote(pb)
    assert client.get(_url(pb, "/ballots.pb")).status_code == 403
    certify_url = f"/c/seoul/manage/processes/{pb.process.id}/budget/certify"
    assert client.post(certify_url).status_code == 302
    certified = _db.session.get(BudgetOutcome, pb.process.id)
    assert certified is not None and certified.ballots_counted == 4
    assert _count(AuditEvent, AuditEvent.action == "budget.certify") == 1
    # The published ballots recount to the certified outcome.
    text = client.get(_url(pb, "/ballots.pb")).get_data(as_text=True)
    parsed = pabulib.parse(text)
    assert len(parsed.votes) == 4
    recount = pb_rules.compute(certified.rule, pabulib.to_instance(parsed))
    ids = {p.external_id or str(p.id): p.id for p in pb.projects}
    assert [ids[pabulib.to_instance(parsed).project_ids[i]] for i in recount.winners] == certified.winner_ids
    assert {row["selected"] for row in parsed.projects} <= {"0", "1"}
    # Certified twice: refused.
    client.post(certify_url)
    assert _count(BudgetOutcome) == 1 and _count(AuditEvent, AuditEvent.action == "budget.certify") == 1
    # A recount on the same ballots confirms; a recount on changed ballots is refused and reported.
    recount_url = f"/c/seoul/manage/processes/{pb.process.id}/budget/recount"
    client.post(recount_url)
    assert _count(AuditEvent, AuditEvent.action == "budget.recount") == 1
    ballot = _db.session.scalars(select(BudgetBallot)).first()
    _db.session.execute(BudgetBallotItem.__table__.delete().where(BudgetBallotItem.ballot_id == ballot.id))
    _db.session.commit()
    client.post(recount_url)
    assert _count(AuditEvent, AuditEvent.action == "budget.recount_differs") == 1
    assert _db.session.get(BudgetOutcome, pb.process.id).winner_ids == certified.winner_ids
    assert "different outcome" in client.get(_url(pb, "/results")).get_data(as_text=True)


def test_only_facilitators_certify(client, make, pb):
    _close_vote(pb)
    login(client, pb.citizen)
    assert client.post(f"/c/seoul/manage/processes/{pb.process.id}/budget/certify").status_code == 403
    assert _count(BudgetOutcome) == 0


# Settings and feasibility -----------------------------------------------------------------------------------

def _settings(**changes):
    data = {"amount": "100000", "currency": "KRW", "ballot_style": "knapsack", "rule": "mes-add1-greedy"}
    data.update(changes)
    return data


def test_facilitators_set_up_a_budget_and_it_is_audited(client, make):
    city = make.city()
    facilitator = make.member(city, Role.FACILITATOR)
    process = make.process(city)
    url = f"/c/seoul/manage/processes/{process.id}/budget"
    citizen = make.member(city)
    assert _as(client, citizen).get(url).status_code == 403
    login(client, facilitator)
    assert client.post(url, data=_settings(ballot_style="approval", min_projects="1", max_projects="3")).status_code == 302
    budget = _db.session.get(Budget, process.id)
    assert budget.amount == 100000 and budget.ballot_style == "approval" and budget.max_projects == 3
    assert _count(AuditEvent, AuditEvent.action == "budget.create") == 1
    bad = client.post(url, data=_settings(ballot_style="cumulative", amount="-5"))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Say how many points" in page and "error-summary" in page


def test_the_ballot_rules_are_fixed_once_someone_voted(client, make, pb):
    login(client, pb.citizen)
    _cast(client, pb, pb.projects[1])
    client = _as(client, pb.facilitator)
    url = f"/c/seoul/manage/processes/{pb.process.id}/budget"
    refused = client.post(url, data=_settings(amount="200000"))
    assert refused.status_code == 422 and "can no longer change" in refused.get_data(as_text=True)
    assert _db.session.get(Budget, pb.process.id).amount == 100000
    assert client.post(url, data=_settings(rule="greedy")).status_code == 302
    assert _db.session.get(Budget, pb.process.id).rule == "greedy"


def test_planners_review_feasibility(client, make, pb):
    proposal = make.proposal(pb.process, pb.author, title="New playground")
    url = f"/c/seoul/manage/proposals/{proposal.id}/feasibility"
    assert _as(client, pb.facilitator).get(url).status_code == 403
    client = _as(client, pb.planner)
    no_reason = client.post(url, data={"feasible": "no", "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    no_cost = client.post(url, data={"feasible": "yes"})
    assert no_cost.status_code == 422 and "needs a cost" in no_cost.get_data(as_text=True)
    assert client.post(url, data={"feasible": "yes", "cost": "15000"}).status_code == 302
    _db.session.refresh(proposal)
    assert proposal.feasible is True and proposal.cost == 15000
    assert "New playground" in client.get(_url(pb)).get_data(as_text=True)
    review = client.get(f"/c/seoul/manage/processes/{pb.process.id}/budget/review").get_data(as_text=True)
    assert "New playground" in review and "Out of reach." in review


# Command line -----------------------------------------------------------------------------------------------

def _official(path: Path) -> set[str]:
    parsed = pabulib.parse(path.read_text(encoding="utf-8"))
    return {row["project_id"] for row in parsed.projects if row.get("selected") == "1"}


def test_pb_import_then_outcome_gives_the_official_winners(app, ctx):
    runner = app.test_cli_runner()
    path = DATA / "Netherlands_Assen_2024.pb"
    result = runner.invoke(args=["pb", "import", str(path)])
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1].removeprefix("process: ")
    process = _db.session.scalar(select(Process).where(Process.slug == slug))
    assert process.city.slug == "assen" and process.budget.rule == "mes-add1"
    assert _count(BudgetBallot, BudgetBallot.process_id == process.id) == 84
    assert _count(Participant, Participant.source == f"pabulib/{slug}") == 84
    out = runner.invoke(args=["pb", "outcome", slug, "--rule", "mes-add1", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert set(payload) == {"rule", "winners", "total_cost", "seconds"}
    assert set(payload["winners"]) == _official(path)
    assert payload["total_cost"] <= 100000
    again = runner.invoke(args=["pb", "import", str(path)])
    assert again.output.strip().splitlines()[-1] != f"process: {slug}"


def test_pb_export_reads_back_to_the_same_instance_and_profile(app, ctx, tmp_path):
    pabutools = pytest.importorskip("pabutools.election")
    runner = app.test_cli_runner()
    source = DATA / "Switzerland_Zurich_D10.pb"
    slug = runner.invoke(args=["pb", "import", str(source)]).output.strip().splitlines()[-1].split()[-1]
    target = tmp_path / "out.pb"
    assert runner.invoke(args=["pb", "export", slug, str(target)]).exit_code == 0
    original_instance, original_profile = pabutools.parse_pabulib(str(source))
    instance, profile = pabutools.parse_pabulib(str(target))
    assert instance.budget_limit == original_instance.budget_limit
    assert {(p.name, p.cost) for p in instance} == {(p.name, p.cost) for p in original_instance}

    def ballots(prof):
        return sorted(tuple(sorted((p.name, b[p]) for p in b)) for b in prof)

    assert ballots(profile) == ballots(original_profile)


def test_a_bad_pb_file_names_the_line_and_imports_nothing(app, ctx, tmp_path):
    text = (DATA / "Netherlands_Assen_2024.pb").read_text(encoding="utf-8").splitlines()
    votes_at = text.index("VOTES")
    text[votes_at + 3] += ";an extra column"  # the third vote row
    bad = tmp_path / "bad.pb"
    bad.write_text("\n".join(text), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["pb", "import", str(bad)])
    assert result.exit_code != 0
    assert f"line {votes_at + 4}" in result.output
    assert _count(Process) == 0 and _count(Proposal) == 0 and _count(BudgetBallot) == 0


# Races (PostgreSQL) -----------------------------------------------------------------------------------------

def test_fifty_simultaneous_ballots_of_one_person_leave_one_ballot(app, db, pb):
    postgres_only(db)
    pb.process.budget.max_projects = 2
    _db.session.commit()
    ids = [p.id for p in pb.projects]
    choices = [(ids[1], ids[2]), (ids[0], ids[3])]
    ballot_of = lambda index: {"project": [str(x) for x in choices[index % 2]], "action": "cast"}  # noqa: E731
    results = all_at_once(same_person_clients(app, pb.citizen, 50), posting(_url(pb), ballot_of))
    assert results == [302] * 50, results
    assert _count(BudgetBallot) == 1
    ballot = _ballot_of(pb.citizen, pb)
    assert len(ballot) == 2 and set(ballot) in (set(c) for c in choices)


def test_fifty_simultaneous_secret_ballots_of_one_person_leave_one(app, db, pb):
    postgres_only(db)
    pb.process.budget.secret = True
    _db.session.commit()
    ids = [p.id for p in pb.projects]
    ballot_of = lambda index: {"project": [str(ids[index % 4])], "action": "cast"}  # noqa: E731
    results = all_at_once(same_person_clients(app, pb.citizen, 50), posting(_url(pb), ballot_of))
    assert set(results) <= {302, 403}, results  # cast, or refused: "a secret ballot is final"
    assert _count(BudgetRollEntry) == 1 and _count(BudgetBallot) == 1 and _count(BudgetBallotItem) == 1


@pytest.mark.parametrize("name", [
    "Netherlands_Assen_2024", "Poland_Swiecie_2023", "Switzerland_Zurich_D10",
    "US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks", "Worldwide_Mechanical_Turk_Ranking_value_3",
    pytest.param("Poland_Warszawa_2023_Mokotow", marks=pytest.mark.slow),
])
def test_an_imported_file_counts_as_the_file_itself(app, ctx, name):
    """Through the database (import, then count the stored ballots) every rule gives what it gives on the file's
    own instance: nothing is lost or reordered on the way in, approval, cumulative and ordinal alike."""
    from app.voting import budget_services

    path = DATA / f"{name}.pb"
    result = app.test_cli_runner().invoke(args=["pb", "import", str(path)])
    assert result.exit_code == 0, result.output
    process = _db.session.scalar(select(Process).where(
        Process.slug == result.output.strip().splitlines()[-1].removeprefix("process: ")))
    if name.startswith("Worldwide_Mechanical_Turk"):
        assert process.budget.ballot_style == "ordinal" and process.budget.rule == "greedy"  # by Borda score
    direct = pabulib.to_instance(pabulib.parse(path.read_text(encoding="utf-8")))
    counted = budget_services.count(process)
    assert counted.ballots == direct.num_voters
    for rule in pb_rules.RULES:
        ours = budget_services.compute(process, rule, counted)
        expected = pb_rules.compute(rule, direct)
        assert [budget_services.project_key(p) for p in ours.winners] == \
            [direct.project_ids[i] for i in expected.winners], rule


# What cannot change ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    {"project": ["²"]}, {"project": ["٣"]}, {"project": ["1" * 40]},
])
def test_odd_digits_in_a_ballot_get_a_message_not_an_error(client, pb, data):
    login(client, pb.citizen)
    response = client.post(_url(pb), data={**data, "action": "cast"})
    assert response.status_code == 422 and _count(BudgetBallot) == 0


def test_odd_points_are_shown_again_with_a_message(client, pb):
    budget = pb.process.budget
    budget.ballot_style, budget.points_total = "cumulative", 10
    _db.session.commit()
    login(client, pb.citizen)
    for value in ("²", "٣", "3.5", "lots"):
        response = client.post(_url(pb), data={f"points-{pb.projects[0].id}": value, "action": "cast"})
        assert response.status_code == 422 and "whole numbers" in response.get_data(as_text=True)
        assert f'value="{value}"' in response.get_data(as_text=True)  # what they typed, kept
    assert _count(BudgetBallot) == 0


@pytest.mark.parametrize("amount", ["sNaN", "-sNaN", "NaN", "Infinity"])
def test_amounts_that_are_not_numbers_are_refused(client, make, amount):
    city = make.city()
    facilitator = make.member(city, Role.FACILITATOR)
    process = make.process(city)
    login(client, facilitator)
    response = client.post(f"/c/seoul/manage/processes/{process.id}/budget", data=_settings(amount=amount))
    assert response.status_code == 422 and "Enter an amount in numbers" in response.get_data(as_text=True)
    assert _db.session.get(Budget, process.id) is None


def test_the_ballot_is_fixed_once_someone_voted(client, make, pb):
    login(client, pb.citizen)
    assert _cast(client, pb, pb.projects[1]).status_code == 302
    planner = _as(client, pb.planner)
    url = f"/c/seoul/manage/proposals/{pb.projects[1].id}/feasibility"
    refused = planner.post(url, data={"feasible": "no", "reason": "Changed our mind."})
    assert refused.status_code == 422 and "can no longer change" in refused.get_data(as_text=True)
    _db.session.refresh(pb.projects[1])
    assert pb.projects[1].feasible is True


def test_changing_only_the_rule_is_not_a_change_of_the_ballot(client, make, pb):
    login(client, pb.citizen)
    _cast(client, pb, pb.projects[1])
    facilitator = _as(client, pb.facilitator)
    url = f"/c/seoul/manage/processes/{pb.process.id}/budget"
    # points and a least share typed for a knapsack ballot that uses no points: ignored, not a change
    response = facilitator.post(url, data=_settings(rule="greedy", points_total="7", amount="100000.001"))
    assert response.status_code == 302
    assert _db.session.get(Budget, pb.process.id).rule == "greedy"


def test_a_certified_outcome_stands_whatever_happens_later(client, make, pb):
    _vote_many(make, client, pb, [(0,), (1, 2), (1, 3), (3,)])
    _close_vote(pb)
    staff = _as(client, pb.facilitator)
    staff.post(f"/c/seoul/manage/processes/{pb.process.id}/budget/certify")
    certified = _db.session.get(BudgetOutcome, pb.process.id)
    published = client.get(_url(pb, "/ballots.pb")).get_data(as_text=True)
    assert published == certified.ballots_pb and "selected" in published
    # A winner is hidden by a moderator afterwards: the published file and the winners shown do not change.
    winner = _db.session.get(Proposal, certified.winner_ids[0])
    winner.hidden_at, winner.hidden_reason = datetime.now(timezone.utc), "Later concern."
    _db.session.commit()
    assert client.get(_url(pb, "/ballots.pb")).get_data(as_text=True) == published
    page = client.get(_url(pb, "/results")).get_data(as_text=True)
    assert "different outcome" in page and winner.title in page.split("Projects not funded")[0]
    # A new round enabling the budget vote does not reopen a certified vote.
    _db.session.add(Phase(process_id=pb.process.id, name_en="Again", starts_at=datetime.now(timezone.utc),
                          ends_at=datetime.now(timezone.utc) + timedelta(days=1)))
    _db.session.commit()
    phase = _db.session.scalar(select(Phase).where(Phase.name_en == "Again"))
    phase.set_actions(["budget_vote"])
    _db.session.commit()
    login(client, pb.citizen)
    refused = _cast(client, pb, pb.projects[2])
    assert refused.status_code == 403 and "certified" in refused.get_data(as_text=True)


def test_a_secret_vote_has_no_provisional_results(client, make, pb):
    pb.process.budget.secret = True
    _db.session.commit()
    _vote_many(make, client, pb, [(0,), (1, 2)])
    staff = _as(client, pb.facilitator)
    refused = staff.get(_url(pb, "/results"))
    assert refused.status_code == 403 and "published when the vote has closed" in refused.get_data(as_text=True)
    _close_vote(pb)
    assert staff.get(_url(pb, "/results")).status_code == 200


def test_imported_ranked_ballots_take_no_votes(client, app, make):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pb", "import", str(DATA / "Worldwide_Mechanical_Turk_Ranking_value_3.pb")])
    process = _db.session.scalar(select(Process).where(
        Process.slug == result.output.strip().splitlines()[-1].removeprefix("process: ")))
    now = datetime.now(timezone.utc)
    phase = Phase(process_id=process.id, name_en="Open", starts_at=now - timedelta(days=1),
                  ends_at=now + timedelta(days=1))
    phase.set_actions(["budget_vote"])
    _db.session.add(phase)
    _db.session.commit()
    login(client, make.member(process.city))
    url = f"/c/{process.city.slug}/processes/{process.id}/budget"
    assert "imported from another platform" in client.get(url).get_data(as_text=True)
    project = _db.session.scalar(select(Proposal).where(Proposal.process_id == process.id))
    refused = client.post(url, data={"project": [str(project.id)], "action": "cast"})
    assert refused.status_code == 403
    assert _count(BudgetBallot, BudgetBallot.process_id == process.id) == 76


@pytest.mark.single_db  # the SQLite pass: its hidden rowid is what this is about
def test_ballot_tables_keep_no_order_of_arrival_on_sqlite(db):
    """A hidden row number would follow the order of voting, and so link a secret ballot to its roll entry."""
    assert db.engine.dialect.name == "sqlite"
    from sqlalchemy import text

    for table in ("budget_ballots", "budget_ballot_items", "poll_ballots", "poll_ranks"):
        sql = _db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
        assert sql.rstrip().endswith("WITHOUT ROWID"), table
