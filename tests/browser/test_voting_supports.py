"""Supports and resident verification in a real browser: Min-ji supports a proposal and watches the count and
the progress bar toward the next tier move, then takes her support back; a member verifies her residence with
the code the city gave her and can then support in a process for verified residents. Every page of the
capability passes axe-core in English and Korean. Elements are found by name, href and role rather than by
their text, since the Korean catalog grows independently of these tests."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.models import Role, SupportThreshold, utcnow
from tests.browser.test_accessibility import PageCase, check_page

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko")
CENSUS = "code,district,birth_year\nMP-4821-XK,mapo,1990\nJN-7733-QA,jongno,1961\n"


@pytest.fixture
def voting(make, db):
    """Seoul with a process open for supports (tiers at 2 and 4 supports, the second asking the city's answer)
    and one for verified residents of Mapo-gu only; census codes imported; a proposal waiting for an answer."""
    from datetime import timedelta

    from app.voting import residents, supports

    city = make.city()
    mapo = next(d for d in city.districts if d.code == "mapo")
    process = make.process(city, title="Seoul 2030 Green Transport", phases=(
        (-5, 10, ("propose", "comment", "support")),))
    verified_only = make.process(city, title="Mapo budget priorities", phases=((-1, 10, ("support",)),))
    verified_only.require_verified = True
    verified_only.eligible_districts = [mapo]
    verified_only.min_age = 14
    citizen = make.member(city, name="김민지")
    newcomer = make.member(city, name="Park Seo-yeon")
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    author = make.member(city, name="이도윤")
    db.session.add_all([
        SupportThreshold(process_id=process.id, supports=2, label_ko="공론장 개최", label_en="Public forum"),
        SupportThreshold(process_id=process.id, supports=4, label_ko="서울시 답변", label_en="The city answers",
                         requires_answer=True),
    ])
    owed = make.proposal(process, author, title="Night buses from Mangwon station",
                         body="Add a night bus line from Mangwon station.")
    proposal = make.proposal(process, author, title="망원동 자전거 보호 차선",  # newer: first among equals
                             body="월드컵로에 연석으로 분리된 자전거 보호 차선을 만들어 주세요.")
    local = make.proposal(verified_only, author, title="Shade trees on Mangwon-ro",
                          body="Plant shade trees along Mangwon-ro before next summer.")
    db.session.commit()

    def membership(user):
        from sqlalchemy import select

        from app.models import Membership

        return db.session.scalar(select(Membership).where(Membership.user_id == user.id))

    supports.support(membership(author), proposal)
    supports.support(membership(facilitator), owed)
    owed.answer_due_since = utcnow() - timedelta(days=6)
    residents.import_census(planner, city, CENSUS.encode())
    db.session.commit()
    return SimpleNamespace(city=city, process=process, verified_only=verified_only, proposal=proposal, local=local,
                           citizen=citizen, newcomer=newcomer, facilitator=facilitator, planner=planner,
                           mapo=mapo, membership=membership)


def _support_state(site) -> dict:
    """What the supports section shows: the count (digits in its sentence) and the progress bar."""
    section = site.page.locator("main section#supports")
    count = "".join(ch for ch in section.locator(".support-count").inner_text() if ch.isdigit())
    bar = section.locator("progress")
    return {
        "count": int(count),
        "value": int(bar.get_attribute("value")) if bar.count() else None,
        "max": int(bar.get_attribute("max")) if bar.count() else None,
        "reached": section.locator(".tiers .tier-reached").count(),
        "label": (site.page.locator(f"#{bar.get_attribute('aria-labelledby')}").inner_text()
                  if bar.count() else ""),
    }


@pytest.mark.parametrize(("locale", "javascript"), [
    pytest.param("ko", False, id="korean-no-js"),
    pytest.param("en", True, id="english-js"),
])
def test_min_ji_supports_a_proposal_and_takes_it_back(open_site, voting, locale, javascript):
    site = open_site(javascript=javascript)
    page = site.page
    proposal_path = f"/c/seoul/proposals/{voting.proposal.id}"
    site.log_in(voting.citizen)
    site.choose_language(locale)

    # From the list, sorted by the most supported, to the proposal.
    site.open(f"/c/seoul/processes/{voting.process.id}/proposals")
    page.locator("form.filters select[name='sort']").select_option("supports")
    page.locator("form.filters [type='submit']").click()
    page.wait_for_load_state()
    assert "sort=supports" in page.url
    first = page.locator("main .proposal-list .proposal-item h2 a").first
    assert first.get_attribute("href") == proposal_path, "the proposal with a support comes first"
    first.click()
    page.wait_for_load_state()
    site.assert_lang(locale)
    assert site.path == proposal_path
    before = _support_state(site)
    assert before == {"count": 1, "value": 1, "max": 2, "reached": 0, "label": before["label"]}
    assert ("공론장 개최" if locale == "ko" else "Public forum") in before["label"]

    # She supports it: the count and the bar move, and the first tier is reached.
    page.locator(f"main form[action='{proposal_path}/support'] button").click()
    page.wait_for_load_state()
    site.assert_lang(locale)
    assert site.path == proposal_path + "#supports"
    assert page.locator("main .flash-success").count() == 1
    after = _support_state(site)
    assert (after["count"], after["value"], after["max"], after["reached"]) == (2, 2, 4, 1)
    assert ("서울시 답변" if locale == "ko" else "The city answers") in after["label"]
    assert page.locator(f"main form[action='{proposal_path}/support']").count() == 0

    # …and takes it back.
    page.locator(f"main form[action='{proposal_path}/support/withdraw'] button").click()
    page.wait_for_load_state()
    site.assert_lang(locale)
    again = _support_state(site)
    assert (again["count"], again["value"], again["max"], again["reached"]) == (1, 1, 2, 0)
    assert page.locator(f"main form[action='{proposal_path}/support'] button").count() == 1


def test_a_member_verifies_her_residence_with_a_code_then_supports(open_site, voting, db):
    site = open_site(javascript=False)
    page = site.page
    local_path = f"/c/seoul/proposals/{voting.local.id}"
    site.log_in(voting.newcomer)
    site.choose_language("ko")

    # The process says who can vote; the proposal says why she cannot yet, and where to fix it.
    site.open(f"/c/seoul/processes/{voting.verified_only.id}")
    assert page.locator("main section.who-can-vote li").count() == 3
    site.open(local_path)
    assert page.locator(f"main form[action='{local_path}/support']").count() == 0
    assert page.locator("main #support-refused").count() == 1
    page.locator("main #support-refused a[href='/c/seoul/residence']").click()
    page.wait_for_load_state()
    assert site.path == "/c/seoul/residence"

    # A mistyped code is refused on the form; the code as printed (any spacing) verifies her.
    page.locator("input[name='code-code']").fill("MP-4821-XX")
    page.locator("main form[action='/c/seoul/residence/verify'] [type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("main .error-summary").count() == 1
    assert page.locator("input[name='code-code']").get_attribute("aria-invalid") == "true"
    page.locator("input[name='code-code']").fill("mp 4821 xk")
    page.locator("main form[action='/c/seoul/residence/verify'] [type='submit']").click()
    page.wait_for_load_state()
    site.assert_lang("ko")
    assert site.path == "/c/seoul/residence"
    assert page.locator("main .flash-success").count() == 1
    assert page.locator("input[name='code-code']").count() == 0
    assert page.locator("select[name='residence-district']").count() == 0, "a verified residence is the city's"
    db.session.commit()  # a fresh transaction sees what the server committed
    membership = voting.membership(voting.newcomer)
    db.session.refresh(membership)
    assert membership.verified_at is not None and membership.district_id == voting.mapo.id

    # Now she may support.
    site.open(local_path)
    page.locator(f"main form[action='{local_path}/support'] button").click()
    page.wait_for_load_state()
    assert _support_state(site)["count"] == 1


PAGES = [
    PageCase("proposal-supports", lambda w: f"/c/seoul/proposals/{w.proposal.id}", who="citizen", screenshot=True),
    PageCase("proposal-supports-refused", lambda w: f"/c/seoul/proposals/{w.local.id}", who="citizen"),
    PageCase("proposal-supports-anonymous", lambda w: f"/c/seoul/proposals/{w.proposal.id}"),
    PageCase("proposals-most-supported", lambda w: f"/c/seoul/processes/{w.process.id}/proposals?sort=supports"),
    PageCase("process-who-can-vote", lambda w: f"/c/seoul/processes/{w.verified_only.id}"),
    PageCase("manage-voting", lambda w: f"/c/seoul/manage/processes/{w.process.id}/voting", who="facilitator",
             screenshot=True),
    PageCase("manage-voting-errors", lambda w: f"/c/seoul/manage/processes/{w.process.id}/voting",
             who="facilitator", send_empty=True, form="main form[action$='/voting/tiers']", sent_status=422),
    PageCase("manage-voting-restricted", lambda w: f"/c/seoul/manage/processes/{w.verified_only.id}/voting",
             who="facilitator"),
    PageCase("tier-edit", lambda w: f"/c/seoul/manage/processes/{w.process.id}/voting/tiers/"
                                    f"{w.process.thresholds[0].id}", who="facilitator"),
    PageCase("answer-queue", lambda w: "/c/seoul/manage/answers", who="planner", screenshot=True),
    PageCase("census", lambda w: "/c/seoul/manage/residents", who="planner", screenshot=True),
    PageCase("census-errors", lambda w: "/c/seoul/manage/residents", who="planner", send_empty=True,
             sent_status=422),
    PageCase("person-verification", lambda w: f"/c/seoul/people/{w.citizen.id}", who="planner"),
    PageCase("residence", lambda w: "/c/seoul/residence", who="citizen", screenshot=True),
    PageCase("residence-errors", lambda w: "/c/seoul/residence", who="citizen", send_empty=True, sent_status=422),
]

PERSONAS = ("anonymous", "citizen", "facilitator", "planner")


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("locale", LOCALES)
def test_voting_pages_are_accessible(site, voting, axe_source, locale, who):
    cases = [case for case in PAGES if (case.who or "anonymous") == who]
    if who == "anonymous":
        site.open("/terms")
    else:
        site.log_in(getattr(voting, who))
    site.choose_language(locale)
    problems = []
    for case in cases:
        problems.extend(check_page(site, voting, axe_source, locale, case))
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)


def test_screenshots_for_people_to_look_at(site, voting, make, db):
    """The proposal page with its progress bar and the manage page, in English, for a person to look at."""
    site.log_in(voting.citizen)
    site.choose_language("en")
    site.open(f"/c/seoul/proposals/{voting.proposal.id}")
    site.page.locator("main section#supports").scroll_into_view_if_needed()
    site.screenshot("proposal-supports-en.png")
    manager = site.page.context.browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        from tests.browser.conftest import Site

        other = Site(manager.new_page(), site.base_url)
        other.log_in(voting.facilitator)
        other.choose_language("en")
        other.open(f"/c/seoul/manage/processes/{voting.verified_only.id}/voting")
        other.screenshot("manage-voting-en.png")
    finally:
        manager.close()
