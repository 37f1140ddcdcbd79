"""City use cases: joining a city, granting and removing roles."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.models import AuditTarget, City, District, Membership, Role, RoleGrant, User


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
        select(Membership).join(User).where(Membership.city_id == city.id, User.email == email.strip().lower())
    )
