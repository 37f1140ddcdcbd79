"""Plans, plan items, local targets, indicators and readings: only the city's planners and admins write them, every
change is audited, the schema's rules come back as clear form errors (a local target's code extends its global
target's code; one reading per date; no NaN). The plan item page shows what residents proposed, supported,
debated and chose, and the results, in a fixed number of queries; the SDG pages group what each city linked."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Debate,
    Indicator,
    IndicatorReading,
    LocalTarget,
    Plan,
    PlanItem,
    ProposalState,
    Result,
    Role,
    SdgTarget,
)
from app.models.voting import BudgetOutcome
from tests.conftest import login


@pytest.fixture
def world(make, db):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    plan = make.plan(seoul)
    item = plan.items[0]
    people = SimpleNamespace(
        planner=make.member(seoul, Role.PLANNER, name="So-yeon"),
        admin=make.member(seoul, Role.ADMIN),
        facilitator=make.member(seoul, Role.FACILITATOR),
        citizen=make.member(seoul, name="Min-ji"),
        other_planner=make.member(busan, Role.PLANNER, Role.ADMIN),
    )
    indicator = Indicator(plan_item_id=item.id, name_en="Protected bike lanes", unit="km",
                          baseline_value=Decimal("120"), baseline_year=2022, target_value=Decimal("300"),
                          target_year=2030)
    db.session.add(indicator)
    db.session.commit()
    return SimpleNamespace(seoul=seoul, busan=busan, plan=plan, item=item, indicator=indicator, **people.__dict__)


def _count(model, *where) -> int:
    _db.session.commit()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(action: str) -> list[AuditEvent]:
    _db.session.commit()
    return list(_db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


ITEM_FORM = {"code": "bike-parking", "title_en": "Bike parking", "title_ko": "자전거 주차", "position": "1",
             "sdg_targets": ["11.2", "3.6"]}


# Permissions ---------------------------------------------------------------------------------------------

def _manage_urls(w) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/c/seoul/manage/plans", None),
        ("GET", "/c/seoul/manage/plans/new", None),
        ("POST", "/c/seoul/manage/plans/new", {"title_en": "Seoul 2040"}),
        ("GET", f"/c/seoul/manage/plans/{w.plan.id}", None),
        ("POST", f"/c/seoul/manage/plans/{w.plan.id}/items/new", ITEM_FORM),
        ("GET", f"/c/seoul/manage/plan-items/{w.item.id}", None),
        ("GET", "/c/seoul/manage/local-targets/new", None),
        ("GET", f"/c/seoul/manage/plan-items/{w.item.id}/indicators/new", None),
        ("GET", f"/c/seoul/manage/indicators/{w.indicator.id}", None),
        ("POST", f"/c/seoul/manage/indicators/{w.indicator.id}/readings",
         {"reading-measured_on": "2025-01-01", "reading-value": "150"}),
    ]


@pytest.mark.parametrize("who,allowed", [("planner", True), ("admin", True), ("facilitator", False),
                                         ("citizen", False), ("other_planner", False)])
def test_only_the_citys_planners_and_admins_edit_plans(app, world, who, allowed):
    client = app.test_client()
    login(client, getattr(world, who))
    for method, url, data in _manage_urls(world):
        response = client.open(url, method=method, data=data)
        if allowed:
            assert response.status_code in (200, 302), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)
    if not allowed:
        assert _count(Plan) == 1 and _count(IndicatorReading) == 0 and _count(AuditEvent) == 0


def test_anonymous_visitors_are_sent_to_log_in_and_read_the_public_pages(client, world):
    for method, url, data in _manage_urls(world):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
    for url in ("/c/seoul/plans", f"/c/seoul/plans/{world.plan.id}", f"/c/seoul/plan-items/{world.item.id}",
                "/c/seoul/sdgs/11", "/sdgs/", "/sdgs/11"):
        assert client.get(url).status_code == 200, url


def test_another_citys_rows_are_not_found(app, world, make):
    busan_plan = make.plan(world.busan)
    client = app.test_client()
    login(client, world.planner)
    assert client.get(f"/c/seoul/plans/{busan_plan.id}").status_code == 404
    assert client.get(f"/c/seoul/plan-items/{busan_plan.items[0].id}").status_code == 404
    assert client.get(f"/c/seoul/manage/plan-items/{busan_plan.items[0].id}").status_code == 404
    assert client.get("/sdgs/18").status_code == 404


# Plans and plan items ------------------------------------------------------------------------------------

def test_a_planner_creates_a_plan_and_an_item_linked_to_targets_and_a_local_target(app, world, db):
    local = LocalTarget(city_id=world.seoul.id, sdg_target_code="11.2", code="11.2.SEL1", title="Bike share")
    db.session.add(local)
    db.session.commit()
    client = app.test_client()
    login(client, world.planner)
    response = client.post("/c/seoul/manage/plans/new", data={
        "title_ko": "서울 2040", "title_en": "Seoul 2040", "start_year": "2025", "end_year": "2040"})
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.title_en == "Seoul 2040"))
    assert (plan.city_id, plan.start_year, plan.end_year) == (world.seoul.id, 2025, 2040)

    response = client.post(f"/c/seoul/manage/plans/{plan.id}/items/new",
                           data={**ITEM_FORM, "local_targets": [str(local.id)]})
    assert response.status_code == 302
    db.session.commit()
    item = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id))
    assert [t.code for t in item.sdg_targets] == ["3.6", "11.2"]
    assert [t.code for t in item.local_targets] == ["11.2.SEL1"]
    created = _events("plan_item.create")[0]
    assert created.actor_id == world.planner.id and created.city_id == world.seoul.id
    assert created.changes["sdg_targets"] == ["11.2", "3.6"] and created.changes["local_targets"] == ["11.2.SEL1"]

    response = client.post(f"/c/seoul/manage/plan-items/{item.id}", data={**ITEM_FORM, "sdg_targets": ["11.2"],
                                                                           "title_en": "Bike parking at stations"})
    assert response.status_code == 302
    update = _events("plan_item.update")[0]
    assert update.changes["sdg_targets"] == [["11.2", "3.6"], ["11.2"]]
    assert update.changes["title_en"] == ["Bike parking", "Bike parking at stations"]
    assert update.changes.keys() == {"sdg_targets", "title_en", "local_targets"}
    assert [e.action for e in _events("plan.create")] == ["plan.create"]


def test_plan_forms_are_shown_again_with_their_errors(app, world, db):
    client = app.test_client()
    login(client, world.planner)
    response = client.post("/c/seoul/manage/plans/new", data={"start_year": "2030", "end_year": "2020"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write it in Korean, in English, or both." in page
    assert "The last year cannot come before the first year." in page

    response = client.post(f"/c/seoul/manage/plans/{world.plan.id}/items/new",
                           data={**ITEM_FORM, "code": "cycling-network"})
    assert response.status_code == 422
    assert "Another item of this plan has this code." in response.get_data(as_text=True)
    response = client.post(f"/c/seoul/manage/plans/{world.plan.id}/items/new", data={**ITEM_FORM, "sdg_targets": ["99.9"]})
    assert response.status_code == 422
    assert _count(PlanItem) == 1


def test_the_target_picker_groups_targets_by_goal_and_keeps_the_choice(app, world):
    client = app.test_client()
    login(client, world.planner)
    page = client.get(f"/c/seoul/manage/plan-items/{world.item.id}").get_data(as_text=True)
    assert page.count('class="goal-picker"') == 17
    assert 'id="target-11.2" value="11.2" checked' in page
    assert 'id="target-3.6" value="3.6">' in page


# Local targets -------------------------------------------------------------------------------------------

def test_a_local_target_code_must_extend_its_global_target(app, world, db):
    client = app.test_client()
    login(client, world.planner)
    for code in ("11.3.SEL1", "11.2", "11.2.", "11.2SEL1"):
        response = client.post("/c/seoul/manage/local-targets/new",
                               data={"sdg_target": "11.2", "code": code, "title": "Bike share"})
        assert response.status_code == 422, code
        assert "The code must start with 11.2. and add your own part" in response.get_data(as_text=True)
    assert _count(LocalTarget) == 0

    response = client.post("/c/seoul/manage/local-targets/new",
                           data={"sdg_target": "11.2", "code": "11.2.SEL1", "title": "Bike share"})
    assert response.status_code == 302
    target = db.session.scalar(select(LocalTarget))
    assert (target.city_id, target.sdg_target_code, target.code) == (world.seoul.id, "11.2", "11.2.SEL1")
    assert _events("local_target.create")[0].changes["code"] == "11.2.SEL1"

    response = client.post("/c/seoul/manage/local-targets/new",
                           data={"sdg_target": "11.2", "code": "11.2.SEL1", "title": "Again"})
    assert response.status_code == 422
    assert "The city has a local target with this code already." in response.get_data(as_text=True)

    response = client.post(f"/c/seoul/manage/local-targets/{target.id}",
                           data={"sdg_target": "3.6", "code": "11.2.SEL1", "title": "Bike share"})
    assert response.status_code == 422
    response = client.post(f"/c/seoul/manage/local-targets/{target.id}",
                           data={"sdg_target": "3.6", "code": "3.6.SEL1", "title": "Road deaths halved"})
    assert response.status_code == 302
    assert _events("local_target.update")[0].changes["code"] == ["11.2.SEL1", "3.6.SEL1"]


def test_the_service_refuses_a_code_that_does_not_extend_before_the_database_does(world, db):
    from app.planning import plans

    with pytest.raises(plans.CodeDoesNotExtend):
        plans.create_local_target(world.planner, world.seoul, plans.LocalTargetData("11.2", "11.20.X", "T", ""))
    assert plans.code_extends("11.a.SEL", "11.a") and not plans.code_extends("11.20.X", "11.2")


# Indicators and readings ---------------------------------------------------------------------------------

def test_a_planner_adds_an_indicator_with_an_official_sdg_indicator(app, world, db):
    client = app.test_client()
    login(client, world.planner)
    page = client.get(f"/c/seoul/manage/plan-items/{world.item.id}/indicators/new").get_data(as_text=True)
    assert 'value="11.2.1"' in page and 'value="1.1.1"' not in page
    response = client.post(f"/c/seoul/manage/plan-items/{world.item.id}/indicators/new", data={
        "name_ko": "대중교통 접근성", "unit": "%", "baseline_value": "61.5", "baseline_year": "2022",
        "target_value": "80", "target_year": "2030", "sdg_indicator": "11.2.1", "position": "1"})
    assert response.status_code == 302
    indicator = db.session.scalar(select(Indicator).where(Indicator.name_ko == "대중교통 접근성"))
    assert indicator.baseline_value == Decimal("61.5") and indicator.sdg_indicator_code == "11.2.1"
    assert _events("indicator.create")[0].changes["baseline_value"] == "61.5000"

    response = client.post(f"/c/seoul/manage/plan-items/{world.item.id}/indicators/new", data={
        "name_en": "X", "sdg_indicator": "1.1.1"})
    assert response.status_code == 422


@pytest.mark.parametrize("value", ["NaN", "nan", "sNaN", "Infinity", "-inf", "1e400", "1.23456", "abc"])
def test_a_reading_must_be_a_finite_number(app, world, value):
    client = app.test_client()
    login(client, world.planner)
    response = client.post(f"/c/seoul/manage/indicators/{world.indicator.id}/readings",
                           data={"reading-measured_on": "2025-01-01", "reading-value": value})
    assert response.status_code == 422, value
    assert _count(IndicatorReading) == 0
    for field in ("baseline_value", "target_value"):
        response = client.post(f"/c/seoul/manage/indicators/{world.indicator.id}",
                               data={"name_en": "Bike lanes", field: value})
        assert response.status_code == 422, (field, value)


def test_one_reading_per_date_with_a_clear_error(app, world, db):
    client = app.test_client()
    login(client, world.planner)
    url = f"/c/seoul/manage/indicators/{world.indicator.id}/readings"
    assert client.post(url, data={"reading-measured_on": "2025-01-01", "reading-value": "150.25",
                                  "reading-note": "Seoul Open Data"}).status_code == 302
    response = client.post(url, data={"reading-measured_on": "2025-01-01", "reading-value": "151"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This indicator has a reading on this date already." in page
    assert 'aria-invalid="true"' in page
    assert client.post(url, data={"reading-measured_on": "2026-01-01", "reading-value": "180"}).status_code == 302
    readings = list(db.session.scalars(select(IndicatorReading).order_by(IndicatorReading.measured_on)))
    assert [(r.measured_on, r.value) for r in readings] == [(date(2025, 1, 1), Decimal("150.25")),
                                                            (date(2026, 1, 1), Decimal("180"))]
    assert isinstance(readings[0].value, Decimal) and readings[0].recorded_by_id == world.planner.id
    added = _events("indicator.reading_add")
    assert [e.changes["value"] for e in added] == ["150.2500", "180.0000"]
    assert added[0].changes["measured_on"] == "2025-01-01" and added[0].target_id == world.indicator.id

    assert client.post(f"/c/seoul/manage/readings/{readings[0].id}/remove").status_code == 302
    assert _count(IndicatorReading) == 1
    assert _events("indicator.reading_remove")[0].changes["value"] == "150.2500"


def test_an_indicator_edit_is_audited_with_what_changed(app, world):
    client = app.test_client()
    login(client, world.admin)
    response = client.post(f"/c/seoul/manage/indicators/{world.indicator.id}", data={
        "name_en": "Protected bike lanes", "unit": "km", "baseline_value": "120", "baseline_year": "2022",
        "target_value": "350", "target_year": "2030", "sdg_indicator": "", "position": "0"})
    assert response.status_code == 302
    event = _events("indicator.update")[0]
    assert event.changes == {"target_value": ["300.0000", "350.0000"]} and event.actor_id == world.admin.id


# The plan item page --------------------------------------------------------------------------------------

def _populate(make, db, world, n: int):
    """n proposals linked to the item (one hidden, one a budget winner), n debates in the plan's process,
    n results linked to the item (one a parent of two children), n readings, n local targets."""
    process = make.process(world.seoul, plan=world.plan)
    proposals = []
    for i in range(n):
        proposal = make.proposal(process, world.citizen, title=f"Linked proposal {i}", support_count=i * 3)
        proposal.plan_items = [world.item]
        proposal.sdg_targets = [db.session.get(SdgTarget, "11.2")]
        proposals.append(proposal)
    hidden = make.proposal(process, world.citizen, title="Hidden proposal", hidden_reason="spam",
                           hidden_at=proposals[0].created_at)
    hidden.plan_items = [world.item]
    proposals[1].state = ProposalState.ACCEPTED
    db.session.add(BudgetOutcome(process_id=process.id, rule="greedy", winner_ids=[proposals[-1].id],
                                 total_cost=Decimal(1), ballots_counted=1, ballots_digest="x", ballots_pb=""))
    for i in range(n):
        db.session.add(Debate(process_id=process.id, title_en=f"Debate {i}"))
        result = Result(city_id=world.seoul.id, title_en=f"Result {i}", progress=Decimal(10 * (i % 10)))
        result.plan_items = [world.item]
        db.session.add(result)
        db.session.add(IndicatorReading(indicator_id=world.indicator.id, measured_on=date(2020, 1, 1) + timedelta(days=30 * i),
                                        value=Decimal(120 + i)))
        local = LocalTarget(city_id=world.seoul.id, sdg_target_code="11.2", code=f"11.2.SEL{i}", title=f"Local {i}")
        db.session.add(local)
        world.item.local_targets.append(local)
    db.session.flush()
    parent = db.session.scalar(select(Result).where(Result.title_en == "Result 0"))
    for progress in (40, 60):
        db.session.add(Result(city_id=world.seoul.id, parent_id=parent.id, title_en=f"Child {progress}",
                              progress=Decimal(progress)))
    db.session.commit()
    return proposals


def test_the_plan_item_page_shows_what_residents_said_and_chose(client, make, db, world):
    proposals = _populate(make, db, world, 3)
    page = client.get(f"/c/seoul/plan-items/{world.item.id}").get_data(as_text=True)
    for text in ("Cycling Network", "11.2", "11.2.SEL0", "Local 2", "Protected bike lanes", "120", "300", "122",
                 "Linked proposal 0", "Linked proposal 2", "Debate 0", "Debate 2", "Result 1", "Budget winner",
                 "Accepted", "<svg role=\"img\"", "Readings of Protected bike lanes", "50% done"):
        assert text in page, text
    assert "Hidden proposal" not in page
    # most supported first
    assert page.index("Linked proposal 2") < page.index("Linked proposal 1") < page.index("Linked proposal 0")
    assert f'/c/seoul/proposals/{proposals[0].id}' in page


def test_the_plan_item_page_runs_a_fixed_number_of_queries(app, make, db, world, count_queries):
    _populate(make, db, world, 2)
    client = app.test_client()
    url = f"/c/seoul/plan-items/{world.item.id}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for i in range(25):  # 25 more of everything linked to the same item
        proposal = make.proposal(make.process(world.seoul, plan=world.plan, title=f"P{i}"), world.citizen,
                                 title=f"More {i}")
        proposal.plan_items = [world.item]
        db.session.add(Debate(process_id=proposal.process_id, title_en=f"More debate {i}"))
        result = Result(city_id=world.seoul.id, title_en=f"More result {i}")
        result.plan_items = [world.item]
        db.session.add(result)
        indicator = Indicator(plan_item_id=world.item.id, name_en=f"Indicator {i}")
        indicator.readings = [IndicatorReading(measured_on=date(2021, 1, 1), value=Decimal(i)),
                              IndicatorReading(measured_on=date(2022, 1, 1), value=Decimal(i + 1))]
        db.session.add(indicator)
        db.session.add(BudgetOutcome(process_id=proposal.process_id, rule="greedy", winner_ids=[proposal.id],
                                     total_cost=Decimal(1), ballots_counted=1, ballots_digest="x", ballots_pb=""))
    db.session.commit()
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200 and "More debate 24" in response.get_data(as_text=True)
    assert many.count == few.count, (few.count, many.count)


# SDG pages -----------------------------------------------------------------------------------------------

def test_the_sdg_index_lists_the_17_goals_with_their_colours(client, world):
    page = client.get("/sdgs/").get_data(as_text=True)
    for number in range(1, 18):
        assert f'href="/sdgs/{number}"' in page
    assert 'fill="#FD9D24"' in page.upper().replace("FILL=", "fill=")  # goal 11's official orange


def test_a_goal_page_lists_each_citys_linked_rows(client, make, db, world):
    busan_plan = make.plan(world.busan, items=("harbour-ferries",))
    busan_process = make.process(world.busan, title="Busan transit")
    busan_citizen = make.member(world.busan)
    busan_proposal = make.proposal(busan_process, busan_citizen, title="Night ferry to Yeongdo")
    busan_proposal.sdg_targets = [db.session.get(SdgTarget, "11.7")]
    seoul_process = make.process(world.seoul, plan=world.plan)
    seoul_proposal = make.proposal(seoul_process, world.citizen, title="Bike lane on Worldcup-ro")
    seoul_proposal.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    off_goal = make.proposal(seoul_process, world.citizen, title="School meals")
    off_goal.sdg_targets = [db.session.get(SdgTarget, "2.1")]
    db.session.add(LocalTarget(city_id=world.seoul.id, sdg_target_code="11.2", code="11.2.SEL1",
                               title="Ttareungyi near every exit"))
    result = Result(city_id=world.busan.id, title_en="Ferry pier rebuilt", status="in_progress",
                    progress=Decimal(35))
    result.sdg_targets = [db.session.get(SdgTarget, "11.7")]
    db.session.add(result)
    db.session.commit()

    page = client.get("/sdgs/11").get_data(as_text=True)
    for text in ("Seoul", "Busan", "Cycling Network", "Harbour Ferries", "Bike lane on Worldcup-ro",
                 "Night ferry to Yeongdo", "11.2.SEL1", "Ferry pier rebuilt", "35% done", "Target 11.2",
                 "11.2.1"):
        assert text in page, text
    assert "School meals" not in page
    assert page.index("Busan") < page.index("Harbour Ferries") < page.index("Seoul")
    assert f'/c/busan/plan-items/{busan_plan.items[0].id}' in page
    assert f'/c/seoul/proposals/{seoul_proposal.id}' in page

    city_page = client.get("/c/seoul/sdgs/11").get_data(as_text=True)
    assert "Bike lane on Worldcup-ro" in city_page and "Night ferry to Yeongdo" not in city_page
    assert "Ferry pier rebuilt" not in city_page
    from app.planning.plan_routes import result_endpoint

    with client.application.test_request_context():
        endpoint = result_endpoint()
    if endpoint:  # the results helper's page, once registered
        assert f'/c/busan/results/{result.id}' in page
    assert "School meals" in client.get("/c/seoul/sdgs/2").get_data(as_text=True)


def test_a_goal_page_runs_a_fixed_number_of_queries(app, make, db, world, count_queries):
    first = make.proposal(make.process(world.seoul), world.citizen, title="First proposal")
    first.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    db.session.commit()
    client = app.test_client()
    client.get("/sdgs/11")
    with count_queries() as few:
        client.get("/sdgs/11")
    for i in range(10):
        city = make.city(slug=f"city{i}", name_en=f"City {i}", name_ko=f"도시{i}")
        make.plan(city)
        process = make.process(city, title=f"Process {i}")
        proposal = make.proposal(process, make.member(city), title=f"Proposal {i}")
        proposal.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    db.session.commit()
    with count_queries() as many:
        page = client.get("/sdgs/11").get_data(as_text=True)
    assert "Proposal 9" in page and "City 9" in page
    assert many.count == few.count, (few.count, many.count)


def test_the_city_home_links_to_its_plans(client, world):
    assert 'href="/c/seoul/plans"' in client.get("/c/seoul/").get_data(as_text=True)
