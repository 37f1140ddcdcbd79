"""Practices through the web: who may write, edit, publish and withdraw them; drafts stay with their city's
planners; prefill from a result and a process; bad input kept in the form (422); Markdown sanitized; the
library's search by goal, target, theme, words (Korean too), city size and region; matching on plan item,
SDG goal and practice pages."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Indicator,
    IndicatorReading,
    Practice,
    PracticeState,
    Result,
    Role,
    SdgTarget,
)
from app.practices import matching
from app.proposals.services import search_key
from tests.conftest import login


class World:
    pass


@pytest.fixture
def w(make):
    w = World()
    w.seoul = make.city()
    w.seoul.population, w.seoul.region = 9_400_000, "Eastern Asia"
    w.busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    w.busan.population, w.busan.region = 3_300_000, "Eastern Asia"
    w.town = make.city(slug="tartu", name_en="Tartu", name_ko="타르투", districts=())
    w.town.population, w.town.region = 97_000, "Northern Europe"
    _db.session.commit()
    w.planner = make.member(w.seoul, Role.PLANNER)
    w.admin = make.member(w.seoul, Role.ADMIN)
    w.citizen = make.member(w.seoul)
    w.busan_planner = make.member(w.busan, Role.PLANNER)
    return w


def _as(client, user):
    each = client.application.test_client()
    login(each, user)
    return each


def _practice(city, title_en="Protected bike lanes", title_ko="", targets=("11.2",), theme="mobility",
              state=PracticeState.PUBLISHED, summary="", **fields) -> Practice:
    practice = Practice(city_id=city.id, title_en=title_en, title_ko=title_ko, theme=theme, state=state,
                        summary_en=summary, published_at=_db.func.now() if state == PracticeState.PUBLISHED else None,
                        search_text=search_key("\n".join([title_ko, title_en, summary])), **fields)
    practice.sdg_targets = [_db.session.get(SdgTarget, c) for c in targets]
    _db.session.add(practice)
    _db.session.commit()
    return practice


def _form(**changes) -> dict:
    data = {"title_ko": "보호된 자전거 도로", "title_en": "Protected bike lanes", "theme": "mobility",
            "summary_en": "Kerb-separated lanes on **main roads**.", "sdg_targets": ["11.2", "3.6"],
            "budget": "1200000000", "currency": "KRW", "staff": "12", "starts_on": "2024-03-01",
            "ends_on": "2025-10-31", "partners_text": "Seoul Cycling Association",
            "indicators-0-name_en": "Protected lanes", "indicators-0-unit": "km", "indicators-0-baseline": "10",
            "indicators-0-value": "42.5", "indicators-0-year": "2025"}
    data.update(changes)
    return data


# Writing and permissions ----------------------------------------------------------------------------------

def test_planner_writes_a_draft_then_publishes_and_withdraws_it_audited(client, w):
    planner = _as(client, w.planner)
    response = planner.post("/c/seoul/practices/new", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    practice = _db.session.scalar(select(Practice))
    assert practice.state == PracticeState.DRAFT and practice.city_id == w.seoul.id
    assert sorted(t.code for t in practice.sdg_targets) == ["11.2", "3.6"]
    assert practice.budget == Decimal("1200000000") and practice.currency == "KRW" and practice.staff == 12
    assert [(i.name_en, i.unit, i.baseline, i.value, i.year) for i in practice.indicators] == [
        ("Protected lanes", "km", Decimal("10"), Decimal("42.5"), 2025)]
    assert practice.contact_user_id == w.planner.id and practice.contact_email == w.planner.email
    assert "<strong>main roads</strong>" in practice.summary_html_en
    assert "자전거" in practice.search_text

    # A draft: invisible to another city's planner, to a citizen and to the public; in no library.
    for other in (_as(client, w.busan_planner), _as(client, w.citizen), client.application.test_client()):
        assert other.get(f"/practices/{practice.id}").status_code == 404
        assert "Protected bike lanes" not in other.get("/practices").get_data(as_text=True)
    assert planner.get(f"/practices/{practice.id}").status_code == 200

    assert planner.post(f"/c/seoul/practices/{practice.id}/publish").status_code == 302
    _db.session.refresh(practice)
    assert practice.state == PracticeState.PUBLISHED and practice.published_at is not None
    assert client.get(f"/practices/{practice.id}").status_code == 200
    assert "Protected bike lanes" in client.get("/practices").get_data(as_text=True)

    assert planner.post(f"/c/seoul/practices/{practice.id}/withdraw").status_code == 302
    _db.session.refresh(practice)
    assert practice.state == PracticeState.WITHDRAWN
    assert client.get(f"/practices/{practice.id}").status_code == 404
    actions = list(_db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "practice", AuditEvent.target_id == practice.id).order_by(AuditEvent.id)))
    assert actions == ["practice.create", "practice.publish", "practice.withdraw"]


def test_other_city_planner_and_citizen_are_refused(client, w):
    practice = _practice(w.seoul)
    busan = _as(client, w.busan_planner)
    assert busan.get(f"/c/seoul/practices/{practice.id}/edit").status_code == 403
    assert busan.post(f"/c/seoul/practices/{practice.id}/edit", data=_form(title_en="Hijacked")).status_code == 403
    assert busan.post(f"/c/seoul/practices/{practice.id}/withdraw").status_code == 403
    # Through their own city's URL, another city's practice is not found.
    assert busan.get(f"/c/busan/practices/{practice.id}/edit").status_code == 404
    citizen = _as(client, w.citizen)
    assert citizen.get("/c/seoul/practices/new").status_code == 403
    assert citizen.post(f"/c/seoul/practices/{practice.id}/withdraw").status_code == 403
    assert client.get("/c/seoul/practices/new").status_code == 302  # to log in
    _db.session.refresh(practice)
    assert practice.title_en == "Protected bike lanes" and practice.state == PracticeState.PUBLISHED


def test_admin_edits_the_practice(client, w):
    practice = _practice(w.seoul)
    admin = _as(client, w.admin)
    page = admin.get(f"/c/seoul/practices/{practice.id}/edit")
    assert page.status_code == 200 and "Protected bike lanes" in page.get_data(as_text=True)
    assert admin.post(f"/c/seoul/practices/{practice.id}/edit",
                      data=_form(title_en="Kerbed bike lanes")).status_code == 302
    _db.session.refresh(practice)
    assert practice.title_en == "Kerbed bike lanes"
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "practice.edit"))
    assert event.changes["title_en"] == ["Protected bike lanes", "Kerbed bike lanes"]


@pytest.mark.parametrize("changes, field", [
    ({"title_ko": "", "title_en": ""}, "title_ko"),
    ({"theme": ""}, "theme"),
    ({"theme": "astrology"}, "theme"),
    ({"budget": "-5"}, "budget"),
    ({"budget": "NaN"}, "budget"),
    ({"staff": "many"}, "staff"),
    ({"ends_on": "2020-01-01"}, "ends_on"),
    ({"sdg_targets": ["99.9"]}, "sdg_targets"),
    ({"contact_email": "not an address"}, "contact_email"),
    ({"indicators-0-year": "3000"}, "indicators"),
    ({"indicators-1-value": "5"}, "indicators"),
    ({"organizations": ["12345"]}, "organizations"),
])
def test_bad_input_is_kept_in_the_form_with_422(client, w, changes, field):
    planner = _as(client, w.planner)
    response = planner.post("/c/seoul/practices/new", data=_form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert _db.session.scalar(select(Practice)) is None


def test_markdown_is_sanitized(client, w):
    planner = _as(client, w.planner)
    response = planner.post("/c/seoul/practices/new", data=_form(
        summary_en="Hello <script>alert(1)</script> [x](javascript:alert(1))",
        obstacles_en="<img src=x onerror=alert(1)>", success_factors_ko="**좋음**"))
    assert response.status_code == 302
    practice = _db.session.scalar(select(Practice))
    page = planner.get(f"/practices/{practice.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page and 'href="javascript' not in page
    assert "<script" not in practice.summary_html_en and "<img" not in practice.obstacles_html_en
    assert "<strong>좋음</strong>" in page


# Prefill ------------------------------------------------------------------------------------------------------

def test_prefill_from_a_result_and_its_source(client, make, w):
    plan = make.plan(w.seoul)
    item = plan.items[0]
    indicator = Indicator(plan_item_id=item.id, name_en="Cycling share", unit="%", baseline_value=Decimal("2"))
    _db.session.add(indicator)
    _db.session.flush()
    _db.session.add(IndicatorReading(indicator_id=indicator.id, measured_on=date(2025, 6, 1), value=Decimal("4.5")))
    process = make.process(w.seoul, plan=plan)
    result = Result(city_id=w.seoul.id, process_id=process.id, title_en="Bike lanes on Worldcup-ro",
                    description_en="Kerbs.", starts_on=date(2024, 1, 1))
    result.plan_items = [item]
    result.indicators = [indicator]
    result.sdg_targets = [_db.session.get(SdgTarget, "3.6")]
    _db.session.add(result)
    _db.session.commit()
    planner = _as(client, w.planner)
    html = planner.get(f"/c/seoul/practices/new?result={result.id}").get_data(as_text=True)
    assert 'value="Bike lanes on Worldcup-ro"' in html
    assert 'value="2024-01-01"' in html
    assert 'id="target-11.2" value="11.2" checked' in html and 'id="target-3.6" value="3.6" checked' in html
    assert 'value="Cycling share"' in html and 'value="4.5' in html and 'value="2025"' in html
    response = planner.post(f"/c/seoul/practices/new?result={result.id}", data=_form(
        **{"indicators-0-indicator_id": str(indicator.id)}))
    assert response.status_code == 302
    practice = _db.session.scalar(select(Practice))
    assert practice.source_result_id == result.id and practice.source_process_id == process.id
    assert practice.indicators[0].indicator_id == indicator.id
    page = planner.get(f"/practices/{practice.id}").get_data(as_text=True)
    assert "Evidence from Madang" in page and "Bike lanes on Worldcup-ro" in page and "Cycling share" in page

    # Another city's result or process is not found; nor a garbage id.
    other = Result(city_id=w.busan.id, title_en="Busan result")
    _db.session.add(other)
    _db.session.commit()
    assert planner.get(f"/c/seoul/practices/new?result={other.id}").status_code == 404
    assert planner.get("/c/seoul/practices/new?result=abc").status_code == 404
    busan_process = make.process(w.busan)
    assert planner.get(f"/c/seoul/practices/new?process={busan_process.id}").status_code == 404


def test_prefill_from_a_process_takes_its_proposals_targets(client, make, w):
    process = make.process(w.seoul, title="Clean air")
    proposal = make.proposal(process, w.citizen)
    proposal.sdg_targets = [_db.session.get(SdgTarget, "11.6")]
    _db.session.commit()
    html = _as(client, w.planner).get(f"/c/seoul/practices/new?process={process.id}").get_data(as_text=True)
    assert 'value="Clean air"' in html and 'id="target-11.6" value="11.6" checked' in html


# The library ------------------------------------------------------------------------------------------------

@pytest.fixture
def library(w):
    return {
        "bikes": _practice(w.seoul, "Protected bike lanes", "보호 자전거도로", ("11.2",), "mobility"),
        "air": _practice(w.busan, "Air quality sensors", "대기질 측정망", ("11.6", "3.9"), "environment"),
        "school": _practice(w.town, "Tutoring after school", "방과후 학습", ("4.1",), "education",
                            summary="Volunteers from the university."),
        "draft": _practice(w.seoul, "Secret draft bikes", "", ("11.2",), state=PracticeState.DRAFT),
        "withdrawn": _practice(w.busan, "Withdrawn bikes", "", ("11.2",), state=PracticeState.WITHDRAWN),
    }


def _found(client, query: str) -> set[str]:
    response = client.get("/practices" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    titles = {"Protected bike lanes", "Air quality sensors", "Tutoring after school", "Secret draft bikes",
              "Withdrawn bikes"}
    return {t for t in titles if f">{t}</a>" in html}


@pytest.mark.parametrize("query, expected", [
    ("", {"Protected bike lanes", "Air quality sensors", "Tutoring after school"}),
    ("?goal=11", {"Protected bike lanes", "Air quality sensors"}),
    ("?goal=3", {"Air quality sensors"}),
    ("?target=11.2", {"Protected bike lanes"}),
    ("?target=4.1", {"Tutoring after school"}),
    ("?theme=environment", {"Air quality sensors"}),
    ("?q=bike", {"Protected bike lanes"}),
    ("?q=BIKE+lanes", {"Protected bike lanes"}),
    ("?q=university", {"Tutoring after school"}),
    ("?size=mega", {"Protected bike lanes"}),
    ("?size=large", {"Air quality sensors"}),
    ("?size=small", {"Tutoring after school"}),
    ("?size=medium", set()),
    ("?region=Northern+Europe", {"Tutoring after school"}),
    ("?region=Eastern+Asia&goal=11", {"Protected bike lanes", "Air quality sensors"}),
    ("?region=Eastern+Asia&theme=mobility", {"Protected bike lanes"}),
    ("?q=100%25", set()),
])
def test_library_filters(client, library, query, expected):
    assert _found(client, query) == expected


@pytest.mark.parametrize("words, expected", [
    ("자전거", {"Protected bike lanes"}),
    ("대기", {"Air quality sensors"}),  # a two-syllable word inside a longer one
    ("학습", {"Tutoring after school"}),
    ("측정망", {"Air quality sensors"}),
    ("자전", {"Protected bike lanes"}),
    ("부산", set()),
])
def test_korean_search(client, library, words, expected):
    assert _found(client, f"?q={words}") == expected


def test_library_bad_filters_and_pages(client, library):
    assert client.get("/practices?goal=99").status_code == 422
    assert client.get("/practices?size=huge").status_code == 422
    assert client.get("/practices?page=abc").status_code == 200


# Matching on pages ------------------------------------------------------------------------------------------

def test_matching_plan_items_cities_and_goal_pages(client, make, w, library):
    plan = make.plan(w.busan, items=("cycling",))  # its item is on 11.2
    item = plan.items[0]
    found = [p.title_en for p, _score in matching.practices_for_plan_item(item)]
    assert found[0] == "Protected bike lanes"  # Busan's own practice and drafts are never offered
    assert "Air quality sensors" not in found and "Secret draft bikes" not in found
    assert [p.title_en for p, _s in matching.practices_for_city(w.busan)][0] == "Protected bike lanes"
    assert matching.cities_for_practice(library["bikes"]) == [(w.busan, [item])]
    assert matching.cities_for_practice(library["school"]) == []

    html = client.get(f"/c/busan/plan-items/{item.id}").get_data(as_text=True)
    assert "Practices working on the same SDG targets" in html and ">Protected bike lanes</a>" in html
    html = client.get(f"/practices/{library['bikes'].id}").get_data(as_text=True)
    assert "Cities that could use this" in html and f"/c/busan/plan-items/{item.id}" in html
    html = client.get("/sdgs/11").get_data(as_text=True)
    assert ">Protected bike lanes</a>" in html and ">Air quality sensors</a>" in html
    assert "Secret draft bikes" not in html
    html = client.get("/c/busan/practices").get_data(as_text=True)
    assert ">Air quality sensors</a>" in html and ">Protected bike lanes</a>" in html  # its own; for it
    assert "Withdrawn bikes" not in html


def test_city_practices_shows_drafts_to_planners_only(client, w, library):
    assert "Secret draft bikes" in _as(client, w.planner).get("/c/seoul/practices").get_data(as_text=True)
    assert "Secret draft bikes" not in _as(client, w.citizen).get("/c/seoul/practices").get_data(as_text=True)
    assert "Secret draft bikes" not in client.get("/c/seoul/practices").get_data(as_text=True)
