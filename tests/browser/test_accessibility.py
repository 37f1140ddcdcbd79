"""Every foundation page, in English and in Korean, passes axe-core (WCAG 2.1 A/AA and best practices), has
exactly one <h1>, a skip link that moves focus to #main, and <html lang> matching the chosen language.

One test per (language, persona): the persona logs in once through the form and visits its pages, and the
test reports the problems of every page together. To check a new page, add a PageCase to PAGES."""
from __future__ import annotations

from dataclasses import dataclass
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
    return World(city=city, process=process, closed_process=closed, phase=process.phases[1], proposal=proposal,
                 citizen=citizen, outsider=outsider, facilitator=facilitator, admin=admin)


@dataclass(frozen=True)
class PageCase:
    name: str
    path: Callable[[World], str]
    who: str | None = None  # an attribute of World: the person logged in
    status: int = 200
    screenshot: bool = False
    send_empty: bool = False  # submit the main form empty, to check the page with its error messages


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
]


PERSONAS = ("anonymous", "citizen", "outsider", "facilitator", "admin")


def check_page(site, world: World, axe_source: str, locale: str, case: PageCase) -> list[str]:
    """The problems found on one page (empty when it passes), so one test can report every page at once."""
    page = site.page
    path = case.path(world)
    response = page.goto(site.url(path))
    if response is None or response.status != case.status:
        return [f"{case.name} {path}: status {response.status if response else None}, expected {case.status}"]
    if case.send_empty:
        site.submit()
        if page.locator("main .error-summary").count() != 1:
            return [f"{case.name} {path}: sending the form empty showed no error summary"]
    shown = site.path
    problems = []
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
