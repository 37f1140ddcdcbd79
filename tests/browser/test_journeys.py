"""Min-ji's foundation journey (JOURNEYS.md, citizen steps 1–3) in a real browser: Korean without
JavaScript, and English with it. Elements are found by name, href and role rather than by their text, since
the Korean catalog grows independently of these tests."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from app.models import Role

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


PHONE = "010-1234-5678"
PHONE_COMMENT = f"I live next to the market: call me at {PHONE} tonight and I will show you the crossing."


def test_flags_hide_a_comment_until_a_moderator_decides_and_a_spammer_is_blocked(open_site, make, db,
                                                                                green_transport):
    """English, without JavaScript, one browser context each. Three citizens flag a comment that gives a phone
    number, which hides it until a moderator looks; the moderator hides it with a reason, its author asks for a
    review, and the moderator restores it. Then the moderator blocks a spammer from the queue and lifts the
    block; the city admin finds each decision in the audit log."""
    from app.deliberation import services as deliberation

    city, process = green_transport["city"], green_transport["process"]
    assert city.flag_threshold == 3
    author = make.member(city, name="Writer")
    proposal = make.proposal(process, author, title=TITLE_EN, body=BODY_EN)
    comment = deliberation.post_comment(author, proposal, PHONE_COMMENT, "for")
    spammer = make.member(city, name="Spammer")
    spam = make.proposal(process, spammer, title="Cheap loans, call now", body="Loans for everyone, visit our shop.")
    flaggers = [make.member(city, name=f"Citizen {n}") for n in (1, 2, 3)]
    moderator = make.member(city, Role.MODERATOR, name="Moderator")
    admin = make.member(city, Role.ADMIN, name="City admin")
    db.session.commit()
    proposal_path, comment_id = f"/c/seoul/proposals/{proposal.id}", comment.id
    article = f"main article#comment-{comment_id}"
    list_path = f"/c/seoul/processes/{process.id}/proposals"

    def signed_in(user):
        site = open_site(javascript=False)
        site.log_in(user)
        site.choose_language("en")
        return site

    public = open_site(javascript=False)
    public.open(proposal_path)
    public.choose_language("en")
    assert PHONE in public.page.locator(article).inner_text()

    # Three citizens flag the comment, each through its Flag link: "Someone's personal data".
    citizens = [signed_in(flagger) for flagger in flaggers]
    for number, them in enumerate(citizens, start=1):
        them.open(proposal_path)
        them.page.locator(f"{article} a.flag-link[href='/c/seoul/flag/comment/{comment_id}']").click()
        assert them.path == f"/c/seoul/flag/comment/{comment_id}"
        choice = them.page.locator("main input[name='reason'][value='personal_data']")
        assert them.page.locator(f"label[for='{choice.get_attribute('id')}']").inner_text() == "Someone's personal data"
        choice.check()
        them.submit()
        assert them.path == f"{proposal_path}#comment-{comment_id}", them.page.locator("main").inner_text()[:500]
        assert "Moderators will look at it." in them.page.locator("main .flash-success").inner_text()
        if number >= 2:
            public.open(proposal_path)
            shown = public.page.locator(article).inner_text()
            if number == 2:
                assert PHONE in shown, "two flags of three leave it shown"
    # The third flag hides it until a moderator looks: the public reads why, not the number.
    assert "Hidden after several flags, until a moderator reviews it." in shown
    assert PHONE not in public.page.content()

    # The moderator opens Moderation from the header: the comment, its three flags, and its text, marked.
    mod = signed_in(moderator)
    mod.open("/c/seoul/")
    mod.page.locator("header a[href='/c/seoul/moderation']").click()
    assert mod.path == "/c/seoul/moderation"
    item = mod.page.locator(f"main li.queue-item:has(h2#q-comment-{comment_id})")
    assert item.count() == 1, mod.page.locator("main").inner_text()[:1000]
    assert "Hidden after several flags" in item.locator(".hidden-notice").inner_text()
    assert PHONE in item.locator(".hidden-content").inner_text()
    assert "3 open flags" in item.inner_text()
    assert item.locator("article > ul > li").count() == 3
    for n in range(3):
        assert f"Citizen {n + 1}" in item.inner_text()
    # …and hides it with a reason.
    item.locator("input[name='reason']").fill("Personal data")
    item.locator(f"form[action$='/moderation/comment/{comment_id}/hide'] [type='submit']").click()
    mod.page.wait_for_load_state()
    assert mod.path == "/c/seoul/moderation"
    assert mod.page.locator("main .flash-success").count() == 1
    assert mod.page.locator(f"main h2#q-comment-{comment_id}").count() == 0, "its flags are resolved"

    public.open(proposal_path)
    assert "Hidden by a moderator: Personal data" in public.page.locator(article).inner_text()
    assert PHONE not in public.page.content()
    assert public.page.locator(f"{article} a[href*='/review/']").count() == 0, "only the author asks for a review"
    # The moderator still reads the text, marked as hidden.
    mod.open(proposal_path)
    assert "Hidden by a moderator: Personal data" in mod.page.locator(article).inner_text()
    assert PHONE in mod.page.locator(f"{article} .prose.hidden-content").inner_text()

    # The author asks for a review from the thread.
    writer = signed_in(author)
    writer.open(proposal_path)
    assert PHONE not in writer.page.locator(article).inner_text()
    writer.page.locator(f"{article} a[href='/c/seoul/review/comment/{comment_id}']").click()
    assert writer.path == f"/c/seoul/review/comment/{comment_id}"
    assert "Hidden by a moderator: Personal data" in writer.page.locator("main").inner_text()
    writer.page.locator("main textarea[name='text']").fill("It is the number of the market office, not mine.")
    writer.submit()
    assert writer.path == f"{proposal_path}#comment-{comment_id}", writer.page.locator("main").inner_text()[:500]
    assert writer.page.locator("main .flash-success").count() == 1

    # The moderator finds the request in the queue and restores the comment.
    mod.open("/c/seoul/moderation")
    item = mod.page.locator(f"main li.queue-item:has(h2#q-comment-{comment_id})")
    assert "It is the number of the market office, not mine." in item.inner_text()
    item.locator(f"form[action$='/moderation/comment/{comment_id}/restore'] [type='submit']").click()
    mod.page.wait_for_load_state()
    assert mod.page.locator(f"main h2#q-comment-{comment_id}").count() == 0
    public.open(proposal_path)
    assert PHONE in public.page.locator(f"{article} .prose").inner_text()
    assert "Hidden" not in public.page.locator(article).inner_text()

    # A citizen flags the spammer's proposal; the moderator blocks its author from the queue.
    them = citizens[0]
    them.open(f"/c/seoul/proposals/{spam.id}")
    them.page.locator(f"main a.flag-link[href='/c/seoul/flag/proposal/{spam.id}']").click()
    them.page.locator("main input[name='reason'][value='spam']").check()
    them.submit()
    assert them.path == f"/c/seoul/proposals/{spam.id}"
    mod.open("/c/seoul/moderation")
    item = mod.page.locator(f"main li.queue-item:has(h2#q-proposal-{spam.id})")
    assert "Cheap loans, call now" in item.locator("h2").inner_text()
    item.locator(f"a[href='/c/seoul/moderation/members/{spammer.id}/block']").click()
    assert mod.path == f"/c/seoul/moderation/members/{spammer.id}/block"
    assert "Spammer" in mod.page.locator("h1").inner_text()
    mod.page.locator("main textarea[name='reason']").fill("Advertising in every process")
    mod.submit()
    assert mod.path == "/c/seoul/moderation", mod.page.locator("main").inner_text()[:500]
    unblock = f"form[action='/c/seoul/moderation/members/{spammer.id}/unblock']"
    blocked = mod.page.locator(f"main li:has({unblock})")
    assert blocked.count() == 1, mod.page.locator("main").inner_text()[-500:]
    assert "Spammer" in blocked.inner_text() and "Advertising in every process" in blocked.inner_text()
    # The public list no longer shows the spammer's proposal (and still shows the others).
    public.open(list_path)
    assert public.page.locator(f"main .proposal-list a[href='{proposal_path}']").count() == 1
    assert public.page.locator(f"main .proposal-list a[href='/c/seoul/proposals/{spam.id}']").count() == 0
    # The moderator lifts the block from the queue: the proposal is back.
    blocked.locator(f"{unblock} [type='submit']").click()
    mod.page.wait_for_load_state()
    assert mod.page.locator(f"main form[action='/c/seoul/moderation/members/{spammer.id}/unblock']").count() == 0
    assert mod.page.locator("main .flash-success").count() == 1
    public.open(list_path)
    assert public.page.locator(f"main .proposal-list a[href='/c/seoul/proposals/{spam.id}']").count() == 1

    # The city admin reads every decision in the audit log, opened from the header.
    boss = signed_in(admin)
    boss.page.locator("header a[href='/c/seoul/audit']").click()
    assert boss.path == "/c/seoul/audit"
    actions = boss.page.locator("main table tbody td code").all_inner_texts()
    for action in ("moderation.auto_hide", "moderation.hide", "moderation.restore", "moderation.block",
                   "moderation.unblock"):
        assert action in actions, f"{action} not in the audit log: {actions}"

    # In Korean, the queue declares its language.
    mod.open("/c/seoul/moderation")
    mod.choose_language("ko")
    mod.assert_lang("ko")
    assert mod.page.locator("h1").count() == 1
