"""The exports page and the open-data page in a real browser: a planner follows the process page's link to the
exports page and downloads a CSV (Korean text intact, read back with the csv module) and an XLSX; a visitor
finds the open-data page from the footer and downloads a dataset in which authors are pseudonyms; both pages
pass axe-core (no violations) in English and Korean; a citizen is refused the exports page with an
explanation."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.functional.test_exports_world import build

pytestmark = pytest.mark.browser


def test_planner_exports_and_visitor_downloads_open_data(open_site, make, db, axe_source):
    w = build(make, db)
    problems = []

    planner = open_site()
    planner.log_in(w.planner)
    planner.open(f"/c/seoul/processes/{w.process.id}")
    planner.page.get_by_role("link", name="Export the data of this process").click()
    planner.page.wait_for_load_state()
    assert planner.path == f"/c/seoul/processes/{w.process.id}/exports"
    for locale in ("en", "ko"):
        planner.choose_language(locale)
        problems += planner.page_problems(axe_source, locale)
    planner.choose_language("en")
    planner.screenshot("exports-page.png")
    rows = planner.page.locator("main table tbody tr")
    assert rows.count() == 7  # every dataset but the vision, which is not published
    with planner.page.expect_download() as waiting:
        planner.page.locator("main table a[href$='/exports/proposals.csv']").click()
    download = waiting.value
    assert download.suggested_filename == f"seoul-{w.process.slug}-proposals.csv"
    with open(download.path(), "rb") as stored:
        body = stored.read()
    assert body.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert "버스 정류장에 그늘막을" in [r["title"] for r in read]
    assert {r["author"] for r in read} >= {"Author Thaddeus", "Citizen Wilhelmina"}
    with planner.page.expect_download() as waiting:
        planner.page.locator("main table a[href$='/exports/statement-votes.xlsx']").click()
    assert waiting.value.suggested_filename.endswith("-statement-votes.xlsx")
    with open(waiting.value.path(), "rb") as stored:
        sheet = openpyxl.load_workbook(io.BytesIO(stored.read()), read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == 1 + 6 * 3 + 2

    visitor = open_site()
    visitor.open("/c/seoul/")
    visitor.page.locator("footer").get_by_role("link", name="Open data").click()
    visitor.page.wait_for_load_state()
    assert visitor.path == "/c/seoul/open-data"
    for locale in ("en", "ko"):
        visitor.choose_language(locale)
        problems += visitor.page_problems(axe_source, locale)
    visitor.choose_language("en")
    visitor.screenshot("open-data-page.png")
    licence = visitor.page.locator("main a[rel='license']")
    assert licence.inner_text() == "Creative Commons Attribution 4.0 International"
    assert licence.get_attribute("href") == "https://creativecommons.org/licenses/by/4.0/"
    with visitor.page.expect_download() as waiting:
        visitor.page.locator(f"main a[href$='/processes/{w.process.id}/proposals.csv']").click()
    with open(waiting.value.path(), "rb") as stored:
        read = list(csv.DictReader(io.StringIO(stored.read().decode("utf-8-sig"), newline="")))
    assert len(read) == 3 and all(r["author"].startswith("p-") for r in read)

    citizen = open_site()
    citizen.log_in(w.citizen)
    citizen.open(f"/c/seoul/processes/{w.process.id}/exports", status=403)
    assert "facilitators, planners and administrators" in citizen.page.locator("main").inner_text()
    citizen.open(f"/c/seoul/processes/{w.process.id}")
    assert citizen.page.get_by_role("link", name="Export the data of this process").count() == 0
    assert not problems, "\n".join(problems)
