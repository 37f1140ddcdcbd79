"""Ranked polls in a real browser (JOURNEYS.md, citizen step 8: "ranks four options in a poll on the new
plaza's name"): Min-ji ranks with the select boxes (without JavaScript), finds her ballot kept, changes it,
and once the round is over reads the winner on the results page. The poll page, the facilitator's poll form
and the results pages pass axe-core in English and Korean. Elements are found by name, label and role rather
than by their text, since the Korean catalog grows independently of these tests."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.models import PollMethod, Role, utcnow
from app.voting import poll_services
from tests.browser.test_accessibility import error_summary_problems, summary_problems

pytestmark = pytest.mark.browser

# (Korean, English) names for the new plaza.
NAMES = (("마당 광장", "Madang Plaza"), ("단풍 광장", "Maple Square"), ("강변 정원", "River Garden"),
         ("해돋이 마당", "Sunrise Court"))


def _poll(db, process, facilitator, method=PollMethod.SCHULZE, secret=False):
    data = poll_services.PollData(
        question_ko="새 광장의 이름은 무엇이 좋을까요?", question_en="What should the new plaza be called?",
        description_ko="광장은 내년 **봄**에 문을 엽니다.", description_en="The plaza opens next **spring**.",
        method=method, secret=secret, options=tuple(poll_services.OptionData(ko, en) for ko, en in NAMES))
    poll = poll_services.create_poll(facilitator, process, data)
    db.session.commit()
    return poll


@pytest.fixture
def plaza(make, db):
    """Seoul, a process whose round allows poll voting now, an open and a secret poll, Min-ji and Jae-won."""
    city = make.city()
    process = make.process(city, title="Naming the new plaza", phases=((-1, 5, ("poll_vote", "comment")),))
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    poll = _poll(db, process, facilitator)
    secret = _poll(db, process, facilitator, method=PollMethod.IRV, secret=True)
    return SimpleNamespace(city=city, process=process, facilitator=facilitator, poll=poll, secret=secret,
                           citizen=make.member(city, name="김민지"))


def _close_voting(db, process):
    db.session.commit()  # a fresh snapshot, as above
    for phase in process.phases:
        phase.starts_at = utcnow() - timedelta(days=3)
        phase.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def _neighbours_vote(make, db, poll, rankings) -> None:
    """Ballots of new members, cast through the service; each ranking names options in English, best first."""
    from sqlalchemy import select

    from app.models import Membership
    from app.voting.services import participant_for

    db.session.commit()  # a fresh snapshot: SQLite refuses a write from one older than the live server's commits
    by_label = {o.label_en: o.id for o in poll.options}
    for ranking in rankings:
        neighbour = make.member(poll.process.city)
        membership = db.session.scalar(select(Membership).where(Membership.user_id == neighbour.id))
        poll_services.cast_ballot(poll, participant_for(membership), [by_label[n] for n in ranking])
        db.session.commit()


def _rank(page, ranks: dict[str, str]) -> None:
    """Choose a rank in each select box, found by its label (the option's name)."""
    for label, rank in ranks.items():
        page.get_by_label(label, exact=True).select_option(rank)


def _shown_ranks(page) -> dict[str, str]:
    return {en: page.get_by_label(en, exact=True).input_value() for _ko, en in NAMES}


def test_min_ji_ranks_the_plaza_names_changes_her_ballot_and_reads_the_winner(open_site, make, db, plaza):
    site = open_site(javascript=False)
    page = site.page
    poll_path = f"/c/seoul/polls/{plaza.poll.id}"
    site.log_in(plaza.citizen)
    site.choose_language("en")

    # From the process page to the poll.
    site.open(f"/c/seoul/processes/{plaza.process.id}")
    page.locator(f"main a[href='{poll_path}']").click()
    page.wait_for_load_state()
    assert site.path == poll_path
    assert page.locator("h1").inner_text() == "What should the new plaza be called?"
    assert page.locator("main form.ballot select").count() == 4

    # A gap in her ranks is refused, with her choices kept.
    _rank(page, {"River Garden": "1", "Madang Plaza": "3"})
    site.submit()
    assert site.path == f"{poll_path}/ballot"
    assert error_summary_problems(page) == [], "the error summary is an alert that leads to the ranking"
    assert page.locator("main .error-summary a[href='#ranking']").count() == 1
    assert _shown_ranks(page) == {"Madang Plaza": "3", "Maple Square": "", "River Garden": "1",
                                  "Sunrise Court": ""}

    # She ranks three of the four names.
    _rank(page, {"Madang Plaza": "2", "Sunrise Court": "3"})
    site.submit()
    assert site.path == poll_path, page.locator("main").inner_text()[:500]
    assert page.locator("main .flash-success").count() == 1
    assert _shown_ranks(page) == {"Madang Plaza": "2", "Maple Square": "", "River Garden": "1", "Sunrise Court": "3"}
    site.screenshot("poll-ballot-en.png")

    # Coming back later, her ballot is kept; she changes her mind.
    site.open(poll_path)
    assert _shown_ranks(page)["River Garden"] == "1"
    _rank(page, {"Madang Plaza": "1", "River Garden": "2", "Sunrise Court": "", "Maple Square": ""})
    site.submit()
    assert site.path == poll_path
    assert _shown_ranks(page) == {"Madang Plaza": "1", "Maple Square": "", "River Garden": "2", "Sunrise Court": ""}

    # Two neighbours vote too; then the round ends.
    _neighbours_vote(make, db, plaza.poll, (["Madang Plaza", "Maple Square"],
                                            ["Maple Square", "Madang Plaza", "River Garden"]))
    _close_voting(db, plaza.process)

    # The ballot is gone from the page; the results name the winner, in Korean too.
    site.open(poll_path)
    assert page.locator("main form.ballot").count() == 0
    page.locator(f"main a[href='{poll_path}/results']").click()
    page.wait_for_load_state()
    assert site.path == f"{poll_path}/results"
    winner = page.locator("main h2 + p.lead strong")
    assert winner.inner_text() == "Madang Plaza"
    assert page.locator("main table.pairwise caption").count() == 1
    assert page.locator("main table.pairwise th[scope='col']").count() == 4
    assert page.locator("main table.pairwise th[scope='row']").count() == 4
    site.screenshot("poll-results-en.png")
    site.choose_language("ko")
    assert page.locator("main h2 + p.lead strong").inner_text() == "마당 광장"
    site.screenshot("poll-results-ko.png")


def test_a_secret_ballot_is_announced_as_final_and_then_closed(open_site, plaza):
    site = open_site(javascript=False)
    page = site.page
    path = f"/c/seoul/polls/{plaza.secret.id}"
    site.log_in(plaza.citizen)
    site.choose_language("en")
    site.open(path)
    notice = page.locator("main .callout").inner_text()
    assert "secret ballot" in notice and "final" in notice
    _rank(page, {"Sunrise Court": "1"})
    site.submit()
    assert site.path == path
    assert page.locator("main form.ballot").count() == 0
    assert "A secret ballot is final." in page.locator("main").inner_text()



@pytest.mark.parametrize("locale", ["en", "ko"])
def test_poll_pages_are_accessible(open_site, make, db, plaza, axe_source, locale):
    problems = []
    citizen = open_site()
    citizen.log_in(plaza.citizen)
    citizen.choose_language(locale)
    poll_path = f"/c/seoul/polls/{plaza.poll.id}"
    for name, path in (("page", poll_path), ("secret", f"/c/seoul/polls/{plaza.secret.id}"),
                       ("results-before-closing", f"{poll_path}/results")):
        citizen.open(path)
        problems += citizen.page_problems(axe_source, locale)
        if locale == "en":
            citizen.screenshot(f"poll-{name}-{locale}.png")
    # The ballot sent with a repeated rank: the error summary and the marked fields.
    citizen.open(poll_path)
    _rank(citizen.page, {NAMES[0][1] if locale == "en" else NAMES[0][0]: "1",
                         NAMES[1][1] if locale == "en" else NAMES[1][0]: "1"})
    citizen.submit()
    problems += [f"ballot with errors: {p}" for p in summary_problems(citizen.page)]
    problems += citizen.page_problems(axe_source, locale)
    if locale == "ko":
        citizen.screenshot("poll-ballot-errors-ko.png")

    staff = open_site()
    staff.log_in(plaza.facilitator)
    staff.choose_language(locale)
    manage = f"/c/seoul/manage/processes/{plaza.process.id}/polls"
    for name, path in (("manage", manage), ("new", f"{manage}/new"),
                       ("edit", f"{manage}/{plaza.poll.id}"), ("results-provisional", f"{poll_path}/results")):
        staff.open(path)
        problems += staff.page_problems(axe_source, locale)
        if locale == "en":
            staff.screenshot(f"poll-{name}-{locale}.png")
    # The poll form sent empty answers with its error summary.
    staff.open(f"{manage}/new")
    staff.submit()
    problems += [f"empty poll form: {p}" for p in summary_problems(staff.page)]
    problems += staff.page_problems(axe_source, locale)
    if locale == "en":
        staff.screenshot("poll-form-errors-en.png")

    # The results once voting has closed: Schulze's pairwise table and the IRV rounds.
    votes = (["Madang Plaza", "River Garden"], ["Maple Square"], ["River Garden", "Maple Square"],
             ["Sunrise Court", "River Garden"], ["Madang Plaza"])
    _neighbours_vote(make, db, plaza.poll, votes)
    _neighbours_vote(make, db, plaza.secret, votes)
    _close_voting(db, plaza.process)
    for name, path in (("results-schulze", f"{poll_path}/results"),
                       ("results-irv", f"/c/seoul/polls/{plaza.secret.id}/results")):
        citizen.open(path)
        problems += citizen.page_problems(axe_source, locale)
        citizen.screenshot(f"poll-{name}-{locale}.png")
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems)
