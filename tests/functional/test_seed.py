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
    from app.models import Practice, Replication

    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (City, District, User, Membership, RoleGrant, Plan, Process, Proposal, Support,
                          SupportThreshold, BudgetBallot, BudgetOutcome, PollBallot, Practice, Replication)}


def test_seed_demo_is_complete_and_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo", "--password", "demo password 2026"])
    assert first.exit_code == 0, first.output
    for role in ("citizen", "facilitator", "planner", "moderator", "admin", "platform admin"):
        assert role in first.output
    counts = _counts(db)
    assert counts["City"] == 2 and counts["District"] == 25 + 6 and counts["Process"] == 3 + 2
    assert 38 + 4 <= counts["Proposal"] <= 42 + 4
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

    seoul = db.session.scalar(select(City).where(City.slug == "seoul"))
    assert sum(d.population_share for d in seoul.districts) == 1
    assert sum(b.share for b in seoul.age_bands) == 1
    now = utcnow()
    statuses = sorted(p.status_at(now) for p in db.session.scalars(select(Process).where(Process.city_id == seoul.id)))
    assert statuses == ["active", "past", "upcoming"]
    korean = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.title.like("%자전거%")))
    assert korean >= 1
    roles = set(db.session.scalars(select(RoleGrant.role)))
    assert roles == {r.value for r in Role}

    client = app.test_client()
    login(client, "citizen@madang.example", "demo password 2026")
    page = client.get("/c/seoul/").get_data(as_text=True)
    assert "Seoul 2030 Green Transport" in page


def test_seed_demo_has_a_second_city_sharing_practices(app, db):
    """Busan: its own districts, census, staff, plan on targets overlapping Seoul's, an open process with
    proposals; published practices each way; one of Seoul's replicated into a Busan draft process."""
    from app.models import CensusAgeBand, PlanItem, Practice, PracticeState, Replication

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo", "--password", "demo password 2026"])
    assert result.exit_code == 0, result.output
    for email in ("busan-planner@madang.example", "busan-facilitator@madang.example", "busan-admin@madang.example"):
        assert email in result.output
    seoul = db.session.scalar(select(City).where(City.slug == "seoul"))
    busan = db.session.scalar(select(City).where(City.slug == "busan"))
    assert (seoul.country_code, seoul.region) == ("KR", "Eastern Asia") and seoul.population > 9_000_000
    assert (busan.name_ko, busan.time_zone, busan.default_locale, busan.country_code, busan.region,
            busan.population) == ("부산광역시", "Asia/Seoul", "ko", "KR", "Eastern Asia", 3_300_000)
    assert busan.colour != seoul.colour
    assert sum(d.population_share for d in busan.districts) == 1
    assert sum(b.share for b in db.session.scalars(select(CensusAgeBand).where(CensusAgeBand.city_id == busan.id))) == 1
    roles = {(m.user.email, g.role) for m in db.session.scalars(select(Membership).where(Membership.city_id == busan.id))
             for g in m.roles}
    assert roles == {("busan-planner@madang.example", "planner"), ("busan-facilitator@madang.example", "facilitator"),
                     ("busan-admin@madang.example", "admin")}
    # No Seoul staff account holds a role in Busan, nor a Busan one in Seoul.
    seoul_staff = {m.user.email for m in db.session.scalars(select(Membership).where(Membership.city_id == seoul.id))
                   if m.roles}
    assert not seoul_staff & {email for email, _ in roles}
    busan_targets = {t.code for item in db.session.scalars(select(PlanItem).join(Plan).where(Plan.city_id == busan.id))
                     for t in item.sdg_targets}
    assert {"11.2", "3.6"} <= busan_targets
    processes = db.session.scalars(select(Process).where(Process.city_id == busan.id)).all()
    assert len(processes) == 2 and all(p.phases for p in processes)
    assert db.session.scalar(select(func.count(Proposal.id)).join(Process).where(Process.city_id == busan.id)) == 4
    published = {city_id: n for city_id, n in db.session.execute(
        select(Practice.city_id, func.count(Practice.id)).where(Practice.state == PracticeState.PUBLISHED)
        .group_by(Practice.city_id))}
    assert published == {seoul.id: 3, busan.id: 2}
    from_results = db.session.scalar(select(Practice).where(Practice.source_result_id.is_not(None)))
    assert from_results.city_id == seoul.id and from_results.source_process_id is not None
    replication = db.session.scalar(select(Replication))
    assert replication.city_id == busan.id and replication.practice.city_id == seoul.id
    assert replication.process.city_id == busan.id and replication.process.phases

    client = app.test_client()
    login(client, "busan-admin@madang.example", "demo password 2026")
    assert client.get("/c/busan/manage/settings").status_code == 200
    assert client.get("/c/seoul/manage/settings").status_code == 403
    assert "Busan safe streets 2027" in client.get("/c/busan/").get_data(as_text=True)
