"""Practices in a real browser: a planner writes a practice, publishes it, and a planner
of another city finds it in the library by a Korean word; the form, the library, the practice page
and the city's practices page pass axe-core in English and Korean."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Practice, PracticeState, Role

pytestmark = pytest.mark.browser


def test_planner_writes_and_publishes_a_practice_that_another_city_finds(open_site, make, db, axe_source):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    planner = make.member(seoul, Role.PLANNER, name="Ji-ho")
    busan_planner = make.member(busan, Role.PLANNER, name="Su-bin")
    site = open_site()
    page = site.page
    page.set_default_timeout(20_000)
    site.log_in(planner)
    problems = []
    for locale in ("en", "ko"):
        site.open("/c/seoul/practices/new")
        site.choose_language(locale)
        problems += site.page_problems(axe_source, locale)
    site.choose_language("en")

    site.open("/c/seoul/practices/new")
    page.get_by_label("Title in Korean").fill("보호된 자전거 도로망")
    page.get_by_label("Title in English").fill("A protected cycling network")
    page.get_by_label("Theme").select_option("mobility")
    page.get_by_label("Summary in English").fill("Kerb-separated lanes on **main roads**.")
    page.locator("details.goal-picker summary", has_text="11.").first.click()
    page.locator("input[id='target-11.2']").check()
    page.get_by_label("Budget").fill("1200000000")
    page.get_by_label("Indicator 1: Name in English").fill("Protected lanes")
    page.get_by_label("Indicator 1: Unit").fill("km")
    page.get_by_label("Indicator 1: After").fill("42")
    # A year out of range is refused, the text kept.
    page.get_by_label("Indicator 1: Year").fill("3000")
    site.submit()
    assert page.locator("main .error-summary").count() == 1
    assert page.get_by_label("Title in English").input_value() == "A protected cycling network"
    problems += site.page_problems(axe_source, "en")
    page.get_by_label("Indicator 1: Year").fill("2025")
    site.submit()
    assert site.path.startswith("/practices/"), page.locator("main").inner_text()[:500]
    db.session.commit()
    practice = db.session.scalar(select(Practice))
    assert practice.state == PracticeState.DRAFT

    page.locator("main form.inline-form button[type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("main .flash-success").count() == 1
    db.session.commit()
    db.session.refresh(practice)
    assert practice.state == PracticeState.PUBLISHED

    # Another city's planner searches the library in Korean and opens it.
    other = open_site()
    other.log_in(busan_planner)
    for locale in ("en", "ko"):
        other.open("/practices?q=자전거")
        other.choose_language(locale)
        assert other.page.locator(f"main a[href='/practices/{practice.id}']").count() == 1
        problems += other.page_problems(axe_source, locale)
        other.open(f"/practices/{practice.id}")
        problems += other.page_problems(axe_source, locale)
        other.open("/c/busan/practices")
        problems += other.page_problems(axe_source, locale)
    assert other.page.locator("main form.inline-form").count() == 0  # no publish or withdraw for Busan
    assert problems == [], "\n".join(problems)
