"""Joining a city, and the roles an admin grants there (audited)."""
from sqlalchemy import select

from app.models import AuditEvent, Membership, Role, RoleGrant
from tests.conftest import login


def test_join_a_city_with_district_and_birth_year(client, make, db):
    city = make.city()
    user = make.user()
    login(client, user)
    district = city.districts[1]
    response = client.post("/c/seoul/join", data={"district": district.id, "birth_year": 1994})
    assert response.status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.district_id == district.id and membership.birth_year == 1994
    # Joining twice changes nothing.
    assert client.post("/c/seoul/join", data={"district": district.id, "birth_year": 1990}).status_code == 302
    assert len(db.session.scalars(select(Membership)).all()) == 1


def test_join_errors_stay_on_the_form(client, make, db):
    city = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    login(client, make.user())
    for data, message in (
        ({"district": 0, "birth_year": 1990}, "Choose your district"),
        ({"district": busan.districts[0].id, "birth_year": 1990}, "Not a valid choice"),
        ({"district": city.districts[0].id, "birth_year": 1800}, "between 1900"),
        ({"district": city.districts[0].id, "birth_year": "abc"}, "Not a valid integer"),
        ({"district": city.districts[0].id}, "year of birth"),
    ):
        response = client.post("/c/seoul/join", data=data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), data
    assert db.session.scalars(select(Membership)).all() == []


def test_admin_grants_and_removes_roles_and_both_are_audited(client, make, db):
    city = make.city()
    admin = make.member(city, Role.ADMIN)
    someone = make.member(city, email="jaewon@example.org")
    login(client, admin)
    response = client.post("/c/seoul/roles", data={"email": "JaeWon@example.org", "role": "facilitator"})
    assert response.status_code == 302
    grant = db.session.scalar(select(RoleGrant).join(Membership).where(Membership.user_id == someone.id))
    assert grant.role == "facilitator" and grant.granted_by_id == admin.id
    grant_id = grant.id
    again = client.post("/c/seoul/roles", data={"email": "jaewon@example.org", "role": "facilitator"})
    assert again.status_code == 200 and "already has this role" in again.get_data(as_text=True)
    unknown = client.post("/c/seoul/roles", data={"email": "stranger@example.org", "role": "planner"})
    assert "Nobody with this e-mail address" in unknown.get_data(as_text=True)
    bogus = client.post("/c/seoul/roles", data={"email": "jaewon@example.org", "role": "emperor"})
    assert bogus.status_code == 200 and "Not a valid choice" in bogus.get_data(as_text=True)
    assert client.post(f"/c/seoul/roles/{grant_id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant_id) is None
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.changes["role"]) for e in events] == [
        ("role.grant", admin.id, [None, "facilitator"]), ("role.revoke", admin.id, ["facilitator", None])]
    log = client.get("/c/seoul/audit").get_data(as_text=True)
    assert "role.grant" in log and "role.revoke" in log


def test_a_role_in_one_city_grants_nothing_in_another(client, make, db):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    busan_admin = make.member(busan, Role.ADMIN)
    make.member(seoul, user=busan_admin)  # a plain citizen of Seoul
    login(client, busan_admin)
    assert client.get("/c/busan/roles").status_code == 200
    assert client.get("/c/seoul/roles").status_code == 403
    assert client.get("/c/seoul/manage/").status_code == 403


def test_admin_cannot_remove_their_own_admin_role(client, make, db):
    city = make.city()
    admin = make.member(city, Role.ADMIN)
    grant = db.session.scalar(select(RoleGrant).join(Membership).where(Membership.user_id == admin.id))
    login(client, admin)
    response = client.post(f"/c/seoul/roles/{grant.id}/revoke")
    assert response.status_code == 403 and "own administrator role" in response.get_data(as_text=True)


def test_city_create_command_adds_a_city_and_its_first_admin(app, make, db):
    future_admin = make.user(email="busan-admin@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["city", "create", "busan", "--name-en", "Busan", "--name-ko", "부산광역시",
                                 "--admin", "busan-admin@example.org"])
    assert result.exit_code == 0, result.output
    from app.models import City

    city = db.session.scalar(select(City).where(City.slug == "busan"))
    assert city.name_ko == "부산광역시" and city.time_zone == "Asia/Seoul"
    grant = db.session.scalar(select(RoleGrant).join(Membership).where(Membership.user_id == future_admin.id))
    assert grant.role == "admin" and grant.membership.city_id == city.id
    assert {e.action for e in db.session.scalars(select(AuditEvent))} == {"city.create", "role.grant"}
    for args, message in ((["busan"], "exists already"), (["Bad Slug!"], "slug"),
                          (["daegu", "--time-zone", "Mars/Olympus"], "time zone"),
                          (["daegu", "--admin", "nobody@example.org"], "No account")):
        again = runner.invoke(args=["city", "create", *args, "--name-en", "X", "--name-ko", "X"])
        assert again.exit_code != 0 and message in again.output, again.output
