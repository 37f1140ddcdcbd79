"""A planner's whole round trip in a real browser (issue 6's journey): she links a citizen's proposal to a plan
item and an SDG target, answers it (accepted), tracks it as a result and posts progress; the citizen who wrote
it then finds the answer on her proposal, her proposal on the plan item's page, and the result's progress."""
from __future__ import annotations

import pytest

from app.models import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def trip(make, db):
    city = make.city()
    plan = make.plan(city, items=("cycling-network",))
    process = make.process(city, title="Seoul 2030 Green Transport")  # not tied to the plan: the planner links
    citizen = make.member(city, name="김민지")
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    proposal = make.proposal(process, citizen, title="Protected bike lane on Worldcup-ro")
    return {"plan_item": plan.items[0], "citizen": citizen, "planner": planner, "proposal": proposal}


def test_a_planner_links_answers_and_tracks_a_proposal_and_its_author_sees_it(open_site, trip):
    proposal, item = trip["proposal"], trip["plan_item"]
    proposal_path, item_path = f"/c/seoul/proposals/{proposal.id}", f"/c/seoul/plan-items/{item.id}"
    site = open_site(javascript=False)
    page = site.page
    site.log_in(trip["planner"])
    site.choose_language("en")

    # 1. Link the proposal to the plan item and to target 11.2 (from the proposal's answer section).
    site.open(proposal_path)
    page.locator(f"main a[href='/c/seoul/manage/proposals/{proposal.id}/links']").click()
    page.wait_for_load_state()
    page.locator(f"main input[name='links-plan_items'][value='{item.id}']").check()
    page.locator("main details:has(input[value='11.2']) summary").click()
    page.locator("main input[name='links-sdg_targets'][value='11.2']").check()
    site.submit()
    assert site.path == proposal_path

    # 2. Answer it: accepted, published.
    site.open(f"/c/seoul/manage/proposals/{proposal.id}/answer")
    page.locator("main input[name='state'][value='accepted']").check()
    page.locator("main textarea[name='answer']").fill("We will build it in 2027, starting at Mangwon market.")
    page.locator("main button[name='publish'], main input[name='publish']").first.click()
    page.wait_for_load_state()
    assert site.path == proposal_path + "#answer"

    # 3. Track it as a result, and post progress.
    page.locator("main form.result-from-proposal button[type='submit']").click()
    page.wait_for_load_state()
    assert site.path.endswith("/edit")
    site.submit()
    result_path = site.path
    assert result_path.startswith("/c/seoul/results/")
    page.locator("main a[href$='/update']").click()
    page.wait_for_load_state()
    page.locator("main select[name='status']").select_option("in_progress")
    page.locator("main input[name='progress']").fill("40")
    page.locator("main textarea[name='text_en']").fill("Kerbs laid on the first kilometre.")
    site.submit()

    # 4. The author sees all of it.
    author = open_site()
    author.log_in(trip["citizen"])
    author.choose_language("en")
    author.open(proposal_path)
    text = author.page.locator("main").inner_text()
    assert "We will build it in 2027" in text and "Accepted" in text and "Cycling Network" in text
    author.open(item_path)
    assert author.page.locator(f"main a[href='{proposal_path}']").count() >= 1
    author.open(result_path)
    assert author.page.locator("main progress").first.get_attribute("value") == "40.00"
    assert "Kerbs laid on the first kilometre." in author.page.locator("main").inner_text()
    author.open("/c/seoul/progress/11")
    assert "Protected bike lane on Worldcup-ro" in author.page.locator("main").inner_text()
