"""The demo city: realistic, complete, and idempotent."""
from sqlalchemy import func, select

from app.models import (
    BudgetBallot,
    BudgetOutcome,
    City,
    District,
    Membership,
    Plan,
    PollBallot,
    Process,
    Proposal,
    Role,
    RoleGrant,
    Support,
    SupportThreshold,
    User,
    utcnow,
)
from tests.conftest import login


def _counts(db):
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (City, District, User, Membership, RoleGrant, Plan, Process, Proposal, Support,
                          SupportThreshold, BudgetBallot, BudgetOutcome, PollBallot)}


def test_seed_demo_is_complete_and_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo", "--password", "demo password 2026"])
    assert first.exit_code == 0, first.output
    for role in ("citizen", "facilitator", "planner", "moderator", "admin", "platform admin"):
        assert role in first.output
    counts = _counts(db)
    assert counts["City"] == 1 and counts["District"] == 25 and counts["Process"] == 3
    assert 38 <= counts["Proposal"] <= 42
    assert counts["User"] >= 104
    assert counts["SupportThreshold"] == 2 and counts["Support"] > 100
    assert counts["BudgetBallot"] == 100 and counts["BudgetOutcome"] == 1 and counts["PollBallot"] == 80
    # The certified demo budget recounts to itself, and the supports' stored counts match the rows.
    from app.voting import budget_services

    certified = db.session.scalar(select(BudgetOutcome))
    process = db.session.get(Process, certified.process_id)
    assert budget_services.compute(process, certified.rule).winner_ids == certified.winner_ids
    stored = db.session.scalar(select(func.sum(Proposal.support_count)))
    assert stored == counts["Support"]
    second = runner.invoke(args=["seed", "demo", "--password", "demo password 2026"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert _counts(db) == counts

    seoul = db.session.scalar(select(City))
    assert sum(d.population_share for d in seoul.districts) == 1
    assert sum(b.share for b in seoul.age_bands) == 1
    now = utcnow()
    statuses = sorted(p.status_at(now) for p in db.session.scalars(select(Process)))
    assert statuses == ["active", "past", "upcoming"]
    korean = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.title.like("%자전거%")))
    assert korean >= 1
    roles = set(db.session.scalars(select(RoleGrant.role)))
    assert roles == {r.value for r in Role}

    client = app.test_client()
    login(client, "citizen@madang.example", "demo password 2026")
    page = client.get("/c/seoul/").get_data(as_text=True)
    assert "Seoul 2030 Green Transport" in page
