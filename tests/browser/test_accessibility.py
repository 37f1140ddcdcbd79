"""Every foundation page, in English and in Korean, passes axe-core (WCAG 2.1 A/AA and best practices), has
exactly one <h1>, a skip link that moves focus to #main, and <html lang> matching the chosen language."""
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


PAGES = [
    PageCase("city-home", lambda w: "/c/seoul/", screenshot=True),
    PageCase("city-home-member", lambda w: "/c/seoul/", who="citizen"),
    PageCase("process", lambda w: f"/c/seoul/processes/{w.process.id}", who="citizen"),
    PageCase("proposals", lambda w: f"/c/seoul/processes/{w.process.id}/proposals"),
    PageCase("proposals-search", lambda w: f"/c/seoul/processes/{w.process.id}/proposals?q=zzz&goal=11&sort=oldest"),
    PageCase("proposal", lambda w: f"/c/seoul/proposals/{w.proposal.id}", who="citizen"),
    PageCase("proposal-new", lambda w: f"/c/seoul/processes/{w.process.id}/proposals/new", who="citizen",
             screenshot=True),
    PageCase("join", lambda w: "/c/seoul/join", who="outsider"),
    PageCase("login", lambda w: "/auth/login"),
    PageCase("register", lambda w: "/auth/register"),
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


@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
@pytest.mark.parametrize("locale", LOCALES)
def test_page_is_accessible(site, world, axe_source, locale, case):
    if case.who:
        site.log_in(getattr(world, case.who))
    else:
        site.open("/terms")
    site.choose_language(locale)
    site.open(case.path(world), status=case.status)
    page = site.page
    site.assert_lang(locale)

    assert page.locator("h1").count() == 1, f"{page.locator('h1').count()} <h1> on {site.path}"

    site.assert_accessible(axe_source)

    # The skip link is the first thing the keyboard reaches, and it moves focus into the main content.
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('href')]")
    assert focused == ["A", "#main"], f"first Tab stop on {site.path} is {focused}, not the skip link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main", f"the skip link on {site.path} left focus"

    if case.screenshot and locale == "ko":
        site.screenshot(f"{case.name}-{locale}.png")
