"""Plans in a real browser: So-yeon, a planner, creates a plan item linked to an SDG target (picked from the
goal-grouped list, without JavaScript), adds an indicator and a reading, and residents see it on the plan item
page. The plan pages, the plan item page, /sdgs, a goal page and the planners' forms (also sent empty) pass
axe-core in English and Korean. Elements are found by name and href rather than by their text."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.models import Indicator, IndicatorReading, LocalTarget, Role, SdgTarget
from tests.browser.test_accessibility import PageCase, check_page

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko")


@pytest.fixture
def planning(make, db):
    city = make.city()
    plan = make.plan(city, items=("cycling-network", "public-transit"))
    item = plan.items[0]
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    citizen = make.member(city, name="김민지")
    process = make.process(city, plan=plan, title="Seoul 2030 Green Transport")
    proposal = make.proposal(process, citizen, title="망원동 자전거 보호 차선", support_count=12)
    proposal.plan_items = [item]
    proposal.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    local = LocalTarget(city_id=city.id, sdg_target_code="11.2", code="11.2.SEL1",
                        title="A bike-share station within 300 m of every subway exit")
    item.local_targets = [local]
    indicator = Indicator(plan_item_id=item.id, name_ko="보호 자전거도로 길이", name_en="Protected bike lanes",
                          unit="km", baseline_value=Decimal(92), baseline_year=2022, target_value=Decimal(300),
                          target_year=2030, sdg_indicator_code="11.2.1")
    indicator.readings = [IndicatorReading(measured_on=date(2023, 12, 31), value=Decimal(118)),
                          IndicatorReading(measured_on=date(2024, 12, 31), value=Decimal(141)),
                          IndicatorReading(measured_on=date(2025, 6, 30), value=Decimal(163))]
    db.session.add_all([local, indicator])
    db.session.commit()
    return SimpleNamespace(city=city, plan=plan, item=item, planner=planner, citizen=citizen, indicator=indicator,
                           local=local)


@pytest.mark.parametrize("javascript", [True, False])
def test_so_yeon_adds_a_plan_item_with_an_indicator_and_a_reading(open_site, planning, javascript):
    site = open_site(javascript=javascript)
    site.log_in(planning.planner)
    site.open(f"/c/seoul/manage/plans/{planning.plan.id}/items/new")
    page = site.page
    page.locator("main input[name='code']").fill("bike-parking")
    page.locator("main input[name='title_en']").fill("Bike parking at stations")
    page.locator("main details.goal-picker", has=page.locator("#target-11\\.2")).locator("summary").click()
    page.locator("#target-11\\.2").check()
    page.locator("main input[name='local_targets']").first.check()
    site.submit()
    assert "/manage/plan-items/" in site.path, page.locator("main").inner_text()[:500]
    page.locator(f"main a[href$='/indicators/new']").click()
    page.wait_for_load_state()
    page.locator("main input[name='name_en']").fill("Bike parking spaces")
    page.locator("main input[name='unit']").fill("spaces")
    page.locator("main input[name='baseline_value']").fill("1200")
    page.locator("main input[name='target_value']").fill("5000")
    page.locator("main select[name='sdg_indicator']").select_option("11.2.1")
    site.submit()
    assert "/manage/indicators/" in site.path
    page.locator("main input[name='reading-measured_on']").fill("2025-03-01")
    page.locator("main input[name='reading-value']").fill("1480")
    page.locator("main form[action$='/readings'] [type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("main #readings table tbody tr").count() == 1
    # the same date again: a clear error on the date field
    page.locator("main input[name='reading-measured_on']").fill("2025-03-01")
    page.locator("main input[name='reading-value']").fill("1490")
    page.locator("main form[action$='/readings'] [type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("main #reading-measured_on[aria-invalid='true']").count() == 1
    page.locator("main a[href*='/c/seoul/plan-items/']").first.click()
    page.wait_for_load_state()

    reader = open_site(javascript=javascript)
    reader.open(site.path.split("#")[0])
    text = reader.page.locator("main").inner_text()
    for expected in ("Bike parking at stations", "11.2.SEL1", "Bike parking spaces", "1,200", "1,480", "5,000",
                     "11.2.1"):
        assert expected in text, expected


PAGES = [
    PageCase("plans", lambda w: "/c/seoul/plans"),
    PageCase("plan", lambda w: f"/c/seoul/plans/{w.plan.id}"),
    PageCase("plan-item", lambda w: f"/c/seoul/plan-items/{w.item.id}", screenshot=True),
    PageCase("sdgs", lambda w: "/sdgs/", screenshot=True),
    PageCase("sdg-goal", lambda w: "/sdgs/11", screenshot=True),
    PageCase("city-sdg-goal", lambda w: "/c/seoul/sdgs/11"),
    PageCase("manage-plans", lambda w: "/c/seoul/manage/plans", who="planner"),
    PageCase("plan-new-errors", lambda w: "/c/seoul/manage/plans/new", who="planner", send_empty=True,
             sent_status=422),
    PageCase("plan-edit", lambda w: f"/c/seoul/manage/plans/{w.plan.id}", who="planner"),
    PageCase("plan-item-new", lambda w: f"/c/seoul/manage/plans/{w.plan.id}/items/new", who="planner",
             screenshot=True),
    PageCase("plan-item-new-errors", lambda w: f"/c/seoul/manage/plans/{w.plan.id}/items/new", who="planner",
             send_empty=True, sent_status=422),
    PageCase("plan-item-edit", lambda w: f"/c/seoul/manage/plan-items/{w.item.id}", who="planner"),
    PageCase("local-target-new-errors", lambda w: "/c/seoul/manage/local-targets/new", who="planner",
             send_empty=True, sent_status=422),
    PageCase("local-target-edit", lambda w: f"/c/seoul/manage/local-targets/{w.local.id}", who="planner"),
    PageCase("indicator-new-errors", lambda w: f"/c/seoul/manage/plan-items/{w.item.id}/indicators/new",
             who="planner", send_empty=True, sent_status=422),
    PageCase("indicator-edit", lambda w: f"/c/seoul/manage/indicators/{w.indicator.id}", who="planner"),
    PageCase("reading-errors", lambda w: f"/c/seoul/manage/indicators/{w.indicator.id}", who="planner",
             send_empty=True, form="main form[action$='/readings']", sent_status=422),
]


@pytest.mark.parametrize("who", ["anonymous", "planner"])
@pytest.mark.parametrize("locale", LOCALES)
def test_plan_pages_are_accessible(site, planning, axe_source, locale, who):
    cases = [case for case in PAGES if (case.who or "anonymous") == who]
    if who == "anonymous":
        site.open("/terms")
    else:
        site.log_in(getattr(planning, who))
    site.choose_language(locale)
    problems = []
    for case in cases:
        problems.extend(check_page(site, planning, axe_source, locale, case))
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)
