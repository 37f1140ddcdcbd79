"""Partner organizations (issue 8, "Partners (multilevel)"): anyone confirmed registers one and represents it;
representatives edit it and its members (never leaving it without a representative); the admins of its city or
of the platform verify it; a city's facilitators choose a process's partners among verified organizations;
proposals are co-authored on behalf of an organization the author belongs to; an organization's page lists its
public contributions across processes and cities."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import (
    AuditEvent,
    Organization,
    OrganizationMember,
    OrganizationRole,
    Practice,
    PracticeState,
    Proposal,
    Role,
    process_partners,
    utcnow,
)
from tests.conftest import all_at_once, login, postgres_only


def _form(**overrides):
    data = {"name": "Mangwon Cycling Club", "kind": "community_group", "level": "neighbourhood", "city": 0,
            "description": "We ride **together**.", "website": "https://cycling.example.org"}
    data.update(overrides)
    return data


def _organization(db, make, representative, city=None, verified=False, name="Mapo Green Network", **fields):
    organization = Organization(name=name, kind="civil_society", level="city", city_id=city.id if city else None,
                                created_by_id=representative.id, verified_at=utcnow() if verified else None,
                                **fields)
    organization.members.append(OrganizationMember(user_id=representative.id,
                                                   role=OrganizationRole.REPRESENTATIVE))
    db.session.add(organization)
    db.session.commit()
    return organization


def _member(db, organization, user, role=OrganizationRole.MEMBER):
    db.session.add(OrganizationMember(organization_id=organization.id, user_id=user.id, role=role))
    db.session.commit()


def _audits(db, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# Registering ---------------------------------------------------------------------------------------------

def test_a_confirmed_member_registers_an_organization_and_represents_it(client, make, db):
    seoul = make.city()
    founder = make.member(seoul)
    login(client, founder)
    response = client.post("/organizations/new", data=_form(city=seoul.id))
    assert response.status_code == 302
    organization = db.session.scalar(select(Organization))
    assert organization.name == "Mangwon Cycling Club" and organization.city_id == seoul.id
    assert organization.created_by_id == founder.id and organization.verified_at is None
    member = db.session.get(OrganizationMember, (organization.id, founder.id))
    assert member.role == OrganizationRole.REPRESENTATIVE
    assert len(_audits(db, "organization.create")) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>together</strong>" in page and "not verified" in page


def test_an_unconfirmed_account_cannot_register_one(client, make, db):
    login(client, make.user(confirmed=False))
    assert client.get("/organizations/new").status_code == 403
    assert client.post("/organizations/new", data=_form()).status_code == 403
    assert db.session.scalar(select(Organization)) is None


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert client.get("/organizations/new").status_code == 302


@pytest.mark.parametrize("website", ["javascript:alert(1)", "ftp://example.org", "example.org", "https://",
                                     "data:text/html,hi", "http://exa mple.org"])
def test_only_http_and_https_websites_are_accepted(client, make, db, website):
    login(client, make.user())
    response = client.post("/organizations/new", data=_form(website=website))
    assert response.status_code == 422
    assert "http:// or https://" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organization)) is None


def test_a_city_the_founder_has_not_joined_is_refused(client, make, db):
    make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    login(client, make.user())
    response = client.post("/organizations/new", data=_form(city=busan.id))
    assert response.status_code == 422
    assert db.session.scalar(select(Organization)) is None


def test_markdown_of_the_description_is_sanitized(client, make, db):
    founder = make.user()
    organization = _organization(db, make, founder, description="<script>alert(1)</script>**hi**")
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<strong>hi</strong>" in page


# Editing and members -------------------------------------------------------------------------------------

def test_only_representatives_edit_and_manage_members(client, make, db):
    seoul = make.city()
    representative, member, stranger = make.member(seoul), make.member(seoul), make.member(seoul)
    organization = _organization(db, make, representative, seoul)
    _member(db, organization, member)
    for user in (member, stranger):
        login(client, user)
        assert client.get(f"/organizations/{organization.id}/edit").status_code == 403
        assert client.post(f"/organizations/{organization.id}/edit", data=_form()).status_code == 403
        assert client.get(f"/organizations/{organization.id}/members").status_code == 403
        assert client.post(f"/organizations/{organization.id}/members/{representative.id}/remove").status_code == 403
        client.post("/auth/logout")
    assert db.session.get(Organization, organization.id).name == "Mapo Green Network"

    login(client, representative)
    response = client.post(f"/organizations/{organization.id}/edit", data=_form(name="Mapo Green", city=seoul.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).name == "Mapo Green"
    assert _audits(db, "organization.update")[0].changes["name"] == ["Mapo Green Network", "Mapo Green"]


def test_representative_adds_promotes_and_removes_members(client, make, db):
    representative, newcomer = make.user(), make.user(email="newcomer@example.org")
    organization = _organization(db, make, representative)
    login(client, representative)
    url = f"/organizations/{organization.id}/members"
    assert client.post(url, data={"email": "nobody@example.org", "role": "member"}).status_code == 422
    assert client.post(url, data={"email": "newcomer@example.org", "role": "member"}).status_code == 302
    again = client.post(url, data={"email": "newcomer@example.org", "role": "member"})
    assert again.status_code == 422 and "member already" in again.get_data(as_text=True)
    assert client.post(f"{url}/{newcomer.id}/role", data={"role": "representative"}).status_code == 302
    assert client.post(f"{url}/{newcomer.id}/role", data={"role": "owner"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(OrganizationMember, (organization.id, newcomer.id)).role == "representative"
    assert client.post(f"{url}/{newcomer.id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(OrganizationMember, (organization.id, newcomer.id)) is None
    assert client.post(f"{url}/999999/remove").status_code == 404
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"organization.member_add", "organization.member_role", "organization.member_remove"} <= actions


def test_the_last_representative_is_neither_removed_nor_demoted(client, make, db):
    representative, member = make.user(), make.user()
    organization = _organization(db, make, representative)
    _member(db, organization, member)
    login(client, representative)
    url = f"/organizations/{organization.id}/members/{representative.id}"
    removed = client.post(f"{url}/remove")
    assert removed.status_code == 422 and "at least one representative" in removed.get_data(as_text=True)
    demoted = client.post(f"{url}/role", data={"role": "member"})
    assert demoted.status_code == 422
    db.session.expire_all()
    assert db.session.get(OrganizationMember, (organization.id, representative.id)).role == "representative"
    # With a second representative, the first may step down.
    _member(db, organization, make.user(), OrganizationRole.REPRESENTATIVE)
    assert client.post(f"{url}/role", data={"role": "member"}).status_code == 302


def test_two_representatives_removing_each_other_at_once_leave_one(app, make, db):
    postgres_only(db)
    first, second = make.user(), make.user()
    organization = _organization(db, make, first)
    _member(db, organization, second, OrganizationRole.REPRESENTATIVE)
    clients = [app.test_client(), app.test_client()]
    login(clients[0], first)
    login(clients[1], second)
    urls = [f"/organizations/{organization.id}/members/{second.id}/remove",
            f"/organizations/{organization.id}/members/{first.id}/remove"]
    results = all_at_once(clients, lambda index, client: client.post(urls[index]).status_code)
    assert sorted(results) == [302, 422]
    db.session.expire_all()
    remaining = list(db.session.scalars(select(OrganizationMember).where(
        OrganizationMember.organization_id == organization.id)))
    assert [m.role for m in remaining] == ["representative"]


# Verification --------------------------------------------------------------------------------------------

def test_admins_of_its_city_and_platform_admins_verify_it(client, make, db):
    seoul, busan = make.city(), make.city(slug="busan", name_en="Busan", name_ko="부산")
    representative = make.member(seoul)
    organization = _organization(db, make, representative, seoul)
    url = f"/organizations/{organization.id}"

    for refused in (representative, make.member(busan, Role.ADMIN), make.member(seoul, Role.FACILITATOR)):
        login(client, refused)
        response = client.post(f"{url}/verify")
        assert response.status_code == 403
        assert "administrators" in response.get_data(as_text=True)
        client.post("/auth/logout")
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verified_at is None

    admin = make.member(seoul, Role.ADMIN)
    login(client, admin)
    assert client.post(f"{url}/verify").status_code == 302
    db.session.expire_all()
    verified = db.session.get(Organization, organization.id)
    assert verified.verified_at is not None and verified.verified_by_id == admin.id
    event = _audits(db, "organization.verify")[0]
    assert event.target_type == "organization" and event.target_id == organization.id and event.city_id == seoul.id
    assert client.post(f"{url}/unverify").status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verified_at is None
    client.post("/auth/logout")

    # Without a city, only platform admins verify it.
    national = _organization(db, make, representative, name="Korea Cycling Federation")
    login(client, admin)
    assert client.post(f"/organizations/{national.id}/verify").status_code == 403
    client.post("/auth/logout")
    login(client, make.user(is_platform_admin=True))
    assert client.post(f"/organizations/{national.id}/verify").status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, national.id).verified_at is not None


# The directory -------------------------------------------------------------------------------------------

def test_the_directory_filters_and_lists_verified_first(client, make, db):
    seoul, busan = make.city(), make.city(slug="busan", name_en="Busan", name_ko="부산")
    someone = make.user()
    _organization(db, make, someone, seoul, name="Alpha Unverified")
    _organization(db, make, someone, busan, verified=True, name="Zeta Verified")
    academia = _organization(db, make, someone, None, verified=True, name="Seoul Urban Lab")
    academia.kind, academia.level = "academia", "national"
    db.session.commit()

    page = client.get("/organizations").get_data(as_text=True)
    assert page.index("Seoul Urban Lab") < page.index("Zeta Verified") < page.index("Alpha Unverified")
    assert "not verified" in page
    kind = client.get("/organizations?kind=academia").get_data(as_text=True)
    assert "Seoul Urban Lab" in kind and "Zeta Verified" not in kind
    city = client.get(f"/organizations?city={busan.id}").get_data(as_text=True)
    assert "Zeta Verified" in city and "Alpha Unverified" not in city
    level = client.get("/organizations?level=national").get_data(as_text=True)
    assert "Seoul Urban Lab" in level and "Alpha Unverified" not in level
    assert client.get("/organizations?kind=nonsense&city=abc").status_code == 200
    assert client.get("/organizations/999999").status_code == 404


# Process partners ----------------------------------------------------------------------------------------

def test_facilitators_choose_verified_partners_and_the_process_page_lists_them(client, make, db):
    seoul, busan = make.city(), make.city(slug="busan", name_en="Busan", name_ko="부산")
    process = make.process(seoul, title="Green transport")
    someone = make.user()
    verified = _organization(db, make, someone, busan, verified=True, name="Busan Port Institute")
    unverified = _organization(db, make, someone, seoul, name="Unverified Friends")
    url = f"/c/seoul/processes/{process.id}/partners"

    for refused in (make.member(seoul), make.member(seoul, Role.PLANNER), make.member(busan, Role.ADMIN)):
        login(client, refused)
        assert client.get(url).status_code == 403
        assert client.post(url, data={"organizations": [verified.id]}).status_code == 403
        client.post("/auth/logout")

    login(client, make.member(seoul, Role.FACILITATOR))
    form = client.get(url).get_data(as_text=True)
    assert "Busan Port Institute" in form and "Unverified Friends" not in form
    forged = client.post(url, data={"organizations": [unverified.id]})
    assert forged.status_code == 422
    assert db.session.scalar(select(process_partners.c.organization_id)) is None
    assert client.post(url, data={"organizations": [verified.id]}).status_code == 302
    assert list(db.session.scalars(select(process_partners.c.organization_id))) == [verified.id]
    event = _audits(db, "process.partners")[0]
    assert event.target_type == "process" and event.city_id == seoul.id

    page = client.get(f"/c/seoul/processes/{process.id}").get_data(as_text=True)
    assert "Partners" in page and "Busan Port Institute" in page and f"/organizations/{verified.id}" in page
    organization_page = client.get(f"/organizations/{verified.id}").get_data(as_text=True)
    assert f"/c/seoul/processes/{process.id}" in organization_page and "Green transport" in organization_page

    # Unverified later, it still shows on the process page, marked.
    verified.verified_at = None
    db.session.commit()
    assert "not verified" in client.get(f"/c/seoul/processes/{process.id}").get_data(as_text=True)
    assert client.post(url, data={"organizations": []}).status_code == 302
    assert db.session.scalar(select(process_partners.c.organization_id)) is None


# Co-authored proposals -----------------------------------------------------------------------------------

def _proposal_form(**overrides):
    data = {"title": "Protected bike lane on Worldcup-ro",
            "body": "Separate the bike lane from traffic with kerbs between Mangwon and Hapjeong stations.",
            "district": 0, "sdg_targets": ["11.2"], "plan_items": [], "cost": ""}
    data.update(overrides)
    return data


def test_a_proposal_is_co_authored_only_with_an_organization_of_the_author(client, make, db):
    seoul = make.city()
    process = make.process(seoul)
    author = make.member(seoul)
    mine = _organization(db, make, make.user(), seoul, name="Mangwon Riders")
    _member(db, mine, author)
    other = _organization(db, make, make.user(), seoul, name="Someone Else's Club")
    login(client, author)
    url = f"/c/seoul/processes/{process.id}/proposals/new"

    form = client.get(url).get_data(as_text=True)
    assert "Mangwon Riders" in form and "Someone Else" not in form
    forged = client.post(url, data=_proposal_form(organization=other.id))
    assert "Not a valid choice" in forged.get_data(as_text=True)
    assert db.session.scalar(select(Proposal)) is None

    response = client.post(url, data=_proposal_form(organization=mine.id))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.organization_id == mine.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "on behalf of" in page and f"/organizations/{mine.id}" in page and "not verified" in page


def test_the_service_refuses_an_organization_the_author_does_not_belong_to(make, db):
    from app.proposals import services

    seoul = make.city()
    process = make.process(seoul)
    author = make.member(seoul)
    other = _organization(db, make, make.user(), seoul)
    data = services.ProposalData(title="A bench for the bus stop", body="Old people wait standing for long.",
                                 district_id=None, sdg_target_codes=(), plan_item_ids=(), cost=None,
                                 organization_id=other.id)
    with pytest.raises(services.InvalidReference):
        services.create_proposal(author, process, data)


# The organization's page ---------------------------------------------------------------------------------

def test_the_organization_page_lists_public_contributions_only(client, make, db):
    seoul, busan = make.city(), make.city(slug="busan", name_en="Busan", name_ko="부산")
    seoul_process = make.process(seoul, title="Green transport")
    busan_process = make.process(busan, title="Harbour parks")
    author = make.member(seoul)
    make.member(busan, user=author)
    organization = _organization(db, make, author, seoul, verified=True)
    make.proposal(seoul_process, author, title="Visible Seoul proposal", organization_id=organization.id)
    make.proposal(busan_process, author, title="Visible Busan proposal", organization_id=organization.id)
    make.proposal(seoul_process, author, title="Hidden proposal here", organization_id=organization.id,
                  hidden_at=utcnow(), hidden_reason="spam")
    make.proposal(seoul_process, author, title="Proposal without organization")
    published = Practice(city_id=seoul.id, theme="mobility", title_en="Published bike practice",
                         state=PracticeState.PUBLISHED, published_at=utcnow())
    draft = Practice(city_id=busan.id, theme="mobility", title_en="Draft harbour practice")
    published.organizations.append(organization)
    draft.organizations.append(organization)
    db.session.add_all([published, draft])
    db.session.execute(process_partners.insert().values(process_id=busan_process.id, organization_id=organization.id))
    db.session.commit()

    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    for shown in ("Visible Seoul proposal", "Visible Busan proposal", "Published bike practice", "Harbour parks"):
        assert shown in page
    for hidden in ("Hidden proposal here", "Draft harbour practice", "Proposal without organization"):
        assert hidden not in page
    assert "/c/busan/proposals/" in page and "/c/seoul/proposals/" in page
