"""The shared vision in a real browser (JOURNEYS.md, facilitator step 4 and citizen step 9): Jae-won generates
the draft from the data, writes the narrative, publishes version 1; Min-ji reads it, follows a claim to the
statement behind it, and answers "reflects my view: partly" with a comment, without JavaScript. The vision,
the editor and the versions pages pass axe-core in English and Korean. Elements are found by name, label and
role rather than by their text where the Korean catalog may differ."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import VisionEndorsement, VisionSummary
from tests.browser.test_accessibility import error_summary_problems, summary_problems
from tests.functional.test_vision import CONSENSUS, _fresh, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


def _vision(w, suffix=""):
    return f"/c/seoul/processes/{w.process.id}/vision{suffix}"


def _publish_version_one(site, w, title="Streets for people"):
    """As a facilitator: from the empty vision page to version 1."""
    page = site.page
    site.open(_vision(w), status=404)
    page.locator(f"main a[href='{_vision(w, '/edit')}']").click()
    page.wait_for_load_state()
    assert site.path == _vision(w, "/edit")
    # The first draft loads the Korean model for the themes: seconds on a busy machine.
    page.locator(f"main form[action='{_vision(w, '/generate')}'] button").click(timeout=60_000)
    page.wait_for_load_state()
    assert site.path.startswith(_vision(w, "/edit"))
    assert page.locator("main .evidence-preview .evidence-item").count() >= 8
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Introduction").fill("우리는 **안전한** 길을 원합니다.\n\nWe want safe streets.")
    page.locator("main textarea[name='note_consensus']").fill("Shade at every bus stop: *everyone* agrees.")
    site.submit()
    assert page.locator("main .flash-success").count() == 1
    assert page.get_by_label("Title", exact=True).input_value() == title
    page.locator(f"main form[action='{_vision(w, '/publish')}'] button").click()
    page.wait_for_load_state()
    assert site.path == _vision(w)


def test_jae_won_publishes_and_min_ji_checks_a_claim_and_endorses(open_site, world):
    w = world
    staff = open_site(javascript=False)
    staff.log_in(w.facilitator)
    staff.choose_language("en")
    _publish_version_one(staff, w)
    assert staff.page.locator("h1").inner_text() == "Streets for people"
    staff.screenshot("vision-published-en.png")

    citizen = open_site(javascript=False)
    page = citizen.page
    citizen.log_in(w.citizen)
    citizen.choose_language("en")
    citizen.open(f"/c/seoul/processes/{w.process.id}")
    citizen.open(_vision(w))
    assert page.locator(".vision-introduction strong").inner_text() == "안전한"
    assert "everyone" in page.locator("#section-consensus .vision-note").inner_text()
    # The consensus claim leads to its statement.
    claim = page.locator("#section-consensus .evidence-item a").first
    assert claim.inner_text() == f"“{CONSENSUS}”"
    claim.click()
    page.wait_for_load_state()
    assert citizen.path == f"/c/seoul/statements/{w.statements[0].id}"
    assert CONSENSUS in page.locator("main").inner_text()
    page.go_back()
    page.wait_for_load_state()
    # The strongest argument for leads to its place in the thread.
    page.locator("#section-arguments .pro a").first.click()
    page.wait_for_load_state()
    assert citizen.path == f"/c/seoul/proposals/{w.bike.id}#comment-{w.strong_for.id}"
    citizen.open(_vision(w))

    # Sent without an answer: the error summary leads to the question.
    page.locator("main form.form button[type='submit'], main form.form input[type='submit']").first.click()
    page.wait_for_load_state()
    assert error_summary_problems(page) == []
    page.get_by_label("Partly").check()
    page.get_by_label("Comment (optional)").fill("Buses matter as much as bikes.")
    citizen.submit()
    assert citizen.path == _vision(w) + "#endorse"
    assert page.locator("main .flash-success").count() == 1
    assert page.get_by_label("Partly").is_checked()
    assert "1 person has answered" in page.locator("#endorse").inner_text()
    citizen.screenshot("vision-endorsed-en.png")
    _fresh()
    from app.extensions import db

    [answer] = db.session.scalars(select(VisionEndorsement)).all()
    assert (answer.value, answer.comment) == ("partly", "Buses matter as much as bikes.")

    # Jae-won reads the comment on the editor page, publishes version 2 and sees what changed.
    staff.open(_vision(w, "/edit"))
    assert "Buses matter as much as bikes." in staff.page.locator("main").inner_text()
    staff.page.get_by_label("Introduction").fill("우리는 **안전한** 길을 원합니다.\n\nWe want safe streets and buses.")
    staff.submit()
    staff.page.locator(f"main form[action='{_vision(w, '/publish')}'] button").click()
    staff.page.wait_for_load_state()
    staff.open(_vision(w, "/versions"))
    diff = staff.page.locator("main .vision-diff")
    assert diff.locator("del").inner_text().endswith("We want safe streets.")
    assert diff.locator("ins").inner_text().endswith("We want safe streets and buses.")
    staff.screenshot("vision-versions-en.png")
    _fresh()
    assert [v.version for v in db.session.scalars(select(VisionSummary).where(
        VisionSummary.version.is_not(None)).order_by(VisionSummary.version))] == [1, 2]



@pytest.mark.parametrize("locale", ["en", "ko"])
def test_vision_pages_are_accessible(open_site, world, axe_source, locale):
    w = world
    problems = []
    staff = open_site()
    staff.log_in(w.facilitator)
    staff.choose_language(locale)
    staff.open(_vision(w), status=404)
    problems += staff.page_problems(axe_source, locale)
    staff.open(_vision(w, "/edit"))
    problems += staff.page_problems(axe_source, locale)
    # The editor with form errors, then a draft with its evidence, published twice.
    staff.page.locator("main textarea[name='note_themes']").fill("x" * 5001)
    staff.page.locator("main input[name='title']").fill("")
    staff.submit()
    problems += [f"editor with errors: {p}" for p in summary_problems(staff.page)]
    problems += staff.page_problems(axe_source, locale)
    staff.page.locator(f"main form[action='{_vision(w, '/generate')}'] button").click(timeout=60_000)
    staff.page.wait_for_load_state()
    problems += staff.page_problems(axe_source, locale)
    if locale == "en":
        staff.screenshot("vision-editor-en.png")
    for _ in range(2):
        staff.page.locator(f"main form[action='{_vision(w, '/publish')}'] button").click()
        staff.page.wait_for_load_state()
        staff.open(_vision(w, "/edit"))
        staff.page.locator("main textarea[name='introduction']").fill("Changed words for the next version.")
        staff.submit()
    staff.open(_vision(w, "/versions?old=1&new=2"))
    problems += staff.page_problems(axe_source, locale)
    staff.open(_vision(w, "/versions?old=2&new=draft"))
    problems += staff.page_problems(axe_source, locale)

    citizen = open_site()
    citizen.log_in(w.citizen)
    citizen.choose_language(locale)
    citizen.open(_vision(w))
    problems += citizen.page_problems(axe_source, locale)
    citizen.screenshot(f"vision-{locale}.png")
    citizen.page.locator("#endorse form.form [type='submit']").click()
    citizen.page.wait_for_load_state()
    problems += [f"endorsement errors: {p}" for p in summary_problems(citizen.page)]
    problems += citizen.page_problems(axe_source, locale)
    citizen.open(_vision(w, "?version=1"))
    problems += citizen.page_problems(axe_source, locale)
    citizen.open(_vision(w, "/print"))
    problems += citizen.page_problems(axe_source, locale)
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)
