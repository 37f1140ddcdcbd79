"""The platform administrator creates cities with their first administrator; a city's administrators change its
settings; a city's colour must keep white text readable; each city's pages carry its colour."""
import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, City, Membership, Role
from app.practices.city_forms import contrast_with_white
from tests.conftest import login

NEW_CITY = {"slug": "busan", "name_ko": "부산광역시", "name_en": "Busan", "default_locale": "ko",
            "time_zone": "Asia/Seoul", "country_code": "KR", "region": "Eastern Asia", "population": "3300000",
            "colour": "#1b4f8a"}


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_platform_admin_creates_a_city_and_its_first_admin(app, client, make, db):
    make.city()
    platform = make.user(is_platform_admin=True)
    future_admin = make.user(email="mayor@busan.example")
    login(client, platform)
    page = client.get("/platform/cities")
    assert page.status_code == 200
    assert "Create a city" in page.get_data(as_text=True)
    # A field's hint is text, never markup: the slug placeholder shows, escaped.
    assert "/c/&lt;slug&gt;/" in page.get_data(as_text=True)
    response = client.post("/platform/cities", data={**NEW_CITY, "admin_email": "Mayor@Busan.example"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    busan = db.session.scalar(select(City).where(City.slug == "busan"))
    assert (busan.name_ko, busan.country_code, busan.region, busan.population, busan.colour) == (
        "부산광역시", "KR", "Eastern Asia", 3_300_000, "#1b4f8a")
    membership = db.session.scalar(select(Membership).where(Membership.city_id == busan.id))
    assert membership.user_id == future_admin.id and membership.has_role(Role.ADMIN)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "city.create"))
    assert event.actor_id == platform.id and event.changes["region"] == "Eastern Asia"
    listing = client.get("/platform/cities").get_data(as_text=True)
    assert "/c/busan/" in listing and "Eastern Asia" in listing
    # The new admin manages the new city's roles at once.
    new_admin = app.test_client()
    login(new_admin, future_admin)
    assert new_admin.get("/c/busan/roles").status_code == 200
    assert new_admin.get("/c/busan/manage/settings").status_code == 200


@pytest.mark.parametrize("change, field, message", [
    ({"admin_email": "nobody@example.org"}, "admin_email", "Nobody has an account"),
    ({"slug": "seoul"}, "slug", "exists already"),
    ({"slug": "Bad Slug!"}, "slug", "lower-case letters"),
    ({"time_zone": "Asia/Nowhere"}, "time_zone", "IANA"),
    ({"colour": "#ffdd00"}, "colour", "4.5:1"),
    ({"colour": "red"}, "colour", "hexadecimal"),
    ({"region": "Atlantis"}, "region", "Not a valid choice"),
    ({"country_code": "XX"}, "country_code", "Not a valid choice"),
    ({"population": "-5"}, "population", "Number must be"),
])
def test_bad_new_city_stays_on_the_form(client, make, db, change, field, message):
    make.city()
    make.user(email="mayor@busan.example")
    login(client, make.user(is_platform_admin=True))
    before = (_count(db, City), _count(db, Membership), _count(db, AuditEvent))
    response = client.post("/platform/cities", data={**NEW_CITY, "admin_email": "mayor@busan.example", **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    assert (_count(db, City), _count(db, Membership), _count(db, AuditEvent)) == before


def test_only_platform_admins_create_cities(app, client, make, db):
    seoul = make.city()
    admin = make.member(seoul, Role.ADMIN)
    make.user(email="mayor@busan.example")
    login(client, admin)
    assert client.get("/platform/cities").status_code == 403
    response = client.post("/platform/cities", data={**NEW_CITY, "admin_email": "mayor@busan.example"})
    assert response.status_code == 403
    assert "platform administrators" in response.get_data(as_text=True)
    assert _count(db, City) == 1
    # The header offers the page to platform admins only.
    assert 'href="/platform/cities"' not in client.get("/c/seoul/").get_data(as_text=True)
    platform = app.test_client()
    login(platform, make.user(is_platform_admin=True))
    assert 'href="/platform/cities"' in platform.get("/c/seoul/").get_data(as_text=True)


def test_city_admin_edits_settings_audited(client, make, db):
    seoul = make.city()
    admin = make.member(seoul, Role.ADMIN)
    login(client, admin)
    form = client.get("/c/seoul/manage/settings").get_data(as_text=True)
    assert 'value="Seoul"' in form and 'value="Asia/Seoul"' in form
    data = {"name_ko": "서울특별시", "name_en": "Seoul", "default_locale": "en", "time_zone": "Asia/Seoul",
            "country_code": "KR", "region": "Eastern Asia", "population": "9400000", "colour": "#7A1F3D"}
    response = client.post("/c/seoul/manage/settings", data=data)
    assert response.status_code == 302
    db.session.refresh(seoul)
    assert (seoul.name_ko, seoul.default_locale, seoul.population, seoul.colour) == ("서울특별시", "en", 9_400_000,
                                                                                     "#7a1f3d")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "city.settings"))
    assert event.actor_id == admin.id and event.changes["colour"] == ["#0b5563", "#7a1f3d"]
    assert "name_en" not in event.changes
    # Saving the same again records nothing more.
    client.post("/c/seoul/manage/settings", data=data)
    assert _count(db, AuditEvent) == 1
    # The colour reaches the city's stylesheet, linked from every page of the city.
    assert "/c/seoul/city.css" in client.get("/c/seoul/").get_data(as_text=True)
    css = client.get("/c/seoul/city.css")
    assert css.mimetype == "text/css" and "--city-colour: #7a1f3d" in css.get_data(as_text=True)


def test_settings_refuse_unreadable_colour_and_unknown_time_zone(client, make, db):
    seoul = make.city()
    login(client, make.member(seoul, Role.ADMIN))
    data = {"name_ko": "서울", "name_en": "Seoul", "default_locale": "ko", "time_zone": "Mars/Olympus",
            "country_code": "KR", "region": "Eastern Asia", "population": "", "colour": "#8fbc8f"}
    response = client.post("/c/seoul/manage/settings", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "IANA" in page and "4.5:1" in page
    db.session.refresh(seoul)
    assert seoul.time_zone == "Asia/Seoul" and seoul.colour == "#0b5563"


@pytest.mark.parametrize("role", [None, Role.FACILITATOR, Role.PLANNER, Role.MODERATOR])
def test_only_admins_change_settings(client, make, db, role):
    seoul = make.city()
    user = make.member(seoul, *([role] if role else []))
    login(client, user)
    assert client.get("/c/seoul/manage/settings").status_code == 403
    response = client.post("/c/seoul/manage/settings", data={"name_en": "Hacked", "name_ko": "x",
                                                             "default_locale": "en", "time_zone": "UTC",
                                                             "colour": "#000000"})
    assert response.status_code == 403
    db.session.refresh(seoul)
    assert seoul.name_en == "Seoul"


def test_an_admin_of_another_city_cannot_change_settings(client, make, db):
    make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    login(client, make.member(busan, Role.ADMIN))
    assert client.get("/c/seoul/manage/settings").status_code == 403
    assert client.post("/c/seoul/manage/settings", data={"name_en": "Hacked"}).status_code == 403


@pytest.mark.parametrize("colour, readable", [("#0b5563", True), ("#000000", True), ("#767676", True),
                                              ("#777777", False), ("#ffffff", False), ("#1b4f8a", True)])
def test_contrast_with_white(colour, readable):
    assert (contrast_with_white(colour) >= 4.5) is readable

