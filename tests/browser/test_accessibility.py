"""Every foundation, deliberation and moderation page, in English and in Korean, passes axe-core (WCAG 2.1 A/AA
and best practices), has exactly one <h1>, a skip link that moves focus to #main, and <html lang> matching the
chosen language. Forms sent empty must answer with their error summary as an alert whose links reach the fields.

One test per (language, persona): the persona logs in once through the form and visits its pages, and the
test reports the problems of every page together. To check a new page, add a PageCase to PAGES."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest

from app.models import Role, SdgTarget

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko")


@dataclass
class World:
    city: object
    process: object
    closed_process: object
    phase: object
    proposal: object
    citizen: object
    outsider: object
    facilitator: object
    admin: object
    thread: "Thread"
    moderation: "Moderated"


@dataclass
class Thread:
    """The deliberation rows the pages below show."""
    proposal: object  # a proposal with a thread: stances, replies to depth 3, a deleted comment, votes
    debate: object  # a debate with named sides and its own thread
    replied_to: object  # a comment of the facilitator's that the citizen can reply to
    editable: object  # the citizen's own comment, still in its edit window


def build_threads(make, db, process, citizen, facilitator, admin) -> Thread:
    """Comments in both languages (with Markdown), every stance, three levels of replies, a deleted comment
    that keeps its reply, and up and down votes; plus a debate with named sides and a small thread."""
    from app.deliberation import services
    from app.models import utcnow

    proposal = make.proposal(process, admin, title="망원시장 앞 보행자 우선 도로",
                             body="주말 오후에는 망원시장 앞 도로를 보행자 우선 도로로 운영해 주세요.")

    def post(author, target, body, stance=None, parent=None):
        return services.post_comment(author, target, body, stance, parent=parent,
                                     levels=target.process.city.comment_levels)

    pro = post(facilitator, proposal, "보행자가 많아서 꼭 필요합니다. **시장 상인**들도 대부분 찬성합니다.", "for")
    con = post(admin, proposal, "Delivery trucks need this street every morning; close it only after 11:00.", "against")
    depth1 = post(citizen, proposal, "주말에만 시행하면 어떨까요? [안내 지도](https://example.org/map)도 있으면 좋겠어요.",
                  "against", parent=pro)
    depth2 = post(admin, proposal, "A weekend trial first would give us data on footfall.", "neutral", parent=depth1)
    post(facilitator, proposal, "좋은 생각입니다. 석 달 시범 운영을 제안하겠습니다.", parent=depth2)
    gone = post(citizen, proposal, "잘못 올린 댓글입니다.", "for")
    post(facilitator, proposal, "The comment above was removed, but this reply stays in place.", "neutral", parent=gone)
    editable = post(citizen, proposal, "- 횡단보도를 하나 더\n- 자전거 주차대도 함께")
    db.session.flush()
    services.delete_comment(gone)
    for voter, comment, value in ((citizen, pro, 1), (admin, pro, 1), (citizen, con, -1), (facilitator, con, 1),
                                  (facilitator, depth1, 1), (admin, editable, -1)):
        services.vote_on_comment(voter, comment, value)

    debate = services.create_debate(facilitator, process, services.DebateData(
        title_ko="망원한강공원 주차장을 공원으로 바꿀까요?",
        title_en="Should the Mangwon Hangang Park car park become parkland?",
        description_ko="주차면 **120곳**을 없애고 나무를 심는 안입니다.",
        description_en="The plan removes **120** parking spaces and plants trees.",
        side_for_ko="공원으로 바꾸기", side_for_en="Make it a park",
        side_against_ko="주차장 유지", side_against_en="Keep the car park",
        closes_at=utcnow() + timedelta(days=7),
    ))
    db.session.flush()
    park = post(citizen, debate, "아이들이 뛰어놀 곳이 더 필요합니다.", "for")
    post(admin, debate, "Families from other districts arrive by car; keep at least half of the spaces.", "against")
    post(facilitator, debate, "Both sides could meet halfway.", "neutral", parent=park)
    services.vote_on_comment(admin, park, 1)
    db.session.commit()
    return Thread(proposal=proposal, debate=debate, replied_to=pro, editable=editable)


@dataclass
class Moderated:
    """The moderation rows the pages below show. The citizen is the city's moderator; the facilitator writes."""
    proposal: object  # the facilitator's proposal, whose thread holds the three comments below
    hidden: object  # the facilitator's comment, hidden by a moderator; its author asked for a review
    pending: object  # a comment hidden by three flags until a moderator looks
    flagged: object  # a comment with two open flags, still shown
    hidden_proposal: object  # the facilitator's proposal, hidden by a moderator
    blocked: object  # a member blocked in the city…
    blocked_proposal: object  # …whose proposal reads as hidden
    blockable: object  # a member the moderator may block


def build_moderation(make, db, city, process, moderator, author, admin) -> Moderated:
    """A queue with open flags, an item hidden by flags, a review request and a blocked member; a thread with
    hidden comments; a hidden proposal, and the proposal of a blocked member."""
    from app.deliberation import services as deliberation
    from app.models import Membership
    from app.moderation import services

    proposal = make.proposal(process, author, title="망원역 심야 버스 노선",
                             body="망원역에서 출발하는 심야 버스 노선을 하나 더 만들어 주세요.")

    def post(who, body, stance):
        return deliberation.post_comment(who, proposal, body, stance, levels=city.comment_levels)

    hidden = post(author, "밤에 버스를 기다리는 분은 010-1234-5678로 전화 주세요.", "for")
    pending = post(admin, "Whoever wrote this proposal has clearly never taken a bus at night.", "against")
    flagged = post(admin, "Night buses already run every 20 minutes on this line.", "against")
    post(moderator, "심야에 일하는 분들에게 꼭 필요한 노선입니다.", "for")
    flaggers = [make.member(city, name=name) for name in ("이서연", "Daniel", "박지호")]
    for person, reason in zip(flaggers, ("offensive", "offensive", "other")):
        services.flag(person, pending, reason, "사람을 비난하는 댓글입니다." if reason == "other" else "",
                      city.flag_threshold)
    for person in flaggers[:2]:
        services.flag(person, flagged, "off_topic", "", city.flag_threshold)
    services.hide(moderator, hidden, "Personal data")
    services.request_review(author, hidden, "It is the number of the bus company's help line, not a person's.")

    hidden_proposal = make.proposal(process, author, title="Free parking for my shop's customers",
                                    body="Visit our shop at Mangwon market for the best prices in town.")
    services.hide(moderator, hidden_proposal, "Advertising")
    blocked = make.member(city, name="Spammer")
    blocked_proposal = make.proposal(process, blocked, title="Cheap loans, call now",
                                     body="Loans for everyone, visit our office today.")
    services.block(moderator, db.session.query(Membership).filter_by(user_id=blocked.id, city_id=city.id).one(),
                   "Advertising in every process")
    db.session.commit()
    assert pending.hidden_reason == services.PENDING_REVIEW and flagged.hidden_at is None
    return Moderated(proposal=proposal, hidden=hidden, pending=pending, flagged=flagged,
                     hidden_proposal=hidden_proposal, blocked=blocked, blocked_proposal=blocked_proposal,
                     blockable=flaggers[0])


@pytest.fixture
def world(make, db) -> World:
    """A city with a plan, a process in its second of three rounds (proposals open), a process whose
    proposal round has not started, proposals with SDG targets, people in every role, and audit events."""
    from app.cities import services as city_services
    from app.models import Membership

    city = make.city()
    plan = make.plan(city)
    process = make.process(city, plan=plan, title="Seoul 2030 Green Transport", phases=(
        (-20, -10, ("propose",)),
        (-10, 10, ("propose", "comment", "support")),
        (10, 20, ("budget_vote",)),
    ))
    closed = make.process(city, title="Naming the new plaza", phases=((-1, 2, ("comment",)), (5, 10, ("propose",))))
    citizen = make.member(city, name="김민지")
    outsider = make.user(name="Visitor")
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    admin = make.member(city, Role.ADMIN, name="Admin")
    target = db.session.get(SdgTarget, "11.2")
    proposal = make.proposal(process, citizen, title="망원동 자전거 보호 차선", district_id=city.districts[0].id,
                             cost=250_000_000)
    proposal.sdg_targets = [target, db.session.get(SdgTarget, "3.6")]
    proposal.plan_items = list(plan.items)
    other = make.proposal(process, facilitator, title="More benches along the Hangang")
    other.sdg_targets = [db.session.get(SdgTarget, "11.7")]
    db.session.commit()
    for person, role in ((citizen, Role.MODERATOR), (facilitator, Role.PLANNER)):
        membership = db.session.query(Membership).filter_by(user_id=person.id, city_id=city.id).one()
        city_services.grant_role(admin, membership, role)
    db.session.commit()
    thread = build_threads(make, db, process, citizen, facilitator, admin)
    moderated = build_moderation(make, db, city, process, citizen, facilitator, admin)
    return World(city=city, process=process, closed_process=closed, phase=process.phases[1], proposal=proposal,
                 citizen=citizen, outsider=outsider, facilitator=facilitator, admin=admin, thread=thread,
                 moderation=moderated)


@dataclass(frozen=True)
class PageCase:
    name: str
    path: Callable[[World], str]
    who: str | None = None  # an attribute of World: the person logged in
    status: int = 200
    screenshot: bool = False
    send_empty: bool = False  # submit the main form empty, to check the page with its error messages
    form: str = "main form.form"  # the form send_empty submits (its first submit button)
    check: str | None = None  # a radio button or checkbox send_empty checks first (the form is otherwise empty)
    sent_status: int | None = None  # the status the empty form must answer with, when it matters


PAGES = [
    PageCase("city-home", lambda w: "/c/seoul/", screenshot=True),
    PageCase("city-home-member", lambda w: "/c/seoul/", who="citizen"),
    PageCase("process", lambda w: f"/c/seoul/processes/{w.process.id}", who="citizen"),
    PageCase("proposals", lambda w: f"/c/seoul/processes/{w.process.id}/proposals"),
    PageCase("proposals-search", lambda w: f"/c/seoul/processes/{w.process.id}/proposals?q=zzz&goal=11&sort=oldest"),
    PageCase("proposal", lambda w: f"/c/seoul/proposals/{w.proposal.id}", who="citizen"),
    PageCase("proposal-new", lambda w: f"/c/seoul/processes/{w.process.id}/proposals/new", who="citizen",
             screenshot=True),
    PageCase("proposal-new-errors", lambda w: f"/c/seoul/processes/{w.process.id}/proposals/new", who="citizen",
             send_empty=True),
    PageCase("join", lambda w: "/c/seoul/join", who="outsider"),
    PageCase("login", lambda w: "/auth/login"),
    PageCase("register", lambda w: "/auth/register"),
    PageCase("register-errors", lambda w: "/auth/register", send_empty=True),
    PageCase("reset-request", lambda w: "/auth/reset"),
    PageCase("account", lambda w: "/auth/account", who="citizen"),
    PageCase("change-password", lambda w: "/auth/password", who="citizen"),
    PageCase("notifications", lambda w: "/notifications", who="citizen"),
    PageCase("person", lambda w: f"/c/seoul/people/{w.thread.proposal.author_id}"),
    PageCase("terms", lambda w: "/terms"),
    PageCase("privacy", lambda w: "/privacy"),
    PageCase("not-found", lambda w: "/c/seoul/processes/999999", status=404),
    PageCase("forbidden", lambda w: f"/c/seoul/processes/{w.closed_process.id}/proposals/new", who="citizen",
             status=403),
    PageCase("manage-dashboard", lambda w: "/c/seoul/manage/", who="facilitator"),
    PageCase("process-edit", lambda w: f"/c/seoul/manage/processes/{w.process.id}", who="facilitator"),
    PageCase("phase-edit", lambda w: f"/c/seoul/manage/phases/{w.phase.id}", who="facilitator"),
    PageCase("roles", lambda w: "/c/seoul/roles", who="admin"),
    PageCase("audit-log", lambda w: "/c/seoul/audit", who="admin"),
    # Deliberation: a proposal's thread (read by a visitor, and by a member who can vote, reply, edit and
    # delete), a debate with named sides (to a member, to a non-member, to its facilitator), the reply and
    # edit pages, the debate forms, and the thread's form sent empty (422 with its error summary).
    PageCase("thread-anonymous", lambda w: f"/c/seoul/proposals/{w.thread.proposal.id}"),
    PageCase("thread", lambda w: f"/c/seoul/proposals/{w.thread.proposal.id}", who="citizen", screenshot=True),
    PageCase("thread-errors", lambda w: f"/c/seoul/proposals/{w.thread.proposal.id}", who="citizen",
             send_empty=True, form="main form[action$='/comments']", sent_status=422),
    PageCase("comment-reply", lambda w: f"/c/seoul/comments/{w.thread.replied_to.id}/reply", who="citizen"),
    PageCase("comment-edit", lambda w: f"/c/seoul/comments/{w.thread.editable.id}/edit", who="citizen"),
    PageCase("debate", lambda w: f"/c/seoul/debates/{w.thread.debate.id}", who="citizen"),
    PageCase("debate-outsider", lambda w: f"/c/seoul/debates/{w.thread.debate.id}", who="outsider"),
    PageCase("debate-facilitator", lambda w: f"/c/seoul/debates/{w.thread.debate.id}", who="facilitator"),
    PageCase("debate-new", lambda w: f"/c/seoul/processes/{w.process.id}/debates/new", who="facilitator"),
    PageCase("debate-new-errors", lambda w: f"/c/seoul/processes/{w.process.id}/debates/new", who="facilitator",
             send_empty=True),
    PageCase("debate-edit", lambda w: f"/c/seoul/debates/{w.thread.debate.id}/edit", who="facilitator"),
    # Moderation: the queue (open flags, an item hidden by flags, a review request, a blocked member) and its
    # forms, to the moderator; a thread with hidden comments and a hidden proposal, to the public, to the
    # moderator (who reads the hidden text, marked) and to their author (who may ask for a review).
    PageCase("moderation-queue", lambda w: "/c/seoul/moderation", who="citizen", screenshot=True),
    PageCase("flag", lambda w: f"/c/seoul/flag/comment/{w.moderation.flagged.id}", who="citizen"),
    PageCase("flag-errors", lambda w: f"/c/seoul/flag/comment/{w.moderation.flagged.id}", who="citizen",
             send_empty=True, check="input[name='reason'][value='other']"),
    PageCase("flag-proposal-errors", lambda w: f"/c/seoul/flag/proposal/{w.proposal.id}", who="facilitator",
             send_empty=True),
    PageCase("block", lambda w: f"/c/seoul/moderation/members/{w.moderation.blockable.id}/block", who="citizen"),
    PageCase("block-errors", lambda w: f"/c/seoul/moderation/members/{w.moderation.blockable.id}/block",
             who="citizen", send_empty=True),
    PageCase("moderated-thread-public", lambda w: f"/c/seoul/proposals/{w.moderation.proposal.id}"),
    PageCase("moderated-thread-moderator", lambda w: f"/c/seoul/proposals/{w.moderation.proposal.id}",
             who="citizen"),
    PageCase("moderated-thread-author", lambda w: f"/c/seoul/proposals/{w.moderation.proposal.id}",
             who="facilitator", screenshot=True),
    PageCase("review", lambda w: f"/c/seoul/review/proposal/{w.moderation.hidden_proposal.id}", who="facilitator"),
    PageCase("review-errors", lambda w: f"/c/seoul/review/proposal/{w.moderation.hidden_proposal.id}",
             who="facilitator", send_empty=True),
    PageCase("hidden-proposal-public", lambda w: f"/c/seoul/proposals/{w.moderation.hidden_proposal.id}"),
    PageCase("hidden-proposal-author", lambda w: f"/c/seoul/proposals/{w.moderation.hidden_proposal.id}",
             who="facilitator"),
    PageCase("hidden-proposal-moderator", lambda w: f"/c/seoul/proposals/{w.moderation.hidden_proposal.id}",
             who="admin"),
    PageCase("blocked-author-proposal", lambda w: f"/c/seoul/proposals/{w.moderation.blocked_proposal.id}"),
]


PERSONAS = ("anonymous", "citizen", "outsider", "facilitator", "admin")


def check_page(site, world: World, axe_source: str, locale: str, case: PageCase) -> list[str]:
    """The problems found on one page (empty when it passes), so one test can report every page at once."""
    page = site.page
    path = case.path(world)
    response = page.goto(site.url(path))
    if response is None or response.status != case.status:
        return [f"{case.name} {path}: status {response.status if response else None}, expected {case.status}"]
    problems = []
    if case.send_empty:
        if case.check:
            page.locator(case.form).locator(case.check).check()
        with page.expect_navigation() as sent:
            page.locator(case.form).locator("[type='submit']").first.click()
        status = sent.value.status if sent.value else None
        if case.sent_status is not None and status != case.sent_status:
            problems.append(f"sending the form empty answered {status}, expected {case.sent_status}")
        summary_problems = error_summary_problems(page)
        if summary_problems is None:
            problems.append("sending the form empty showed no error summary")
            return [f"{case.name} {site.path}: {problem}" for problem in problems]
        problems.extend(summary_problems)
    shown = site.path
    if site.lang() != locale:
        problems.append(f"<html lang={site.lang()!r}>, expected {locale!r}")
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} <h1> elements, expected exactly one")
    violations = site.axe_violations(axe_source)
    if violations:
        problems.append("axe violations:\n" + site.describe_violations(violations))
    if case.screenshot and locale == "ko":  # for people to look at; before the skip link moves focus
        site.screenshot(f"{case.name}-{locale}.png")
    # The skip link is the first thing the keyboard reaches, and it moves focus into the main content.
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('href')]")
    if focused != ["A", "#main"]:
        problems.append(f"the first Tab stop is {focused}, not the skip link to #main")
    else:
        page.keyboard.press("Enter")
        if page.evaluate("() => document.activeElement.id") != "main":
            problems.append("the skip link does not move focus to #main")
    return [f"{case.name} {shown}: {problem}" for problem in problems]


def error_summary_problems(page) -> list[str] | None:
    """None without an error summary; else what keeps it from being announced, or its links from leading to
    the fields: it must be an alert (read out when the page loads), start with a heading, and each link's
    target must be a field marked invalid and described by its error message."""
    summary = page.locator("main .error-summary")
    if summary.count() != 1:
        return None
    problems = []
    if summary.get_attribute("role") != "alert" or page.get_by_role("alert").count() != 1:
        problems.append("the error summary is not exposed as the page's one alert")
    if summary.locator("h2").count() != 1:
        problems.append("the error summary has no heading")
    links = summary.locator("a[href^='#']")
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        field = page.locator(f"[id='{target}']")
        if field.count() != 1:
            problems.append(f"the error summary links to #{target}, which is not on the page")
            continue
        if field.get_attribute("aria-invalid") != "true":
            problems.append(f"#{target} is named in the error summary but not marked aria-invalid")
        if f"{target}-error" not in (field.get_attribute("aria-describedby") or "").split():
            problems.append(f"#{target} is not described by its error message #{target}-error")
    return problems


def summary_problems(page) -> list[str]:
    """error_summary_problems for a page that must show an error summary: its absence is a problem too."""
    problems = error_summary_problems(page)
    return ["no error summary"] if problems is None else problems


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("locale", LOCALES)
def test_pages_are_accessible(site, world, axe_source, locale, who):
    """Each persona logs in once (through the form) and visits its pages; every page's problems are reported."""
    cases = [case for case in PAGES if (case.who or "anonymous") == who]
    assert cases
    if who == "anonymous":
        site.open("/terms")
    else:
        site.log_in(getattr(world, who))
    site.choose_language(locale)
    problems = []
    for case in cases:
        problems.extend(check_page(site, world, axe_source, locale, case))
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)


def test_vote_tallies_are_named_for_screen_readers(site, world, axe_source):
    """The tally's symbols are hidden from screen readers, which read the words instead."""
    site.open(f"/c/seoul/debates/{world.thread.debate.id}")
    assert site.page.locator("main .score").count() >= 3
    assert site.page.locator("main .score .visually-hidden").first.inner_text().strip() != ""
    unnamed = [v for v in site.axe_violations(axe_source, kind="incomplete") if v["id"] == "aria-prohibited-attr"]
    assert not unnamed, site.describe_violations(unnamed)
