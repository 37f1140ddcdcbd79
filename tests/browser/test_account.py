"""Min-ji's last step (JOURNEYS.md, citizen 11) in a real browser: from her account page she downloads all her
data (a JSON attachment), then deletes her account without JavaScript — a wrong password first, then the right
one — and her proposal that others commented on now reads "deleted user", in English and in Korean. The
account and deletion pages pass axe-core with no violations in both languages."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.models import User
from tests.functional.test_account_data import MINJI, build_world

pytestmark = pytest.mark.browser


def test_minji_downloads_her_data_then_deletes_her_account(open_site, make, db, axe_source, known_password):
    world = build_world(make)
    commented = world.id.p_commented
    problems = []

    site = open_site()  # with JavaScript: axe runs in the page
    site.log_in(world.minji)
    for locale in ("en", "ko"):
        site.open("/auth/account")
        site.choose_language(locale)
        problems += site.page_problems(axe_source, locale)
        site.open("/auth/account/delete")
        problems += site.page_problems(axe_source, locale)
    site.choose_language("en")
    site.screenshot("account-delete-en.png")

    site.open("/auth/account")
    with site.page.expect_download() as download_info:
        site.page.get_by_role("link", name="Download all my data").click()
    download = download_info.value
    assert download.suggested_filename.startswith("madang-") and download.suggested_filename.endswith(
        "-my-data.json")
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["account"]["email"] == MINJI["email"]
    assert {p["title"] for p in data["proposals"]} >= {"Commented crossing idea", "Lonely bench idea"}

    plain = open_site(javascript=False)  # the form itself works without JavaScript
    plain.log_in(world.minji)
    plain.open("/auth/account")
    plain.page.get_by_role("link", name="Delete my account").click()
    plain.page.wait_for_load_state()
    assert plain.path == "/auth/account/delete"
    plain.page.locator("#current_password").fill("not the password")
    plain.submit()
    assert plain.page.locator("#current_password-error").inner_text() == "This is not your current password."
    site.open("/auth/account/delete")  # the same error page, checked by axe in the other tab
    site.page.locator("#current_password").fill("wrong again, and long")
    site.submit()
    problems += site.page_problems(axe_source, "en")
    site.screenshot("account-delete-error-en.png")

    plain.page.locator("#current_password").fill(known_password)
    plain.submit()
    assert plain.path in ("/", "/c/seoul/")  # the home page goes straight to the only city
    assert "Your account is deleted" in plain.page.locator("main").inner_text()
    plain.screenshot("account-deleted-home-en.png")
    db.session.commit()
    assert db.session.scalar(select(User).where(User.email == MINJI["email"])) is None

    reader = open_site()
    for locale, label in (("en", "deleted user"), ("ko", "탈퇴한 사용자")):
        reader.open(f"/c/seoul/proposals/{commented}")
        reader.choose_language(locale)
        main = reader.page.locator("main").inner_text()
        assert label in main and MINJI["name"] not in main, main[:400]
        problems += reader.page_problems(axe_source, locale)
    reader.open(f"/c/seoul/proposals/{world.id.p_lonely}", status=404)
    assert not problems, "\n".join(problems)
