"""Official answers in a real browser: So-yeon, a planner, finds a proposal in the answer queue, drafts the city's
answer, comes back to it and publishes it; Min-ji, its author, sees the answer on her proposal's page and the
notification that names its new state. The answer page (also sent empty) and a proposal page with an answer
pass axe-core in English and Korean. Elements are found by name, href and value rather than by their text,
since the Korean catalog grows independently of these tests."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.models import Follow, ProposalState, Role, User, utcnow
from tests.browser.test_accessibility import PageCase, check_page

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko")
DRAFT = "We are checking the width of Worldcup-ro with the district office."
ANSWER = ("The city accepts this proposal.\n\n- Design in **2027**\n- Construction in 2028\n\n"
          "See [the cycling plan](https://seoul.go.kr/cycling).")


@pytest.fixture
def answering(make, db):
    """Seoul with a proposal owed an answer for six days (followed by a neighbour), and one already answered."""
    city = make.city()
    process = make.process(city, title="Seoul 2030 Green Transport")
    author = make.member(city, name="김민지")
    neighbour = make.member(city, name="Park Seo-yeon")
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    owed = make.proposal(process, author, title="A protected bike lane on Worldcup-ro",
                         body="Build a protected bike lane on Worldcup-ro, separated by kerbs.",
                         answer_due_since=utcnow() - timedelta(days=6), support_count=1200)
    answered = make.proposal(process, author, title="망원동 자전거 보호 차선",
                             body="월드컵로에 연석으로 분리된 자전거 보호 차선을 만들어 주세요.",
                             answer_due_since=utcnow() - timedelta(days=30), support_count=1500)
    answered.state = ProposalState.IMPLEMENTED
    answered.answer = "The lane opened in **October**. See [the report](https://seoul.go.kr/report)."
    answered.answered_at = utcnow() - timedelta(days=2)
    answered.answered_by_id = planner.id
    db.session.get(User, author.id).email_notifications = "immediate"
    db.session.add(Follow(user_id=neighbour.id, target_type="proposal", target_id=owed.id))
    db.session.commit()
    return SimpleNamespace(city=city, process=process, author=author, citizen=author, neighbour=neighbour,
                           planner=planner, owed=owed, answered=answered)


def _answer_path(proposal) -> str:
    return f"/c/seoul/manage/proposals/{proposal.id}/answer"


@pytest.mark.parametrize(("locale", "javascript"), [
    pytest.param("en", True, id="english-js"),
    pytest.param("ko", False, id="korean-no-js"),
])
def test_a_planner_drafts_then_publishes_and_the_author_reads_it(open_site, answering, db, outbox, locale,
                                                                  javascript):
    site = open_site(javascript=javascript)
    page = site.page
    answer_path = _answer_path(answering.owed)
    proposal_path = f"/c/seoul/proposals/{answering.owed.id}"
    site.log_in(answering.planner)
    site.choose_language(locale)

    # From the queue to the answer page.
    site.open("/c/seoul/manage/answers")
    page.locator(f"main table a[href='{answer_path}']").click()
    page.wait_for_load_state()
    assert site.path == answer_path
    site.assert_lang(locale)

    # A draft: saved, shown to her again, marked in the queue; nothing public yet.
    page.locator("main input[name='state'][value='evaluating']").check()
    page.locator("main textarea[name='answer']").fill(DRAFT)
    page.locator("main form.form [name='save_draft']").click()
    page.wait_for_load_state()
    assert site.path == answer_path
    assert page.locator("main .flash-success").count() == 1
    assert page.locator("main textarea[name='answer']").input_value() == DRAFT
    assert page.locator("main input[name='state'][value='evaluating']").is_checked()
    site.open("/c/seoul/manage/answers")
    row = page.locator("main table tr", has=page.locator(f"a[href='{answer_path}']"))
    assert row.locator(".draft-saved").count() == 1
    db.session.commit()
    assert db.session.scalar(_notification_count()) == 0

    # She comes back from the proposal page, changes her mind and publishes.
    site.open(proposal_path)
    page.locator(f"main section#answer a[href='{answer_path}']").click()
    page.wait_for_load_state()
    page.locator("main input[name='state'][value='accepted']").check()
    page.locator("main textarea[name='answer']").fill(ANSWER)
    page.locator("main form.form [name='publish']").click()
    page.wait_for_load_state()
    assert site.path == proposal_path + "#answer"
    site.assert_lang(locale)
    section = page.locator("main section#answer")
    assert section.locator(".state-accepted").count() == 1
    assert section.locator(".prose li").count() == 2
    assert section.locator(".prose a[href='https://seoul.go.kr/cycling']").count() == 1
    assert "So-yeon" in section.inner_text()
    site.open("/c/seoul/manage/answers")
    assert page.locator(f"main a[href='{answer_path}']").count() == 0, "an answered proposal leaves the queue"

    # Min-ji sees the answer on her proposal's page and the notification naming its new state.
    author = open_site(javascript=javascript)
    author.log_in(answering.author)
    author.choose_language(locale)
    author.open(proposal_path)
    mine = author.page.locator("main section#answer")
    assert mine.locator(".state-accepted").count() == 1 and mine.locator(".prose li").count() == 2
    assert mine.locator(f"a[href='{answer_path}']").count() == 0
    author.open("/notifications")
    notes = author.page.locator("main a[href^='/notifications/']")
    assert notes.count() == 1
    accepted = "Accepted" if locale == "en" else None
    if accepted:
        assert "Accepted" in notes.first.inner_text() and "Worldcup-ro" in notes.first.inner_text()
    notes.first.click()
    author.page.wait_for_load_state()
    assert author.path == proposal_path
    assert outbox.link_to(answering.author.email, proposal_path)  # she asked for mail at once


def _notification_count():
    from sqlalchemy import func, select

    from app.models import Notification

    return select(func.count(Notification.id))


PAGES = [
    PageCase("answer-form", lambda w: _answer_path(w.owed), who="planner", screenshot=True),
    PageCase("answer-form-errors", lambda w: _answer_path(w.owed), who="planner", send_empty=True,
             sent_status=422),
    PageCase("answer-form-revise", lambda w: _answer_path(w.answered), who="planner"),
    PageCase("answer-links", lambda w: f"/c/seoul/manage/proposals/{w.owed.id}/links", who="planner"),
    PageCase("proposal-owed-planner", lambda w: f"/c/seoul/proposals/{w.owed.id}", who="planner"),
    PageCase("proposal-answered", lambda w: f"/c/seoul/proposals/{w.answered.id}", who="citizen",
             screenshot=True),
    PageCase("proposal-answered-anonymous", lambda w: f"/c/seoul/proposals/{w.answered.id}"),
    PageCase("proposal-owed", lambda w: f"/c/seoul/proposals/{w.owed.id}"),
]

PERSONAS = ("anonymous", "citizen", "planner")


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("locale", LOCALES)
def test_answer_pages_are_accessible(site, answering, axe_source, locale, who):
    cases = [case for case in PAGES if (case.who or "anonymous") == who]
    if who == "anonymous":
        site.open("/terms")
    else:
        site.log_in(getattr(answering, who))
    site.choose_language(locale)
    problems = []
    for case in cases:
        problems.extend(check_page(site, answering, axe_source, locale, case))
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)


def test_screenshots_for_people_to_look_at(open_site, answering, db):
    """The answer page with a draft, and a proposal page with its answer, in English."""
    owed = answering.owed
    owed.answer_draft, owed.answer_draft_state = DRAFT, ProposalState.EVALUATING
    db.session.commit()
    planner = open_site()
    planner.log_in(answering.planner)
    planner.choose_language("en")
    planner.open(_answer_path(owed))
    planner.screenshot("answer-form-en.png")
    planner.open(f"/c/seoul/proposals/{owed.id}")
    planner.page.locator("main section#answer").scroll_into_view_if_needed()
    planner.screenshot("proposal-owed-planner-en.png")
    citizen = open_site()
    citizen.log_in(answering.citizen)
    citizen.choose_language("en")
    citizen.open(f"/c/seoul/proposals/{answering.answered.id}")
    citizen.page.locator("main section#answer").scroll_into_view_if_needed()
    citizen.screenshot("proposal-answered-en.png")
