"""City use cases: creating a city and changing its settings, joining a city, granting and removing roles."""
from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import diff, record
from app.extensions import db
from app.models import AuditTarget, City, District, Membership, OpenDataLicence, Role, RoleGrant, User


class InvalidCity(Exception):
    pass


@dataclass(frozen=True)
class CityData:
    slug: str
    name_en: str
    name_ko: str
    time_zone: str = "Asia/Seoul"
    default_locale: str = "ko"
    country_code: str = ""
    region: str = ""
    population: int | None = None
    colour: str = "#0b5563"


# What a city's administrators may change about their city (the slug stays: it is every link's address).
SETTINGS_FIELDS = ("name_en", "name_ko", "default_locale", "time_zone", "country_code", "region", "population",
                   "colour", "open_data_licence")


@dataclass(frozen=True)
class CitySettingsData:
    name_en: str
    name_ko: str
    default_locale: str
    time_zone: str
    country_code: str
    region: str
    population: int | None
    colour: str
    open_data_licence: str | None = None  # None: unchanged


SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def create_city(data: CityData, admin_email: str | None = None, actor: User | None = None) -> City:
    """A new city; with `admin_email`, that account joins it as its first admin."""
    if not SLUG.match(data.slug):
        raise InvalidCity("The slug is lower-case letters, digits and hyphens (at most 40).")
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidCity(f"Unknown time zone {data.time_zone!r}.") from error
    admin = None
    if admin_email:
        admin = db.session.scalar(select(User).where(User.email == admin_email.strip().lower()))
        if admin is None:
            raise InvalidCity(f"No account uses {admin_email}.")
    city = City(slug=data.slug, name_en=data.name_en.strip(), name_ko=data.name_ko.strip(),
                time_zone=data.time_zone, default_locale=data.default_locale,
                country_code=data.country_code.upper(), region=data.region, population=data.population,
                colour=data.colour.lower())
    try:
        with db.session.begin_nested():
            db.session.add(city)
    except IntegrityError as error:
        raise InvalidCity(f"A city with the slug {data.slug!r} exists already.") from error
    record(actor, "city.create", AuditTarget.CITY, city.id, city_id=city.id,
           changes={"slug": data.slug, "name_en": data.name_en, "name_ko": data.name_ko,
                    "default_locale": data.default_locale, "time_zone": data.time_zone,
                    "country_code": city.country_code, "region": data.region, "population": data.population,
                    "colour": city.colour, "admin_user_id": admin.id if admin is not None else None})
    if admin is not None:
        membership = Membership(user_id=admin.id, city_id=city.id)
        db.session.add(membership)
        db.session.flush()
        grant_role(actor or admin, membership, Role.ADMIN)
    return city


def update_city_settings(actor: User, city: City, data: CitySettingsData) -> dict:
    """Change the city's names, language, time zone, place, size, colour and open-data licence; audited with
    what changed.
    Returns the changes ({field: [old, new]}), empty when nothing changed (and then nothing is recorded)."""
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidCity(f"Unknown time zone {data.time_zone!r}.") from error
    after = {"name_en": data.name_en.strip(), "name_ko": data.name_ko.strip(), "default_locale": data.default_locale,
             "time_zone": data.time_zone, "country_code": data.country_code.upper(), "region": data.region,
             "population": data.population, "colour": data.colour.lower()}
    if data.open_data_licence is not None:
        after["open_data_licence"] = OpenDataLicence(data.open_data_licence).value
    before = {field: getattr(city, field) for field in SETTINGS_FIELDS if field in after}
    changes = diff(before, after)
    if not changes:
        return changes
    for field, value in after.items():
        setattr(city, field, value)
    db.session.flush()
    record(actor, "city.settings", AuditTarget.CITY, city.id, city_id=city.id, changes=changes)
    return changes


class AlreadyMember(Exception):
    pass


class AlreadyHasRole(Exception):
    pass


class UnknownDistrict(Exception):
    pass


def join_city(user: User, city: City, district_id: int, birth_year: int) -> Membership:
    district = db.session.get(District, district_id)
    if district is None or district.city_id != city.id:
        raise UnknownDistrict()
    membership = Membership(user_id=user.id, city_id=city.id, district_id=district.id, birth_year=birth_year)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError as error:
        raise AlreadyMember() from error
    return membership


def grant_role(actor: User, membership: Membership, role: Role) -> RoleGrant:
    grant = RoleGrant(membership_id=membership.id, role=role.value, granted_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(grant)
    except IntegrityError as error:
        raise AlreadyHasRole() from error
    db.session.refresh(membership)
    record(actor, "role.grant", AuditTarget.MEMBERSHIP, membership.id, city_id=membership.city_id,
           changes={"role": [None, role.value], "user_id": membership.user_id})
    return grant


def revoke_role(actor: User, grant: RoleGrant) -> None:
    membership = grant.membership
    record(actor, "role.revoke", AuditTarget.MEMBERSHIP, membership.id, city_id=membership.city_id,
           changes={"role": [grant.role, None], "user_id": membership.user_id})
    db.session.delete(grant)
    db.session.flush()


def membership_by_email(city: City, email: str) -> Membership | None:
    return db.session.scalar(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.city_id == city.id, User.email == email.strip().lower())
    )
