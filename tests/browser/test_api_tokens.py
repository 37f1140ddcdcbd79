"""API tokens and the API documentation in a real browser: a person creates a token, sees it once (and never
again), revokes it; the documentation page is reachable from the footer; both pages pass axe in English and
Korean."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import ApiToken

pytestmark = pytest.mark.browser


def test_create_see_once_and_revoke_a_token_and_read_the_docs(open_site, make, db, axe_source):
    make.city()
    user = make.user(name="Kim Min-ji")
    problems = []
    site = open_site()
    site.log_in(user)
    site.open("/account/api-tokens/")
    site.choose_language("en")
    page = site.page
    page.locator("#name").fill("My research script")
    page.locator("#scope-1").check()  # read and write
    site.submit()
    shown = page.locator("#new-token-text").input_value()
    assert shown.startswith("mdg_") and len(shown) == 47
    problems += site.page_problems(axe_source, "en")
    db.session.commit()
    token = db.session.scalar(select(ApiToken))
    assert token.scope == "write" and token.prefix == shown[:12]
    site.open("/account/api-tokens/")
    assert shown not in page.content() and page.locator("#new-token-text").count() == 0
    page.get_by_role("button", name="Revoke the token My research script").click()
    page.wait_for_load_state()
    assert "revoked" in page.locator("main").inner_text()
    db.session.commit()
    db.session.refresh(token)
    assert token.revoked_at is not None
    for locale in ("en", "ko"):
        site.open("/account/api-tokens/")
        site.choose_language(locale)
        problems += site.page_problems(axe_source, locale)
        site.open("/api/v1/docs")
        problems += site.page_problems(axe_source, locale)
    site.choose_language("en")
    site.open("/")
    page.locator("footer").get_by_role("link", name="API for developers").click()
    page.wait_for_load_state()
    assert site.path == "/api/v1/docs"
    assert page.locator("main section.api-operation").count() == 29
    assert not problems, "\n".join(problems)
