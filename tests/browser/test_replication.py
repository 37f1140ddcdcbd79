"""Replicating a practice in a real browser: a Busan planner opens a Seoul practice, follows "Replicate it in
Busan", sends the form (first with a start in the past, which is refused on the form), and lands on the new
draft process of Busan; then asks Seoul a question, which Seoul's contact answers. The replicate page (also with
its errors) and the practice page's replications and questions pass axe-core in English and Korean. Elements
are found by name and role rather than by their text, since the Korean catalog grows apart from these tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import PracticeQuestion, Process, Replication
from tests.functional.test_replication import SEEDS, seoul_practice

pytestmark = pytest.mark.browser


def _day(days: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Seoul")).date() + timedelta(days=days)).isoformat()


def test_a_busan_planner_replicates_a_seoul_practice(site, open_site, make, db, axe_source):
    world = seoul_practice(make, db)
    site.log_in(world.busan_planner)
    site.choose_language("en")
    site.open(f"/practices/{world.practice.id}")
    site.page.locator(f"#replications a[href='/c/busan/practices/{world.practice.id}/replicate']").click()
    site.page.wait_for_load_state()
    assert site.path == f"/c/busan/practices/{world.practice.id}/replicate"
    assert SEEDS[0] in site.page.locator("main").inner_text()
    form = site.page.locator("main form.form")
    assert form.locator("input[name='rounds'][value='source']").is_checked()
    form.locator("input[name='title_en']").fill("Busan protected bike lanes")
    form.locator("input[name='starts_on']").fill(_day(-1))
    site.submit()
    assert site.page.locator(".error-summary").count() == 1
    assert site.page.locator("#starts_on[aria-invalid='true']").count() == 1
    site.page.locator("main form.form input[name='starts_on']").fill(_day(7))
    site.page.locator("main form.form select[name='plan']").select_option(str(world.busan_plan.id))
    site.submit()
    db.session.commit()  # a fresh snapshot
    process = db.session.scalar(select(Process).where(Process.city_id == world.busan.id))
    assert process is not None and process.title_en == "Busan protected bike lanes"
    assert process.plan_id == world.busan_plan.id
    assert site.path == f"/c/busan/processes/{process.id}"
    assert db.session.scalar(select(Replication.process_id)) == process.id

    # Seoul sees it; Busan's planner asks a question, Seoul's contact answers.
    site.open(f"/practices/{world.practice.id}")
    assert f"/c/busan/processes/{process.id}" in site.page.locator("#replications").inner_html()
    site.page.locator("#questions textarea[name='question-body']").fill("How long did the works take?")
    site.page.locator("#questions form [type='submit']").click()
    site.page.wait_for_load_state()
    db.session.commit()
    question = db.session.scalar(select(PracticeQuestion))
    assert question.body == "How long did the works take?"
    seoul = open_site()
    seoul.log_in(world.contact)
    seoul.choose_language("en")
    seoul.open(f"/practices/{world.practice.id}")
    seoul.page.locator(f"textarea[name='answer-{question.id}-answer']").fill("Eight months, street by street.")
    seoul.page.locator(f"#question-{question.id} form [type='submit']").click()
    seoul.page.wait_for_load_state()
    db.session.commit()
    db.session.refresh(question)
    assert question.answer == "Eight months, street by street."


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_the_replicate_page_and_the_practice_sections_pass_axe(site, open_site, make, db, axe_source, locale):
    world = seoul_practice(make, db)
    site.log_in(world.busan_planner)
    site.choose_language(locale)
    url = f"/c/busan/practices/{world.practice.id}/replicate"
    site.open(url)
    problems = site.page_problems(axe_source, locale)
    site.page.locator("main form.form input[name='title_ko']").fill("")
    site.page.locator("main form.form input[name='title_en']").fill("")
    site.submit()
    assert site.page.locator(".error-summary").count() == 1
    problems += site.page_problems(axe_source, locale)
    site.page.locator("main form.form input[name='title_en']").fill("Busan lanes")
    site.submit()
    # The practice page with a replication, a question (with its answer form for the contact) and the ask form.
    site.open(f"/practices/{world.practice.id}")
    site.page.locator("#questions textarea[name='question-body']").fill("x")
    site.page.locator("#questions form [type='submit']").click()
    site.page.wait_for_load_state()
    assert site.page.locator("#questions .error-summary").count() == 1
    problems += site.page_problems(axe_source, locale)
    site.page.locator("#questions textarea[name='question-body']").fill("What did the shop owners say?")
    site.page.locator("#questions form [type='submit']").click()
    site.page.wait_for_load_state()
    problems += site.page_problems(axe_source, locale)
    contact = open_site()
    contact.log_in(world.contact)
    contact.choose_language(locale)
    contact.open(f"/practices/{world.practice.id}")
    assert contact.page.locator("#questions textarea[name^='answer-']").count() == 1
    problems += contact.page_problems(axe_source, locale)
    assert not problems, "\n".join(problems)
