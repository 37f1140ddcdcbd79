"""Partner organizations (Principle IV): registering and editing one, its members and their roles (an organization
always keeps a representative), verification by the admins of its city or the platform, a process's partners,
the directory and an organization's contributions across processes and cities. Writes flush and audit, never
commit (the route commits)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.audit import diff, record
from app.extensions import db
from app.models import (
    AuditTarget,
    City,
    Membership,
    Organization,
    OrganizationMember,
    OrganizationRole,
    Practice,
    PracticeState,
    Process,
    Proposal,
    User,
    practice_organizations,
    process_partners,
    utcnow,
)


class OrganizationError(Exception):
    """Base of the refusals below; the route shows its message on the form."""


class NotYourCity(OrganizationError):
    """The organization's city must be one the person registering or editing it has joined."""


class UnknownUser(OrganizationError):
    """No account uses this e-mail address."""


class AlreadyMember(OrganizationError):
    """This person is a member of the organization already."""


class NotAMember(OrganizationError):
    """This person is not a member of the organization."""


class LastRepresentative(OrganizationError):
    """An organization keeps at least one representative."""


class InvalidPartner(OrganizationError):
    """Only verified organizations can be a process's partners."""


class ConcurrentChange(OrganizationError):
    """Someone else changed the same thing at the same moment."""


# Reads ---------------------------------------------------------------------------------------------------

def cities_of(user) -> list[City]:
    """The cities a person has joined (where they may say their organization works)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(City).join(Membership, Membership.city_id == City.id).where(Membership.user_id == user.id)
        .order_by(City.name_en)))


def all_cities() -> list[City]:
    return list(db.session.scalars(select(City).order_by(City.name_en)))


def organizations_of(user) -> list[Organization]:
    """The organizations a person is a member of (any role): those they may co-author on behalf of."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(Organization).join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
        .where(OrganizationMember.user_id == user.id).order_by(Organization.name)))


def is_member_of(user, organization_id: int) -> bool:
    return db.session.get(OrganizationMember, (organization_id, user.id)) is not None


def directory(kind: str | None = None, level: str | None = None, city_id: int | None = None) -> list[Organization]:
    """Every organization, verified first, then by name; filtered by kind, level and city."""
    query = select(Organization)
    if kind:
        query = query.where(Organization.kind == kind)
    if level:
        query = query.where(Organization.level == level)
    if city_id:
        query = query.where(Organization.city_id == city_id)
    return list(db.session.scalars(query.order_by(Organization.verified_at.is_(None), func.lower(Organization.name),
                                                  Organization.id)))


def verified_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).where(Organization.verified_at.is_not(None))
                                   .order_by(func.lower(Organization.name), Organization.id)))


def members_of(organization: Organization) -> list[OrganizationMember]:
    return list(db.session.scalars(
        select(OrganizationMember).options(joinedload(OrganizationMember.user))
        .where(OrganizationMember.organization_id == organization.id)
        .order_by(OrganizationMember.role.desc(), OrganizationMember.joined_at)))


def partners_of(process: Process) -> list[Organization]:
    """A process's partner organizations, by name."""
    return list(db.session.scalars(
        select(Organization).join(process_partners, process_partners.c.organization_id == Organization.id)
        .where(process_partners.c.process_id == process.id).order_by(func.lower(Organization.name))))


@dataclass(frozen=True)
class Contributions:
    proposals: list[Proposal]
    processes: list[Process]
    practices: list[Practice]

    @property
    def empty(self) -> bool:
        return not (self.proposals or self.processes or self.practices)


def contributions(organization: Organization) -> Contributions:
    """What the organization did, across processes and cities, that anyone may see: proposals it co-authored
    (not hidden, not by an author blocked in that city), processes it is a partner of, published practices it
    co-authored."""
    blocked = exists().where(Membership.user_id == Proposal.author_id, Membership.city_id == Process.city_id,
                             Membership.blocked_at.is_not(None))
    proposals = list(db.session.scalars(
        select(Proposal).join(Process, Process.id == Proposal.process_id)
        .options(joinedload(Proposal.process).joinedload(Process.city))
        .where(Proposal.organization_id == organization.id, Proposal.hidden_at.is_(None), ~blocked)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())))
    processes = list(db.session.scalars(
        select(Process).join(process_partners, process_partners.c.process_id == Process.id)
        .options(joinedload(Process.city))
        .where(process_partners.c.organization_id == organization.id)
        .order_by(Process.created_at.desc(), Process.id.desc())))
    practices = list(db.session.scalars(
        select(Practice).join(practice_organizations, practice_organizations.c.practice_id == Practice.id)
        .options(joinedload(Practice.city))
        .where(practice_organizations.c.organization_id == organization.id,
               Practice.state == PracticeState.PUBLISHED)
        .order_by(Practice.published_at.desc(), Practice.id.desc())))
    return Contributions(proposals, processes, practices)


# Writes --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrganizationData:
    name: str
    kind: str
    level: str
    city_id: int | None
    description: str
    website: str | None


def _fields(organization: Organization) -> dict:
    return {name: getattr(organization, name) for name in OrganizationData.__dataclass_fields__}


def _check_city(actor: User, city_id: int | None, current: int | None = None) -> None:
    """A city chosen for an organization must be one the actor has joined (keeping the current one is fine)."""
    if city_id is None or city_id == current:
        return
    joined = db.session.scalar(select(Membership.id).where(Membership.user_id == actor.id,
                                                           Membership.city_id == city_id))
    if joined is None:
        raise NotYourCity()


def _apply(organization: Organization, data: OrganizationData) -> None:
    organization.name = data.name.strip()
    organization.kind = data.kind
    organization.level = data.level
    organization.city_id = data.city_id
    organization.description = data.description.strip()
    organization.website = data.website or None


def create_organization(actor: User, data: OrganizationData) -> Organization:
    """A new, unverified organization; the person registering it becomes its representative."""
    _check_city(actor, data.city_id)
    organization = Organization(created_by_id=actor.id)
    _apply(organization, data)
    organization.members.append(OrganizationMember(user_id=actor.id, role=OrganizationRole.REPRESENTATIVE))
    db.session.add(organization)
    db.session.flush()
    record(actor, "organization.create", AuditTarget.ORGANIZATION, organization.id, city_id=organization.city_id,
           changes=_fields(organization))
    return organization


def update_organization(actor: User, organization: Organization, data: OrganizationData) -> dict:
    _check_city(actor, data.city_id, organization.city_id)
    before = _fields(organization)
    _apply(organization, data)
    db.session.flush()
    changes = diff(before, _fields(organization))
    if changes:
        record(actor, "organization.update", AuditTarget.ORGANIZATION, organization.id,
               city_id=organization.city_id, changes=changes)
    return changes


def _lock(organization: Organization) -> None:
    """Serialise changes to one organization's members (PostgreSQL locks the row; SQLite has one writer), so two
    representatives removing each other at once cannot leave it with none."""
    db.session.execute(select(Organization.id).where(Organization.id == organization.id).with_for_update())


def _representatives(organization: Organization) -> int:
    return db.session.scalar(select(func.count()).select_from(OrganizationMember).where(
        OrganizationMember.organization_id == organization.id,
        OrganizationMember.role == OrganizationRole.REPRESENTATIVE))


def add_member(actor: User, organization: Organization, email: str, role: str) -> OrganizationMember:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UnknownUser()
    if db.session.get(OrganizationMember, (organization.id, user.id)) is not None:
        raise AlreadyMember()
    member = OrganizationMember(organization_id=organization.id, user_id=user.id, role=role)
    db.session.add(member)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as integrity:  # added at the same moment by another representative
        raise AlreadyMember() from integrity
    record(actor, "organization.member_add", AuditTarget.ORGANIZATION, organization.id,
           city_id=organization.city_id, changes={"user_id": user.id, "role": role})
    return member


def _member(organization: Organization, user_id: int) -> OrganizationMember:
    member = db.session.get(OrganizationMember, (organization.id, user_id))
    if member is None:
        raise NotAMember()
    return member


def set_role(actor: User, organization: Organization, user_id: int, role: str) -> None:
    _lock(organization)
    member = _member(organization, user_id)
    if member.role == role:
        return
    if member.role == OrganizationRole.REPRESENTATIVE and _representatives(organization) <= 1:
        raise LastRepresentative()
    before = member.role
    member.role = role
    db.session.flush()
    record(actor, "organization.member_role", AuditTarget.ORGANIZATION, organization.id,
           city_id=organization.city_id, changes={"user_id": user_id, "role": [before, role]})


def remove_member(actor: User, organization: Organization, user_id: int) -> None:
    _lock(organization)
    member = _member(organization, user_id)
    if member.role == OrganizationRole.REPRESENTATIVE and _representatives(organization) <= 1:
        raise LastRepresentative()
    db.session.delete(member)
    db.session.flush()
    record(actor, "organization.member_remove", AuditTarget.ORGANIZATION, organization.id,
           city_id=organization.city_id, changes={"user_id": user_id, "role": member.role})


def set_verified(actor: User, organization: Organization, verified: bool) -> bool:
    """Verify or unverify; False when nothing changed."""
    if verified == (organization.verified_at is not None):
        return False
    organization.verified_at = utcnow() if verified else None
    organization.verified_by_id = actor.id if verified else None
    db.session.flush()
    record(actor, "organization.verify" if verified else "organization.unverify", AuditTarget.ORGANIZATION,
           organization.id, city_id=organization.city_id, changes={"verified": verified})
    return True


def set_process_partners(actor: User, process: Process, organization_ids) -> dict:
    """Replace a process's partners with these verified organizations; a forged or unverified id is refused."""
    wanted = set(organization_ids)
    before = set(db.session.scalars(select(process_partners.c.organization_id)
                                    .where(process_partners.c.process_id == process.id)))
    # New partners must be verified; a partner chosen earlier and unverified since may stay.
    allowed = set(db.session.scalars(select(Organization.id).where(
        Organization.id.in_(wanted), Organization.verified_at.is_not(None) | Organization.id.in_(before))))
    if allowed != wanted:
        raise InvalidPartner()
    if before == wanted:
        return {}
    try:
        with db.session.begin_nested():
            db.session.execute(process_partners.delete().where(
                and_(process_partners.c.process_id == process.id,
                     process_partners.c.organization_id.in_(before - wanted))))
            if wanted - before:
                db.session.execute(process_partners.insert(), [
                    {"process_id": process.id, "organization_id": i} for i in sorted(wanted - before)])
    except IntegrityError as integrity:  # the same partner added at the same moment by someone else
        raise ConcurrentChange() from integrity
    changes = {"partners": [sorted(before), sorted(wanted)]}
    record(actor, "process.partners", AuditTarget.PROCESS, process.id, city_id=process.city_id, changes=changes)
    return changes


def organization_or_none(organization_id: int) -> Organization | None:
    return db.session.get(Organization, organization_id, options=[selectinload(Organization.members)])
