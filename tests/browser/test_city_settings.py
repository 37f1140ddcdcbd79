"""The platform administrator's cities page and a city administrator's settings in a real browser (the pages
have no script of their own; axe needs JavaScript to run, so the context has it on): a new city is created with its first administrator, who changes its colour; the header band takes
the city's colour; both pages pass axe-core (with no violations) in English and Korean."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import City, Role

pytestmark = pytest.mark.browser


def test_platform_admin_creates_a_city_whose_admin_sets_its_colour(open_site, make, db, axe_source):
    seoul = make.city()
    platform = make.user(is_platform_admin=True, name="Platform")
    mayor = make.user(email="mayor@busan.example", name="Mayor")
    make.member(seoul, Role.ADMIN, user=mayor)
    problems = []

    site = open_site()
    site.log_in(platform)
    for locale in ("en", "ko"):
        site.open("/platform/cities")
        site.choose_language(locale)
        problems += site.page_problems(axe_source, locale)
    site.choose_language("en")
    page = site.page
    page.locator("#slug").fill("busan")
    page.locator("#name_ko").fill("부산광역시")
    page.locator("#name_en").fill("Busan")
    page.locator("#country_code").select_option("KR")
    page.locator("#region").select_option("Eastern Asia")
    page.locator("#population").fill("3300000")
    page.locator("#admin_email").fill("mayor@busan.example")
    # A colour too light for white text is refused on the form (the error summary links to it).
    page.locator("#colour").evaluate("(el) => { el.value = '#ffdd00'; }")
    site.submit()
    assert page.locator("#colour-error").count() == 1
    problems += site.page_problems(axe_source, "en")
    page.locator("#colour").evaluate("(el) => { el.value = '#1b4f8a'; }")
    site.submit()
    assert site.path == "/platform/cities", page.locator("main").inner_text()[:500]
    assert page.locator("main table").get_by_role("link", name="Busan").count() == 1

    admin_site = open_site()
    admin_site.log_in(mayor)
    for locale in ("en", "ko"):
        admin_site.open("/c/busan/manage/settings")
        admin_site.choose_language(locale)
        problems += admin_site.page_problems(axe_source, locale)
    admin_site.choose_language("en")
    admin_site.page.locator("#colour").evaluate("(el) => { el.value = '#7a1f3d'; }")
    admin_site.submit()
    assert admin_site.path == "/c/busan/manage/settings"
    band = admin_site.page.locator("header a.city-name")
    assert band.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(122, 31, 61)"
    problems += admin_site.page_problems(axe_source, "en")
    db.session.commit()
    assert db.session.scalar(select(City.colour).where(City.slug == "busan")) == "#7a1f3d"
    assert not problems, "\n".join(problems)
