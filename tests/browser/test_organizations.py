"""Partner organizations in a real browser: someone registers an organization (first sending a bad website and
reading the error summary), finds it in the directory marked as not verified; the directory, the organization's
page, its form (with and without errors), its members page and a process's partners page pass axe-core in
English and Korean. Elements are found by name and role rather than by their text, since the Korean catalog
grows independently of these tests."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.models import Organization, OrganizationMember, OrganizationRole, Role, process_partners, utcnow
from tests.browser.test_accessibility import error_summary_problems, summary_problems

pytestmark = pytest.mark.browser


@pytest.fixture
def partners(make, db):
    """Seoul with a process, a verified partner of it (with a co-authored proposal), an unverified organization,
    its representative and a facilitator."""
    city = make.city()
    process = make.process(city, title="Green transport")
    representative = make.member(city, name="김민지")
    facilitator = make.member(city, Role.FACILITATOR, name="Jae-won")
    verified = Organization(name="Mapo Green Network", kind="civil_society", level="city", city_id=city.id,
                            description="We plant **trees** along the Hongje stream.",
                            website="https://green.example.org", verified_at=utcnow())
    unverified = Organization(name="Mangwon Riders", kind="community_group", level="neighbourhood")
    for organization in (verified, unverified):
        organization.members.append(OrganizationMember(user_id=representative.id,
                                                       role=OrganizationRole.REPRESENTATIVE))
    db.session.add_all([verified, unverified])
    db.session.flush()
    db.session.execute(process_partners.insert().values(process_id=process.id, organization_id=verified.id))
    db.session.commit()
    make.proposal(process, representative, title="Shade trees on Worldcup-ro", organization_id=verified.id)
    return SimpleNamespace(city=city, process=process, representative=representative, facilitator=facilitator,
                           verified=verified, unverified=unverified)


def test_registering_an_organization_and_finding_it_in_the_directory(open_site, partners):
    site = open_site(javascript=False)
    page = site.page
    site.log_in(partners.representative)
    site.choose_language("en")
    site.open("/organizations")
    page.locator("main a[href='/organizations/new']").click()
    page.wait_for_load_state()
    assert site.path == "/organizations/new"
    page.locator("main input[name='name']").fill("Hapjeong Library Friends")
    page.locator("main select[name='kind']").select_option("civil_society")
    page.locator("main select[name='level']").select_option("neighbourhood")
    page.locator("main select[name='city']").select_option(str(partners.city.id))
    page.locator("main input[name='website']").fill("javascript:alert(1)")
    site.submit()
    assert error_summary_problems(page) == []
    assert page.locator("main .error-summary a[href='#website']").count() == 1
    page.locator("main input[name='website']").fill("https://library.example.org")
    site.submit()
    assert site.path.startswith("/organizations/") and site.path != "/organizations/new"
    assert page.locator("h1").inner_text() == "Hapjeong Library Friends"
    assert page.locator("main .badge.org-unverified").count() == 1

    site.open(f"/organizations?city={partners.city.id}&kind=civil_society")
    names = page.locator("main .organization-list h2").all_inner_texts()
    assert names == ["Mapo Green Network", "Hapjeong Library Friends"], "verified first, filtered by kind"


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_organization_pages_are_accessible(open_site, partners, axe_source, locale):
    problems = []
    visitor = open_site()
    visitor.open("/organizations")
    visitor.choose_language(locale)
    for name, path in (("directory", "/organizations"), ("directory-filtered", "/organizations?level=city"),
                       ("page", f"/organizations/{partners.verified.id}"),
                       ("page-unverified", f"/organizations/{partners.unverified.id}")):
        visitor.open(path)
        problems += visitor.page_problems(axe_source, locale)
        visitor.screenshot(f"organization-{name}-{locale}.png")

    representative = open_site()
    representative.log_in(partners.representative)
    representative.choose_language(locale)
    for name, path in (("new", "/organizations/new"), ("edit", f"/organizations/{partners.verified.id}/edit"),
                       ("members", f"/organizations/{partners.verified.id}/members"),
                       ("page-manager", f"/organizations/{partners.verified.id}")):
        representative.open(path)
        problems += representative.page_problems(axe_source, locale)
        if locale == "en":
            representative.screenshot(f"organization-{name}-{locale}.png")
    representative.open("/organizations/new")
    representative.page.locator("main input[name='website']").fill("ftp://example.org")
    representative.submit()
    problems += [f"organization form with errors: {p}" for p in summary_problems(representative.page)]
    problems += representative.page_problems(axe_source, locale)
    representative.screenshot(f"organization-form-errors-{locale}.png")

    facilitator = open_site()
    facilitator.log_in(partners.facilitator)
    facilitator.choose_language(locale)
    for name, path in (("process-partners", f"/c/seoul/processes/{partners.process.id}/partners"),
                       ("process-page", f"/c/seoul/processes/{partners.process.id}")):
        facilitator.open(path)
        problems += facilitator.page_problems(axe_source, locale)
        if locale == "en":
            facilitator.screenshot(f"organization-{name}-{locale}.png")
    assert facilitator.page.locator(f"main .partner-list a[href='/organizations/{partners.verified.id}']").count() == 1
    assert problems == [], "\n".join(problems)
