"""Participatory budgets in a real browser: a citizen fills a knapsack ballot (with JavaScript the running total
follows each click; without it the "update the total" button asks the server), goes over the budget and is told
so with nothing lost, then casts it; after the vote a facilitator certifies the outcome. Every budget page passes
axe in English and Korean."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import Budget, BudgetBallot, BudgetOutcome, Phase, Role

pytestmark = pytest.mark.browser


@pytest.fixture
def budget_world(make, db):
    city = make.city()
    facilitator = make.member(city, Role.FACILITATOR)
    planner = make.member(city, Role.PLANNER)
    citizen = make.member(city)
    author = make.member(city)
    process = make.process(city, phases=((-1, 5, ("budget_vote",)),), title="Neighbourhood budget")
    db.session.add(Budget(process_id=process.id, amount=Decimal(100000), currency="KRW", ballot_style="knapsack",
                          rule="mes-add1-greedy"))
    now = datetime.now(timezone.utc)
    projects = [make.proposal(process, author, title=title, cost=Decimal(cost), feasible=True,
                              feasibility_reviewed_at=now)
                for title, cost in (("Bigger park", 60000), ("Bike racks", 30000), ("Library hours", 25000),
                                    ("Benches", 10000))]
    make.proposal(process, author, title="Moon base", cost=Decimal(5000), feasible=False,
                  feasibility_reason="Out of reach.", feasibility_reviewed_at=now)
    db.session.commit()
    return {"city": city, "process": process, "projects": projects, "citizen": citizen,
            "facilitator": facilitator, "planner": planner}


def _check(site, project):
    site.page.locator(f"input[name='project'][value='{project.id}']").check()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_citizen_fills_a_knapsack_ballot(open_site, budget_world, db, javascript):
    site = open_site(javascript=javascript)
    page = site.page
    w = budget_world
    site.log_in(w["citizen"])
    site.open(f"/c/seoul/processes/{w['process'].id}/budget")
    site.choose_language("en")
    total = page.locator("#running-total")
    _check(site, w["projects"][0])
    _check(site, w["projects"][1])
    _check(site, w["projects"][2])
    if javascript:
        assert "115,000" in total.inner_text() and "Over the budget" in total.inner_text()
    else:
        page.locator("button[name='action'][value='total']").click()
        page.wait_for_load_state()
        assert "Over the budget by ₩15,000" in page.locator("#running-total").inner_text()
    page.locator("button[name='action'][value='cast']").click()
    page.wait_for_load_state()
    assert "more than the budget" in page.locator(".error-summary").inner_text()
    assert page.locator("input[name='project']:checked").count() == 3  # nothing lost
    assert db.session.scalar(select(BudgetBallot)) is None
    page.locator(f"input[name='project'][value='{w['projects'][0].id}']").uncheck()
    page.locator("button[name='action'][value='cast']").click()
    page.wait_for_load_state()
    assert "Your ballot is recorded" in page.locator("main").inner_text()
    assert page.locator("input[name='project']:checked").count() == 2
    site.screenshot(f"budget-ballot-{'js' if javascript else 'nojs'}.png")
    db.session.rollback()  # a fresh snapshot: the server wrote in its own transaction
    ballot = db.session.scalar(select(BudgetBallot))
    assert sorted(i.proposal_id for i in ballot.items) == sorted(p.id for p in w["projects"][1:3])


def test_a_facilitator_certifies_after_the_vote(open_site, budget_world, db, make):
    w = budget_world
    voter_site = open_site()
    choices = ((0,), (1, 2), (1, 3))
    voters = [make.member(w["city"]) for _ in choices]  # made before the browser writes (one SQLite writer)
    for voter, chosen in zip(voters, choices):
        voter_site.page.context.clear_cookies()
        voter_site.log_in(voter)
        voter_site.open(f"/c/seoul/processes/{w['process'].id}/budget")
        for i in chosen:
            _check(voter_site, w["projects"][i])
        voter_site.page.locator("button[name='action'][value='cast']").click()
        voter_site.page.wait_for_load_state()
    db.session.rollback()
    for phase in db.session.scalars(select(Phase).where(Phase.process_id == w["process"].id)):
        phase.starts_at = datetime.now(timezone.utc) - timedelta(days=3)
        phase.ends_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    site = open_site()
    site.log_in(w["facilitator"])
    site.open(f"/c/seoul/processes/{w['process'].id}/budget/results")
    site.choose_language("en")
    site.page.locator("main form[action$='/certify'] button").click()
    site.page.wait_for_load_state()
    assert "Certified on" in site.page.locator("main").inner_text()
    assert site.page.locator("main a[href$='/ballots.pb']").count() == 1
    site.screenshot("budget-results-certified.png")
    db.session.rollback()  # a fresh snapshot: the server wrote in its own transaction
    assert db.session.get(BudgetOutcome, w["process"].id) is not None


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_budget_pages_pass_axe(open_site, budget_world, axe_source, locale, db):
    w = budget_world
    pid = w["process"].id
    proposal = w["projects"][0]
    site = open_site()
    site.log_in(w["citizen"])
    site.choose_language(locale)
    problems = []
    for path in (f"/c/seoul/processes/{pid}/budget",):
        site.open(path)
        problems += [(path, v) for v in site.axe_violations(axe_source)]
    # An over-budget ballot: the error summary.
    for p in w["projects"][:3]:
        _check(site, p)
    site.page.locator("button[name='action'][value='cast']").click()
    site.page.wait_for_load_state()
    problems += [("ballot with errors", v) for v in site.axe_violations(axe_source)]
    staff = open_site()
    staff.log_in(w["facilitator"])
    staff.choose_language(locale)
    for path in (f"/c/seoul/processes/{pid}/budget/results", f"/c/seoul/manage/processes/{pid}/budget"):
        staff.open(path)
        problems += [(path, v) for v in staff.axe_violations(axe_source)]
    planner = open_site()
    planner.log_in(w["planner"])
    planner.choose_language(locale)
    for path in (f"/c/seoul/manage/processes/{pid}/budget/review", f"/c/seoul/manage/proposals/{proposal.id}/feasibility"):
        planner.open(path)
        problems += [(path, v) for v in planner.axe_violations(axe_source)]
    assert not problems, "\n".join(f"{path}: {v['id']} {v['help']} {[n['target'] for n in v['nodes']]}"
                                   for path, v in problems)
