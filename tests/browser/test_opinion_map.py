"""The opinion map in a real browser (JOURNEYS.md, citizen step 6: "sees where she sits on the opinion map and
which group she is closest to"): the page draws the participants as marks in an SVG, rings and labels Min-ji's
own mark, and passes axe-core in English and Korean. Elements are found by
role, class and structure rather than by their text, since the Korean catalog grows independently. (The page
has no script of its own; JavaScript is on only for axe.)"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.models import Membership, Role, Statement, StatementState
from app.vision import statements as statement_services
from app.voting.services import participant_for

pytestmark = pytest.mark.browser

BODIES = (
    ("한강 공원에 자전거 도로를 더 만들어야 합니다.", "ko"), ("The riverside should stay free of cars on Sundays.", "en"),
    ("공원 매점은 지역 상인에게 맡겨야 합니다.", "ko"), ("Night lighting along the river matters more than new benches.", "en"),
    ("주차장을 줄이고 나무를 더 심어야 합니다.", "ko"), ("Dogs should be allowed off the lead in one part of the park.", "en"),
    ("여름 축제는 주민 투표로 정해야 합니다.", "ko"), ("The park needs more public toilets before anything else.", "en"),
)


@pytest.fixture
def riverside(make, db):
    """A process with eight statements and two camps of nine members who vote them opposite ways (each
    passing on a statement of their own); Min-ji is in the first camp."""
    city = make.city()
    process = make.process(city, title="Riverside park", phases=((-2, 5, ("statement_vote",)),))
    statements = [Statement(process_id=process.id, body=body, language=language, seeded=True,
                            state=StatementState.PUBLISHED) for body, language in BODIES]
    db.session.add_all(statements)
    db.session.commit()
    minji = make.member(city, name="김민지")
    camps = ([minji] + [make.member(city) for _ in range(8)], [make.member(city) for _ in range(9)])
    for sign, camp in ((1, camps[0]), (-1, camps[1])):
        for j, person in enumerate(camp):
            membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
            voter = participant_for(membership)
            for i, statement in enumerate(statements):
                value = 0 if i == j % len(statements) else sign if i % 2 == 0 else -sign
                statement_services.vote(voter, statement, value)
    db.session.commit()
    return SimpleNamespace(city=city, process=process, minji=minji,
                           facilitator=make.member(city, Role.FACILITATOR, name="Jae-won"),
                           path=f"/c/seoul/processes/{process.id}/opinion-map")


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_min_ji_finds_herself_on_the_map(open_site, riverside, axe_source, locale):
    site = open_site()  # the page has no script of its own; axe needs JavaScript to run
    page = site.page
    site.log_in(riverside.minji)
    site.choose_language(locale)
    site.open(riverside.path)
    assert page.locator("h1").count() == 1

    figure = page.locator("main figure.opinion-map")
    svg = figure.locator("svg[role='img']")
    assert svg.count() == 1
    assert svg.locator("title").text_content().strip() and svg.locator("desc").text_content().strip()
    assert figure.locator("figcaption").count() == 1
    # Eighteen participants, each a mark in their group's path (or, if in no group, in the grey one).
    marks = page.evaluate("""() => [...document.querySelectorAll('figure.opinion-map svg[role=img] > path')]
        .map(p => (p.getAttribute('d').match(/M/g) || []).length).reduce((a, b) => a + b, 0)""")
    assert marks == 18
    groups = svg.locator("path[class^='group-']")
    assert groups.count() == 2
    box = svg.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150

    # Her own mark: a ring and a label beside it, drawn on top of the others.
    you = svg.locator("g.you")
    assert you.count() == 1
    assert you.locator("circle").count() == 1 and you.locator("text").text_content().strip()
    ring = you.locator("circle").bounding_box()
    assert ring and ring["width"] > 15
    # The summary names her group, and the heading of that group says it is hers.
    assert page.locator("main p.lead strong").count() == 1

    # The same figures as a table: one column per group besides the statement and everyone.
    table = page.locator("main table.map-table")
    assert table.locator("thead th[scope='col']").count() == 4
    assert table.locator("tbody th[scope='row'] a").count() >= 1

    site.assert_accessible(axe_source)
    site.screenshot(f"opinion-map-{locale}.png")


def test_the_map_page_is_accessible_to_a_visitor(open_site, riverside, axe_source):
    site = open_site()
    site.open(riverside.path)
    assert site.page.locator("main figure.opinion-map svg[role='img']").count() == 1
    assert site.page.locator("g.you").count() == 0
    site.assert_accessible(axe_source)
    site.choose_language("ko")
    site.assert_accessible(axe_source)


def test_the_empty_map_page_is_accessible(open_site, make, axe_source):
    city = make.city()
    process = make.process(city, phases=((-2, 5, ("statement_vote",)),))
    site = open_site()
    site.open(f"/c/seoul/processes/{process.id}/opinion-map")
    assert site.page.locator("main .callout").count() == 1
    assert site.page.locator("main svg").count() == 0
    site.assert_accessible(axe_source)
