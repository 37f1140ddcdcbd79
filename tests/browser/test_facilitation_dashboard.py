"""The facilitator's dashboard in a real browser (JOURNEYS.md, Jae-won step 2: "watches participation on the
dashboard; sees that residents over 65 and two districts are under-represented and extends the round"), and
the planners' census shares page. Both pass axe-core in English and Korean, also when sent with errors.
Elements are found by name and role rather than by text, since the Korean catalog grows on its own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import CensusAgeBand, Membership, Participant, Phase, Role, Support
from tests.browser.test_accessibility import error_summary_problems

pytestmark = pytest.mark.browser

SEOUL = ZoneInfo("Asia/Seoul")


def _local(dt: datetime) -> str:
    return dt.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def running(make, db):
    """Seoul with a census, a process whose first round is on and whose vote comes later, supports from the
    young of Mapo over three days, and Jae-won the facilitator."""
    city = make.city()
    mapo, jongno = sorted(city.districts, key=lambda d: d.code)[::-1]
    mapo.population_share, jongno.population_share = Decimal("0.45"), Decimal("0.55")
    for low, high, share in ((14, 29, "0.25"), (30, 64, "0.55"), (65, None, "0.2")):
        db.session.add(CensusAgeBand(city_id=city.id, min_age=low, max_age=high, share=Decimal(share)))
    db.session.commit()
    process = make.process(city, title="Seoul 2030 Green Transport",
                           phases=((-3, 4, ("propose", "comment", "support")), (6, 12, ("budget_vote",))))
    author = make.member(city)
    proposals = [make.proposal(process, author, title=t) for t in ("Bike lanes", "More trees", "Night buses")]
    year = datetime.now(SEOUL).year
    for n in range(9):
        user = make.member(city, birth_year=year - (20 + n * 6))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        membership.district_id = (mapo if n % 3 else jongno).id
        participant = Participant(city_id=city.id, membership_id=membership.id)
        db.session.add(participant)
        db.session.flush()
        for proposal in proposals[: 1 + n % 3]:
            db.session.add(Support(participant_id=participant.id, proposal_id=proposal.id,
                                   created_at=datetime.now(timezone.utc) - timedelta(days=n % 3, hours=n)))
    db.session.commit()
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    current, vote = process.phases
    found = SimpleNamespace(process_id=process.id, current_id=current.id, current_end=current.ends_at,
                            vote_start=vote.starts_at, facilitator=facilitator.email, planner=planner.email)
    # End the test's read transaction: on SQLite it would keep the live server from writing.
    db.session.commit()
    return found


def test_jae_won_extends_the_current_round_from_the_dashboard(open_site, db, running, axe_source):
    site = open_site()  # the page has no script; axe needs one to run
    site.log_in(running.facilitator)
    current_id = running.current_id
    dashboard = f"/c/seoul/manage/processes/{running.process_id}/dashboard"
    site.open(f"/c/seoul/manage/processes/{running.process_id}")
    site.page.locator(f"main a[href='{dashboard}']").click()
    assert site.path == dashboard
    site.screenshot("facilitation-dashboard-en.png")
    assert site.page.locator("main mark").count() >= 1  # someone is under-represented
    site.screenshot("facilitation-dashboard-en.png")

    end = site.page.locator(f"input[name='extend{current_id}-ends_at']")
    # Too far: the vote starts earlier. The form comes back with the error tied to the field.
    end.fill(_local(running.vote_start + timedelta(days=1)))
    site.page.locator(f"form[action$='/phases/{current_id}/extend'] [type='submit']").click()
    site.page.wait_for_load_state()
    assert site.page.locator(f"#extend{current_id}-ends_at-error").count() == 1
    assert error_summary_problems(site.page) == []
    site.assert_accessible(axe_source)

    new_end = (running.current_end + timedelta(days=1)).replace(second=0, microsecond=0)
    site.page.locator(f"input[name='extend{current_id}-ends_at']").fill(_local(new_end))
    site.page.locator(f"form[action$='/phases/{current_id}/extend'] [type='submit']").click()
    site.page.wait_for_load_state()
    assert site.path == dashboard
    assert site.page.locator(".flash-success").count() == 1
    db.session.commit()
    assert db.session.get(Phase, current_id).ends_at == new_end
    db.session.commit()


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_dashboard_and_census_pages_are_accessible(open_site, running, axe_source, locale):
    site = open_site()
    site.log_in(running.facilitator)
    site.choose_language(locale)
    site.open(f"/c/seoul/manage/processes/{running.process_id}/dashboard")
    site.assert_accessible(axe_source)
    site.screenshot(f"facilitation-dashboard-{locale}.png")

    planner = open_site()
    planner.log_in(running.planner)
    planner.choose_language(locale)
    planner.open("/c/seoul/manage/census-shares")
    planner.assert_accessible(axe_source)
    # Sent with errors: shares that do not add up, and an age band that overlaps another.
    planner.page.locator("input[name='districts-0-share']").fill("70")
    planner.page.locator("input[name='bands-1-min_age']").fill("20")
    planner.submit()
    assert planner.page.locator("main .error-summary").count() == 1
    assert error_summary_problems(planner.page) == []
    planner.assert_accessible(axe_source)
    planner.screenshot(f"census-shares-errors-{locale}.png")
