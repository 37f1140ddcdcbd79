"""Statements in a real browser (JOURNEYS.md, citizen step 6: "votes agree / disagree / pass on twenty short
statements"): Min-ji votes on the statements one at a time without JavaScript, never sees one twice, changes a
vote, and adds her own statement (refused when too long, with her text kept). The statements page, a statement's
page and the facilitators' page pass axe-core in English and Korean, with their error states. Elements are found
by name, value and role rather than by their text, since the Korean catalog grows independently of these tests."""
from __future__ import annotations

import pytest

from app.models import OpinionMap, utcnow
from app.vision import statements as services
from tests.browser.test_accessibility import error_summary_problems, summary_problems
from tests.functional.test_statements import conversation as statement_process

pytestmark = pytest.mark.browser

SEEDS = ("Seoul needs more protected bike lanes.", "Buses should be free for everyone under 19.",
         "자동차 도로를 줄이고 보행로를 넓혀야 한다.", "Parking downtown should cost more.",
         "지하철 막차 시간을 늦춰야 한다.")


@pytest.fixture
def conversation(make, db):
    """Seoul, a process whose round allows statement votes now, five seeded statements, Min-ji and Jae-won."""
    return statement_process(make, db, SEEDS, citizen="김민지", days=5)


def _card_text(page) -> str | None:
    card = page.locator("main .statement-card .statement-text")
    return card.inner_text() if card.count() else None


def _press(page, scope: str, value: str) -> None:
    page.locator(f"main {scope} button[name='value'][value='{value}']").click()
    page.wait_for_load_state()


def test_min_ji_votes_one_at_a_time_changes_a_vote_and_adds_her_own(open_site, make, db, conversation):
    site = open_site(javascript=False)
    page = site.page
    path = f"/c/seoul/processes/{conversation.process.id}/statements"
    site.log_in(conversation.citizen)
    site.choose_language("en")

    # From the process page to the statements.
    site.open(f"/c/seoul/processes/{conversation.process.id}")
    page.locator(f"main a[href='{path}']").first.click()
    page.wait_for_load_state()
    assert site.path == path
    assert page.locator("main .statement-card").count() == 1

    # One statement at a time, each once.
    seen = []
    for step, value in enumerate(("agree", "disagree", "pass", "agree", "disagree")):
        assert page.locator("#statement-progress-label").inner_text() == f"You have voted on {step} of 5 statements."
        text = _card_text(page)
        assert text in SEEDS and text not in seen
        seen.append(text)
        if step == 0:
            site.screenshot("statements-vote-en.png")
        _press(page, ".statement-card", value)
        assert site.path == path
        assert page.locator("main .flash-success").count() == 1
        assert text in page.locator("main .flash-success").inner_text()
    assert sorted(seen) == sorted(SEEDS)
    assert _card_text(page) is None
    assert "You have voted on every statement." in page.locator("main").inner_text()
    assert page.locator(f"main a[href='/c/seoul/processes/{conversation.process.id}/opinion-map']").count() >= 1

    # She changes her first vote from "Your votes": the pressed button moves.
    first = conversation.statements[SEEDS.index(seen[0])]
    item = page.locator("main .my-votes li").filter(has=page.locator(f"#my-vote-{first.id}"))
    assert item.locator("button[value='agree']").get_attribute("aria-pressed") == "true"
    item.locator("button[value='disagree']").click()
    page.wait_for_load_state()
    item = page.locator("main .my-votes li").filter(has=page.locator(f"#my-vote-{first.id}"))
    assert item.locator("button[value='disagree']").get_attribute("aria-pressed") == "true"
    assert item.locator("button[value='agree']").get_attribute("aria-pressed") == "false"
    db.session.commit()
    db.session.refresh(first)
    assert (first.agree_count, first.disagree_count, first.pass_count) == (0, 1, 0)

    # Her own statement: too long first (refused, text kept), then shorter.
    box = page.get_by_label("Your statement")
    too_long = "Close Sejong-daero to cars every Sunday, so that families can walk, cycle and play there " \
               "safely all day long, from early spring until late autumn."
    assert len(too_long) > 140
    box.fill(too_long)
    page.locator("main form.statement-form [type='submit']").click()
    page.wait_for_load_state()
    assert error_summary_problems(page) == []
    assert page.get_by_label("Your statement").input_value() == too_long
    site.screenshot("statements-add-error-en.png")
    page.get_by_label("Your statement").fill("Close Sejong-daero to cars every Sunday.")
    page.locator("main form.statement-form [type='submit']").click()
    page.wait_for_load_state()
    assert site.path == f"{path}#your-statements"
    assert "Close Sejong-daero to cars every Sunday." in page.locator("#your-statements").inner_text()
    assert "Close Sejong-daero to cars every Sunday." in page.locator("#your-votes").inner_text()
    assert _card_text(page) is None  # her own statement is not put to her: she agrees with it
    site.screenshot("statements-done-en.png")

    # In Korean, the page speaks Korean and still has no statement left for her.
    site.choose_language("ko")
    assert _card_text(page) is None and page.locator("main .my-votes li").count() == 6



def _errors_after(site, button: str, what: str, axe_source: str, locale: str) -> list[str]:
    """Press a form's button expecting the form back with errors: the error summary's problems, then the page's."""
    site.page.locator(button).click()
    site.page.wait_for_load_state()
    return [f"{what}: {p}" for p in summary_problems(site.page)] + site.page_problems(axe_source, locale)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_statement_pages_are_accessible(open_site, make, db, conversation, axe_source, locale):
    process = conversation.process
    statement = conversation.statements[0]
    # Some votes, a map with two groups, a pending and a rejected citizen statement.
    voters = [make.member(conversation.city) for _ in range(4)]
    for n, voter in enumerate(voters):
        services.vote(voter, statement, (1, -1, 0, 1)[n])
    process.statement_moderation = "pre"
    pending = services.add_statement(voters[0], process, "Bike parking at every subway exit.")
    rejected = services.add_statement(voters[1], process, "Nothing should change at all.")
    services.moderate(conversation.facilitator, rejected, "reject", "Repeats a seed")
    db.session.add(OpinionMap(process_id=process.id, vote_count=4, votes_changed_at=utcnow(), statement_count=5,
                              participants_clustered=4, seconds=0.01, data={
                                  "groups": [{"id": 0, "size": 2}, {"id": 1, "size": 2}],
                                  "statements": {str(statement.id): {"divisiveness": 0.5,
                                                                     "groups": [[2, 0, 0], [0, 1, 1]]}}}))
    db.session.commit()

    problems = []
    base = f"/c/seoul/processes/{process.id}/statements"
    visitor = open_site()
    visitor.open(base)
    visitor.choose_language(locale)
    for name, path in (("list", base), ("statement", f"/c/seoul/statements/{statement.id}")):
        visitor.open(path)
        problems += visitor.page_problems(axe_source, locale)
        visitor.screenshot(f"statements-visitor-{name}-{locale}.png")

    citizen = open_site()
    citizen.log_in(conversation.citizen)
    citizen.choose_language(locale)
    citizen.open(base)
    problems += citizen.page_problems(axe_source, locale)
    citizen.screenshot(f"statements-citizen-{locale}.png")
    _press(citizen.page, ".statement-card", "agree")
    problems += citizen.page_problems(axe_source, locale)  # with "Your votes" and a flash message
    citizen.open(f"/c/seoul/statements/{statement.id}")
    problems += citizen.page_problems(axe_source, locale)
    citizen.screenshot(f"statement-page-{locale}.png")
    # The add form sent empty: the error summary and the marked field.
    citizen.open(base)
    problems += _errors_after(citizen, "main form.statement-form [type='submit']", "empty statement", axe_source,
                              locale)

    staff = open_site()
    staff.log_in(conversation.facilitator)
    staff.choose_language(locale)
    manage = f"{base}/manage"
    staff.open(manage)
    problems += staff.page_problems(axe_source, locale)
    staff.screenshot(f"statements-manage-{locale}.png")
    for name, path in (("pending", f"/c/seoul/statements/{pending.id}"),
                       ("rejected", f"/c/seoul/statements/{rejected.id}")):
        staff.open(path)
        problems += staff.page_problems(axe_source, locale)
        staff.screenshot(f"statement-{name}-staff-{locale}.png")
    # Rejecting without a reason, from the queue: the error on that statement's form.
    staff.open(manage)
    reject = f"main form.moderation-form button[name='statement-{pending.id}-decision'][value='reject']"
    problems += _errors_after(staff, reject, "reject without reason", axe_source, locale)
    staff.screenshot(f"statements-manage-errors-{locale}.png")
    # The seed form sent empty.
    staff.open(manage)
    problems += _errors_after(staff, "main #seed form [type='submit']", "empty seed", axe_source, locale)
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)
