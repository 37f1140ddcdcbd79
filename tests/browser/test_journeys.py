"""Min-ji's foundation journey (JOURNEYS.md, citizen steps 1–3) in a real browser: Korean without
JavaScript, and English with it. Elements are found by name, href and role rather than by their text, since
the Korean catalog grows independently of these tests."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

pytestmark = pytest.mark.browser

TITLE_KO = "망원동 자전거 보호 차선"
BODY_KO = "월드컵로에 연석으로 분리된 자전거 보호 차선을 만들어 주세요. 아이들도 안전하게 학교에 갈 수 있습니다."
TITLE_EN = "A protected bike lane in Mangwon-dong"
BODY_EN = "Build a protected bike lane on Worldcup-ro, separated from cars by kerbs, so children can ride to school."


@pytest.fixture
def green_transport(make, db):
    """Seoul with two districts, the plan item "Cycling network" (SDG 11.2) and a process open for proposals."""
    city = make.city()
    plan = make.plan(city)
    item = plan.items[0]
    item.title_en, item.title_ko = "Cycling network", "자전거 도로망"
    db.session.commit()
    process = make.process(city, plan=plan, title="Seoul 2030 Green Transport",
                           phases=((-1, 20, ("propose", "comment", "support")),))
    mapo = next(d for d in city.districts if d.code == "mapo")
    return {"city": city, "process": process, "item": item, "mapo": mapo}


@pytest.mark.parametrize(("locale", "javascript", "title", "body", "query", "item_title"), [
    pytest.param("ko", False, TITLE_KO, BODY_KO, "자전거", "자전거 도로망", id="korean-no-js"),
    pytest.param("en", True, TITLE_EN, BODY_EN, "bike lane", "Cycling network", id="english-js"),
])
def test_min_ji_registers_joins_and_proposes(open_site, outbox, green_transport, locale, javascript, title, body,
                                            query, item_title, known_password):
    site = open_site(javascript=javascript)
    page = site.page
    process, item, mapo = green_transport["process"], green_transport["item"], green_transport["mapo"]
    email_address = f"minji-{locale}@example.org"

    # 1. The home page (the only city, so its page), then her language.
    site.open("/")
    if not site.path.startswith("/c/seoul/"):  # with several cities, the home page lists them
        site.page.locator("main a[href='/c/seoul/']").first.click()
    assert site.path == "/c/seoul/", site.path
    site.choose_language(locale)
    assert page.locator(f"main a[href='/c/seoul/processes/{process.id}']").count() == 1

    # 2. Register from the city's invitation (it leads on to joining the city).
    page.locator("main a[href^='/auth/register']").first.click()
    site.assert_lang(locale)
    assert site.path.startswith("/auth/register")
    page.locator("input[name='name']").fill("김민지")
    page.locator("input[name='email']").fill(email_address)
    page.locator("input[name='password']").fill(known_password)
    page.locator("input[name='password_again']").fill(known_password)
    page.locator("input[name='accept_terms']").check()
    site.submit()
    site.assert_lang(locale)
    assert site.path == "/c/seoul/join", f"after registering: {site.path}\n{page.locator('main').inner_text()}"

    # …confirms her district and birth year.
    page.locator("select[name='district']").select_option(str(mapo.id))
    page.locator("input[name='birth_year']").fill("1990")
    site.submit()
    site.assert_lang(locale)
    assert site.path == "/c/seoul/", f"after joining: {site.path}\n{page.locator('main').inner_text()}"

    # …and confirms her e-mail address with the link she was sent.
    link = outbox.link_to(email_address, "/auth/confirm/")
    page.goto(link)
    site.assert_lang(locale)
    assert page.locator("main .flash-success").count() == 1, page.locator("main").inner_text()

    # 3. Opens the process and writes her proposal.
    site.open("/c/seoul/")
    page.locator(f"main a[href='/c/seoul/processes/{process.id}']").first.click()
    site.assert_lang(locale)
    page.locator(f"main a[href='/c/seoul/processes/{process.id}/proposals/new']").first.click()
    site.assert_lang(locale)
    assert site.path == f"/c/seoul/processes/{process.id}/proposals/new"
    assert page.locator("select[name='district']").input_value() == str(mapo.id), "her district is preselected"
    page.locator("input[name='title']").fill(title)
    page.locator("textarea[name='body']").fill(body)
    target = page.locator("input[name='sdg_targets'][value='11.2']")
    assert not target.is_visible(), "targets sit in closed <details> until their goal is opened"
    page.locator("details.goal-picker", has=target).locator("summary").click()
    target.check()
    page.locator(f"input[name='plan_items'][value='{item.id}']").check()
    page.locator("input[name='cost']").fill("250000000")
    site.submit()
    site.assert_lang(locale)

    match = re.fullmatch(r"/c/seoul/proposals/(\d+)", site.path)
    assert match, f"after publishing: {site.path}\n{page.locator('main').inner_text()}"
    assert page.locator("h1").inner_text() == title
    assert "11.2" in page.locator("main .target-list").inner_text()
    assert item_title in page.locator("main").inner_text(), "the plan item, in her language"
    assert "250,000,000" in page.locator("main .facts").inner_text()
    proposal_path = site.path

    # She sees it listed, and finds it by text.
    page.locator(f"main a[href='/c/seoul/processes/{process.id}/proposals']").first.click()
    site.assert_lang(locale)
    assert page.locator(f"main .proposal-list a[href='{proposal_path}']").inner_text() == title
    page.locator("form.filters input[name='q']").fill(query)
    page.locator("form.filters [type='submit']").click()
    page.wait_for_load_state()
    site.assert_lang(locale)
    assert "q=" in page.url
    assert page.locator(f"main .proposal-list a[href='{proposal_path}']").inner_text() == title
    page.locator("form.filters input[name='q']").fill("지하철 noise-that-matches-nothing")
    page.locator("form.filters [type='submit']").click()
    page.wait_for_load_state()
    assert page.locator(f"main .proposal-list a[href='{proposal_path}']").count() == 0


def test_anonymous_visitor_is_sent_to_log_in_before_proposing(site, green_transport):
    process = green_transport["process"]
    new_path = f"/c/seoul/processes/{process.id}/proposals/new"
    site.open(new_path)
    assert site.path.startswith("/auth/login?"), site.path
    assert "next=" in site.path and "proposals" in site.path
    assert site.page.locator("main input[name='email']").count() == 1


def test_citizen_sees_why_and_when_proposals_open(site, make):
    city = make.city()
    citizen = make.member(city)
    process = make.process(city, title="Plaza naming", phases=((-1, 2, ("comment",)), (5, 10, ("propose",))))
    opens = process.phases[1].starts_at

    site.log_in(citizen)
    site.choose_language("en")
    # The process page does not offer to write a proposal.
    site.open(f"/c/seoul/processes/{process.id}")
    assert site.page.locator(f"main a[href$='/processes/{process.id}/proposals/new']").count() == 0
    # Opening the form's address anyway: a 403 page with the reason and the date it opens.
    site.open(f"/c/seoul/processes/{process.id}/proposals/new", status=403)
    main = site.page.locator("main").inner_text()
    assert "Proposals are not open in this process right now." in main
    opening_day = opens.astimezone(ZoneInfo("Asia/Seoul")).date()
    assert _mentions_date(main, opening_day, "en"), main
    assert site.page.locator("h1").count() == 1

    # The same refusal in Korean still gives the date.
    site.choose_language("ko")
    main = site.page.locator("main").inner_text()
    assert _mentions_date(main, opening_day, "ko"), main


def _mentions_date(text: str, day, locale: str) -> bool:
    """Whether the text gives the day in any of the locale's usual formats (the page may choose any)."""
    return any(format_date(day, format=f, locale=locale) in text for f in ("short", "medium", "long", "full"))


COMMENT_KO = "차도가 좁아져서 배달 오토바이가 인도로 올라올까 걱정됩니다. 월드컵로보다 성미산로가 낫지 않을까요?"
REPLY_KO = "성미산로는 경사가 심해서 아이들이 타기 어렵습니다. 배달 오토바이는 단속으로 막을 수 있어요."


def test_two_citizens_deliberate_on_a_proposal(open_site, make, green_transport):
    """Korean, without JavaScript, one browser context each: Min-ji argues against a proposal; Seo-jun replies
    through the Reply link and finds her comment helpful; she then sees his reply under hers and the vote."""
    city, process = green_transport["city"], green_transport["process"]
    author = make.member(city, name="이도윤")
    proposal = make.proposal(process, author, title=TITLE_KO, body=BODY_KO)
    minji = make.member(city, name="김민지")
    seojun = make.member(city, name="박서준")
    proposal_path = f"/c/seoul/proposals/{proposal.id}"

    # Min-ji opens the proposal from the list and argues against it.
    her = open_site(javascript=False)
    her.log_in(minji)
    her.choose_language("ko")
    her.open(f"/c/seoul/processes/{process.id}/proposals")
    her.page.locator(f"main .proposal-list a[href='{proposal_path}']").click()
    assert her.path == proposal_path
    form = her.page.locator(f"main form[action='{proposal_path}/comments']")
    form.locator("textarea[name='body']").fill(COMMENT_KO)
    against = form.locator("input[name='stance'][value='against']")
    assert form.locator(f"label[for='{against.get_attribute('id')}']").inner_text().strip() == "반대"
    against.check()
    form.locator("[type='submit']").click()
    her.page.wait_for_load_state()
    her.assert_lang("ko")
    match = re.fullmatch(re.escape(proposal_path) + r"#comment-(\d+)", her.path)
    assert match, f"after commenting: {her.path}\n{her.page.locator('main').inner_text()[:500]}"
    comment_id = match.group(1)
    mine = her.page.locator(f"article#comment-{comment_id}")
    assert COMMENT_KO in mine.locator(".prose").inner_text()
    assert mine.locator(".stance-badge.stance-against").inner_text().strip() == "반대"
    assert mine.locator(f"form[action$='/comments/{comment_id}/vote']").count() == 0, "no votes on her own"
    # …and among the strongest arguments against, not for.
    con = her.page.locator("main section.con")
    assert con.locator(f"a[href='#comment-{comment_id}']").inner_text() == "김민지"
    assert COMMENT_KO in con.inner_text()
    assert her.page.locator(f"main section.pro a[href='#comment-{comment_id}']").count() == 0

    # Seo-jun, in his own browser, replies through the Reply link…
    his = open_site(javascript=False)
    his.log_in(seojun)
    his.choose_language("ko")
    his.open(proposal_path)
    his.page.locator(f"article#comment-{comment_id} a[href='/c/seoul/comments/{comment_id}/reply']").click()
    assert his.path == f"/c/seoul/comments/{comment_id}/reply"
    his.assert_lang("ko")
    assert COMMENT_KO in his.page.locator("main blockquote").inner_text(), "the reply page quotes her comment"
    his.page.locator("main textarea[name='body']").fill(REPLY_KO)
    his.submit()
    match = re.fullmatch(re.escape(proposal_path) + r"#comment-(\d+)", his.path)
    assert match, f"after replying: {his.path}\n{his.page.locator('main').inner_text()[:500]}"
    reply_id = match.group(1)
    # …and finds her comment helpful.
    helpful = his.page.locator(f"article#comment-{comment_id} form[action$='/comments/{comment_id}/vote']"
                               " button[name='value'][value='up']")
    assert helpful.get_attribute("aria-pressed") == "false"
    helpful.click()
    his.page.wait_for_load_state()
    assert his.path == f"{proposal_path}#comment-{comment_id}"
    pressed = his.page.locator(f"article#comment-{comment_id} form[action$='/vote'] button[aria-pressed='true']")
    assert pressed.get_attribute("value") == "clear", "pressing it again takes the vote back"

    # Min-ji comes back: his reply sits under her comment, and her comment has his vote.
    her.open(proposal_path)
    thread = her.page.locator(f"main li:has(> article#comment-{comment_id})")
    nested = thread.locator(f"details.replies[open] ol.comment-list article#comment-{reply_id}")
    assert nested.count() == 1, her.page.locator("main section.deliberation").inner_html()[:1500]
    assert "박서준" in nested.locator(".meta").inner_text()
    assert REPLY_KO in nested.locator(".prose").inner_text()
    assert her.page.locator(f"main ol.top-level > li > article#comment-{reply_id}").count() == 0
    assert _numbers(thread.locator("details.replies > summary").inner_text()) == ["1"], "1 reply"
    score = her.page.locator(f"article#comment-{comment_id} .score")
    assert score.locator("[aria-hidden=true]").inner_text().split() == ["▲", "1", "▼", "0"]
    assert _numbers(score.locator(".visually-hidden").inner_text()) == ["1", "0"], "1 up, 0 down"
    points = her.page.locator(f"main section.con li:has(a[href='#comment-{comment_id}']) .meta").inner_text()
    assert _numbers(points) == ["1"], f"1 point among the arguments against: {points}"


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)
