"""Results in a real browser: So-yeon, a planner, turns an accepted proposal into a result and posts a progress
update; Min-ji, a citizen, sees it on the city's progress page and its goal page. Every results page and form
(also sent empty) passes axe-core in English and Korean. Elements are found by name, href and role."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.models import ProposalState, Result, ResultUpdate, Role, SdgTarget, utcnow
from tests.browser.test_accessibility import PageCase, check_page

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko")


@pytest.fixture
def world(make, db):
    """Seoul with a plan, an accepted proposal serving target 11.2, and results for several goals: a parent
    with two parts (one cancelled), a completed result with a timeline, so the wheel has something to show."""
    city = make.city()
    plan = make.plan(city, items=("cycling-network",))
    process = make.process(city, plan=plan, title="Seoul 2030 Green Transport")
    citizen = make.member(city, name="김민지")
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    proposal = make.proposal(process, citizen, title="Protected bike lane on Worldcup-ro",
                             state=ProposalState.ACCEPTED)
    proposal.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    proposal.plan_items = [plan.items[0]]

    def result(title_ko, title_en, targets, progress, status="in_progress", parent=None):
        row = Result(city_id=city.id, title_ko=title_ko, title_en=title_en, status=status,
                     progress=Decimal(progress), parent_id=parent.id if parent else None,
                     starts_on=(utcnow() - timedelta(days=100)).date(), ends_on=(utcnow() + timedelta(days=200)).date())
        row.sdg_targets = [db.session.get(SdgTarget, code) for code in targets]
        db.session.add(row)
        db.session.flush()
        return row

    parent = result("안전한 통학로", "Safer school routes", ["3.6", "4.a"], 0)
    result("망원초 앞 횡단보도", "Crossing at Mangwon school", ["3.6"], 80, parent=parent)
    result("성산로 보도 확장", "Wider pavement on Seongsan-ro", ["3.6"], 10, status="cancelled", parent=parent)
    done = result("한강 자전거 도로 연결", "Han river cycle link", ["11.2", "13.2"], 100, status="completed")
    result("빗물 정원", "Rain gardens", ["6.3", "13.1", "15.1"], 35)
    result("태양광 지붕", "Solar roofs on schools", ["7.2"], 60)
    result("공공 와이파이", "Public wifi in markets", ["9.c", "17.8"], 15)
    for days, status, progress, ko, en in ((200, "planned", 0, "예산 확정", "Budget confirmed."),
                                          (90, "in_progress", 50, "공사 시작", "Works started."),
                                          (10, "completed", 100, "개통", "Opened.")):
        db.session.add(ResultUpdate(result_id=done.id, at=utcnow() - timedelta(days=days), status=status,
                                    progress=Decimal(progress), text_ko=ko, text_en=en, author_id=planner.id))
    db.session.commit()
    return SimpleNamespace(city=city, process=process, citizen=citizen, planner=planner, proposal=proposal,
                           parent=parent, done=done)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_planner_tracks_a_proposal_and_a_citizen_sees_its_progress(open_site, world, locale, db):
    site = open_site()
    site.log_in(world.planner)
    site.choose_language(locale)
    site.open(f"/c/seoul/proposals/{world.proposal.id}")
    site.page.locator("main form.result-from-proposal button[type='submit']").click()
    site.page.wait_for_load_state()
    assert "/manage/results/" in site.path and site.path.endswith("/edit")
    site.page.locator("main input[name='ends_on']").fill("2027-10-31")
    site.submit()
    result_path = site.path
    assert result_path.startswith("/c/seoul/results/")
    site.page.locator("main a[href$='/update']").click()
    site.page.wait_for_load_state()
    site.page.locator("main select[name='status']").select_option("in_progress")
    site.page.locator("main input[name='progress']").fill("40")
    site.page.locator("main textarea[name='text_en']").fill("Kerbs laid on the first kilometre.")
    site.submit()
    assert site.path == result_path + "#timeline"
    bar = site.page.locator("main progress").first
    assert bar.get_attribute("value") == "40.00" and bar.get_attribute("max") == "100"
    assert "Kerbs laid on the first kilometre." in site.page.locator("main #timeline").inner_text()

    reader = open_site(javascript=False)
    reader.log_in(world.citizen)
    reader.choose_language(locale)
    reader.open("/c/seoul/progress")
    row = reader.page.locator("main tr[data-goal='11'] td")
    assert row.nth(0).inner_text() == "2"  # the new result (through its proposal) and the cycle link
    assert row.nth(3).inner_text() == "70%"  # (40 + 100) / 2
    reader.page.locator("main svg a[href='/c/seoul/progress/11']").click()
    reader.page.wait_for_load_state()
    assert reader.path == "/c/seoul/progress/11"
    assert "Kerbs laid on the first kilometre." in reader.page.locator("main").inner_text()


PAGES = [
    PageCase("results", lambda w: "/c/seoul/results"),
    PageCase("results-filtered", lambda w: "/c/seoul/results?status=in_progress&goal=3"),
    PageCase("result", lambda w: f"/c/seoul/results/{w.done.id}"),
    PageCase("result-parent", lambda w: f"/c/seoul/results/{w.parent.id}"),
    PageCase("progress", lambda w: "/c/seoul/progress"),
    PageCase("progress-goal", lambda w: "/c/seoul/progress/3"),
    PageCase("progress-goal-empty", lambda w: "/c/seoul/progress/16"),
    PageCase("results-planner", lambda w: "/c/seoul/results", who="planner"),
    PageCase("result-planner", lambda w: f"/c/seoul/results/{w.parent.id}", who="planner"),
    PageCase("result-new", lambda w: "/c/seoul/manage/results/new", who="planner"),
    PageCase("result-new-errors", lambda w: "/c/seoul/manage/results/new", who="planner", send_empty=True,
             sent_status=422),
    PageCase("result-edit", lambda w: f"/c/seoul/manage/results/{w.done.id}/edit", who="planner"),
    PageCase("result-update", lambda w: f"/c/seoul/manage/results/{w.parent.id}/update", who="planner"),
    PageCase("result-update-errors", lambda w: f"/c/seoul/manage/results/{w.done.id}/update", who="planner",
             send_empty=True, sent_status=422),
]


@pytest.mark.parametrize("who", ("anonymous", "planner"))
@pytest.mark.parametrize("locale", LOCALES)
def test_results_pages_are_accessible(site, world, axe_source, locale, who):
    cases = [case for case in PAGES if (case.who or "anonymous") == who]
    if who == "anonymous":
        site.open("/terms")
    else:
        site.log_in(getattr(world, who))
    site.choose_language(locale)
    problems = []
    for case in cases:
        problems.extend(check_page(site, world, axe_source, locale, case))
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)


def test_screenshots_for_people_to_look_at(open_site, world):
    for locale in LOCALES:
        site = open_site()
        site.open("/terms")
        site.choose_language(locale)
        site.open("/c/seoul/progress")
        site.screenshot(f"results-progress-{locale}.png")
        site.open(f"/c/seoul/results/{world.done.id}")
        site.screenshot(f"results-result-{locale}.png")
        site.open(f"/c/seoul/results/{world.parent.id}")
        site.screenshot(f"results-parent-{locale}.png")
