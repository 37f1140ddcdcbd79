"""Every route against every kind of visitor: anonymous, a citizen of the city, a citizen of another city,
a facilitator, a planner, the city's admin, and an admin of another city. Roles are per city."""
import pytest

from app.models import Role
from tests.conftest import login

VISITORS = ("anonymous", "citizen", "other_citizen", "facilitator", "planner", "admin", "other_admin")

# (method, url template, expected status per visitor in VISITORS order). 302 for anonymous = sent to log in.
OK, LOGIN, NO = 200, 302, 403
ROUTES = [
    ("GET", "/c/seoul/", (OK,) * 7),
    ("GET", "/c/seoul/processes/{process}", (OK,) * 7),
    ("GET", "/c/seoul/processes/{process}/proposals", (OK,) * 7),
    ("GET", "/c/seoul/proposals/{proposal}", (OK,) * 7),
    ("GET", "/c/seoul/processes/{process}/proposals/new", (LOGIN, OK, NO, OK, OK, OK, NO)),
    ("POST", "/c/seoul/processes/{process}/proposals/new", (LOGIN, OK, NO, OK, OK, OK, NO)),
    ("GET", "/c/seoul/proposals/{proposal}/edit", (LOGIN, OK, NO, NO, NO, NO, NO)),  # citizen is the author
    ("GET", "/c/seoul/proposals/{proposal}/withdraw", (LOGIN, OK, NO, NO, NO, NO, NO)),
    ("GET", "/c/seoul/join", (LOGIN, 302, OK, 302, 302, 302, OK)),
    ("GET", "/c/seoul/manage/", (LOGIN, NO, NO, OK, NO, OK, NO)),
    ("GET", "/c/seoul/manage/processes/new", (LOGIN, NO, NO, OK, NO, OK, NO)),
    ("POST", "/c/seoul/manage/processes/new", (LOGIN, NO, NO, OK, NO, OK, NO)),
    ("GET", "/c/seoul/manage/processes/{process}", (LOGIN, NO, NO, OK, NO, OK, NO)),
    ("POST", "/c/seoul/manage/processes/{process}/phases", (LOGIN, NO, NO, 422, NO, 422, NO)),
    ("GET", "/c/seoul/manage/phases/{phase}", (LOGIN, NO, NO, OK, NO, OK, NO)),
    # The facilitator removes the round first; for the admin it is then gone: 404.
    ("POST", "/c/seoul/manage/phases/{future_phase}/delete", (LOGIN, NO, NO, 302, NO, 404, NO)),
    ("POST", "/c/seoul/manage/phases/{phase}/close", (LOGIN, NO, NO, 302, NO, 302, NO)),
    ("GET", "/c/seoul/roles", (LOGIN, NO, NO, NO, NO, OK, NO)),
    ("POST", "/c/seoul/roles/{grant}/revoke", (LOGIN, NO, NO, NO, NO, 302, NO)),
    ("GET", "/c/seoul/audit", (LOGIN, NO, NO, NO, NO, OK, NO)),
    ("GET", "/auth/account", (LOGIN, OK, OK, OK, OK, OK, OK)),
    ("GET", "/auth/password", (LOGIN, OK, OK, OK, OK, OK, OK)),
]


@pytest.fixture
def world(make):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    process = make.process(seoul, phases=((-1, 5, ("propose",)), (6, 9, ("support",))))
    people = {
        "anonymous": None,
        "citizen": make.member(seoul),
        "other_citizen": make.member(busan),
        "facilitator": make.member(seoul, Role.FACILITATOR),
        "planner": make.member(seoul, Role.PLANNER),
        "admin": make.member(seoul, Role.ADMIN),
        "other_admin": make.member(busan, Role.ADMIN, Role.FACILITATOR, Role.PLANNER, Role.MODERATOR),
    }
    proposal = make.proposal(process, people["citizen"])
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Membership, RoleGrant

    grant = db.session.scalar(select(RoleGrant).join(Membership).where(
        Membership.user_id == people["planner"].id))
    ids = {"process": process.id, "proposal": proposal.id, "phase": process.phases[0].id,
           "future_phase": process.phases[1].id, "grant": grant.id}
    return people, ids


@pytest.mark.parametrize("method,url,expected", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_route_refuses_whoever_it_should(app, world, method, url, expected):
    people, ids = world
    for visitor, status in zip(VISITORS, expected):
        client = app.test_client()
        if people[visitor] is not None:
            login(client, people[visitor])
        target = url.format(**ids)
        response = client.open(target, method=method, data={})
        assert response.status_code == status, (visitor, target, response.status_code)
        if status == LOGIN and visitor == "anonymous":
            assert "/auth/login" in response.headers["Location"]
        if status == NO:
            assert "Not allowed" in response.get_data(as_text=True)
