"""Deleting an account (the right to erasure), in one transaction.

What goes: the account and everything personal — memberships (district, birth year), role grants,
organization memberships, API tokens, follows, notifications, the person's name and e-mail address wherever
Madang copied them (a practice's contact, the audit log's recorded changes), and the comments they left on a
vision.

What stays, anonymous: every vote. A member votes through a participant row, which outlives the membership
(`participants.membership_id` is set NULL), so supports, budget and poll ballots, statement votes and vision
answers stay counted; comment votes stay with no one behind them. Flags they raised keep counting too.

Their content stays, as "deleted user", where others replied to it or acted on it, and goes otherwise:
- a comment stays if a reply to it stays (others' replies always do) or a vision cites it;
- a proposal stays if anything is left on it: a comment, another participant's support, the city's answer or
  feasibility review, a plan item, a result, a budget ballot, a vision citing it;
- a debate stays if comments are left on it or a vision cites it;
- a statement stays if someone else voted on it or a vision cites it;
- a question on a practice stays if it was answered; practices are the city's and stay.
What goes takes along the follows, notifications, flags and review requests about it.

Refused, with the reason, while the person is the last administrator of a city, the last platform
administrator, or the last representative of an organization: they hand over first.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Text, cast, delete, func, or_, select, update

from app.audit import record
from app.auth.account_data import participant_ids
from app.extensions import db
from app.models import (
    AuditEvent,
    AuditTarget,
    BudgetBallotItem,
    City,
    Comment,
    Debate,
    Flag,
    Follow,
    Membership,
    Notification,
    Organization,
    OrganizationMember,
    OrganizationRole,
    Practice,
    PracticeQuestion,
    Proposal,
    ProposalState,
    ReviewRequest,
    Role,
    RoleGrant,
    Statement,
    StatementVote,
    Support,
    User,
    VisionEndorsement,
    VisionSummary,
    proposal_plan_items,
    result_proposals,
)
from app.models.base import localized

ERASED = "[deleted]"


class DeletionRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


# Refusals ------------------------------------------------------------------------------------------------

def _cities_where_last_admin(user: User, lock: bool) -> list[City]:
    mine = select(Membership.city_id).join(RoleGrant, RoleGrant.membership_id == Membership.id).where(
        Membership.user_id == user.id, RoleGrant.role == Role.ADMIN)
    query = select(City).where(City.id.in_(mine)).order_by(City.id)
    if lock:  # two administrators leaving at once cannot leave the city with none
        query = query.with_for_update()
    last = []
    for city in db.session.scalars(query):
        others = db.session.scalar(
            select(func.count()).select_from(RoleGrant).join(Membership, RoleGrant.membership_id == Membership.id)
            .where(Membership.city_id == city.id, Membership.user_id != user.id, RoleGrant.role == Role.ADMIN))
        if not others:
            last.append(city)
    return last


def _last_platform_admin(user: User, lock: bool) -> bool:
    if not user.is_platform_admin:
        return False
    query = select(User.id).where(User.is_platform_admin.is_(True), User.suspended_at.is_(None))
    if lock:
        query = query.with_for_update()
    return not [uid for uid in db.session.scalars(query) if uid != user.id]


def _organizations_where_last_representative(user: User, lock: bool) -> list[Organization]:
    mine = select(OrganizationMember.organization_id).where(
        OrganizationMember.user_id == user.id, OrganizationMember.role == OrganizationRole.REPRESENTATIVE)
    query = select(Organization).where(Organization.id.in_(mine)).order_by(Organization.id)
    if lock:  # the same row lock the organization's member changes take
        query = query.with_for_update()
    last = []
    for organization in db.session.scalars(query):
        others = db.session.scalar(select(func.count()).select_from(OrganizationMember).where(
            OrganizationMember.organization_id == organization.id, OrganizationMember.user_id != user.id,
            OrganizationMember.role == OrganizationRole.REPRESENTATIVE))
        if not others:
            last.append(organization)
    return last


def deletion_blockers(user: User, *, lock: bool = False) -> list[str]:
    """Why this account cannot be deleted yet (empty: it can)."""
    reasons = [
        _("You are the last administrator of %(city)s. Make another member an administrator first, on the "
          "city's roles page.", city=localized(city.name_ko, city.name_en))
        for city in _cities_where_last_admin(user, lock)]
    if _last_platform_admin(user, lock):
        reasons.append(_("You are the last platform administrator. Make another person a platform administrator "
                         "first."))
    reasons += [
        _("You are the last representative of the organization %(name)s. Make another member a representative "
          "first, on the organization's members page.", name=organization.name)
        for organization in _organizations_where_last_representative(user, lock)]
    return reasons


# What stays ----------------------------------------------------------------------------------------------

def _cited(process_ids) -> set[tuple[str, int]]:
    """(kind, id) of everything the visions of these processes cite as evidence."""
    found: set[tuple[str, int]] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("kind"), str) and isinstance(node.get("id"), int):
                found.add((node["kind"], node["id"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for evidence in db.session.scalars(select(VisionSummary.evidence).where(VisionSummary.process_id.in_(process_ids))):
        walk(evidence)
    return found


def _comments_to_delete(user: User, cited: set) -> tuple[list[list[int]], int]:
    """The person's comments that go, grouped by depth (deepest first), and how many stay."""
    mine = db.session.execute(select(Comment.id, Comment.depth).where(Comment.author_id == user.id)).all()
    children: dict[int, list[tuple[int, int | None]]] = {}
    for child_id, parent_id, author_id in db.session.execute(
            select(Comment.id, Comment.parent_id, Comment.author_id)
            .where(Comment.parent_id.in_(select(Comment.id).where(Comment.author_id == user.id)))):
        children.setdefault(parent_id, []).append((child_id, author_id))
    keep: dict[int, bool] = {}
    for comment_id, depth in sorted(mine, key=lambda row: -row[1]):  # replies are always deeper than their parent
        keep[comment_id] = ("comment", comment_id) in cited or any(
            author_id != user.id or keep.get(child_id, False) for child_id, author_id in children.get(comment_id, ()))
    by_depth: dict[int, list[int]] = {}
    for comment_id, depth in mine:
        if not keep[comment_id]:
            by_depth.setdefault(depth, []).append(comment_id)
    return [by_depth[d] for d in sorted(by_depth, reverse=True)], sum(keep.values())


def _proposals_to_delete(user: User, participants: list[int], cited: set) -> tuple[list[int], int]:
    mine = select(Proposal.id).where(Proposal.author_id == user.id)
    acted_on = set(db.session.scalars(select(Proposal.id).where(
        Proposal.author_id == user.id,
        or_(Proposal.answered_at.is_not(None), Proposal.answer_draft.is_not(None),
            Proposal.feasibility_reviewed_at.is_not(None),
            Proposal.state.not_in([ProposalState.PUBLISHED, ProposalState.WITHDRAWN])))))
    for query in (
        select(Comment.proposal_id).where(Comment.proposal_id.in_(mine)),
        select(Support.proposal_id).where(Support.proposal_id.in_(mine), Support.participant_id.not_in(participants)),
        select(proposal_plan_items.c.proposal_id).where(proposal_plan_items.c.proposal_id.in_(mine)),
        select(result_proposals.c.proposal_id).where(result_proposals.c.proposal_id.in_(mine)),
        select(BudgetBallotItem.proposal_id).where(BudgetBallotItem.proposal_id.in_(mine)),
    ):
        acted_on.update(db.session.scalars(query.distinct()))
    ids = set(db.session.scalars(mine))
    kept = {i for i in ids if i in acted_on or ("proposal", i) in cited}
    return sorted(ids - kept), len(kept)


def _debates_to_delete(user: User, cited: set) -> tuple[list[int], int]:
    mine = select(Debate.id).where(Debate.created_by_id == user.id)
    commented = set(db.session.scalars(select(Comment.debate_id).where(Comment.debate_id.in_(mine)).distinct()))
    ids = set(db.session.scalars(mine))
    kept = {i for i in ids if i in commented or ("debate", i) in cited}
    return sorted(ids - kept), len(kept)


def _statements_to_delete(user: User, participants: list[int], cited: set) -> tuple[list[int], int]:
    mine = select(Statement.id).where(Statement.author_id == user.id)
    voted = set(db.session.scalars(select(StatementVote.statement_id).where(
        StatementVote.statement_id.in_(mine), StatementVote.participant_id.not_in(participants)).distinct()))
    ids = set(db.session.scalars(mine))
    kept = {i for i in ids if i in voted or ("statement", i) in cited}
    return sorted(ids - kept), len(kept)


def _forget_targets(kind: str, ids: list[int]) -> None:
    """Follows, notifications, flags and review requests about content that no longer exists."""
    if not ids:
        return
    for model in (Follow, Notification, Flag, ReviewRequest):
        db.session.execute(delete(model).where(model.target_type == kind, model.target_id.in_(ids)))


# Personal data copied elsewhere ----------------------------------------------------------------------------

def _json_forms(text: str) -> set[str]:
    """The text as it may sit inside stored JSON: as is, and with non-ASCII characters escaped."""
    return {text, json.dumps(text)[1:-1]}


def _erase(node, email: str, name: str):
    if isinstance(node, str):
        if node == name:
            return ERASED
        return re.sub(re.escape(email), ERASED, node, flags=re.IGNORECASE) if email else node
    if isinstance(node, dict):
        return {key: _erase(value, email, name) for key, value in node.items()}
    if isinstance(node, list):
        return [_erase(value, email, name) for value in node]
    return node


def _scrub_audit_log(user: User) -> int:
    """Erase the name and e-mail address from recorded changes (a practice's contact, for one). The e-mail
    address goes wherever it is; the name only from events about the person (their own actions, their account,
    a practice they are the contact of, an event that also holds their e-mail address): elsewhere the same
    words are someone else's history (a process renamed to a word that happens to be the name)."""
    needles = _json_forms(user.email) | _json_forms(user.name)
    text = cast(AuditEvent.changes, Text)
    events = db.session.scalars(select(AuditEvent).where(
        or_(*(text.contains(needle, autoescape=True) for needle in needles if needle)))).all()
    contact_of = set(db.session.scalars(select(Practice.id).where(
        or_(Practice.contact_user_id == user.id, func.lower(Practice.contact_email) == user.email))))
    changed = 0
    for event in events:
        about = (event.actor_id == user.id or (event.target_type, event.target_id) == ("user", user.id)
                 or (event.target_type == "practice" and event.target_id in contact_of)
                 or _erase(event.changes, user.email, None) != event.changes)
        erased = _erase(event.changes, user.email, user.name if about else None)
        if erased != event.changes:
            event.changes = erased
            changed += 1
    return changed


def _scrub_practice_contacts(user: User) -> None:
    db.session.execute(update(Practice).where(
        or_(Practice.contact_user_id == user.id, func.lower(Practice.contact_email) == user.email))
        .values(contact_name="", contact_email="", contact_user_id=None))


# The deletion ----------------------------------------------------------------------------------------------

@dataclass
class DeletionReport:
    kept: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)


def delete_account(user: User) -> DeletionReport:
    """Delete the account as the module's docstring says; raises DeletionRefused while it must hand over."""
    reasons = deletion_blockers(user, lock=True)
    if reasons:
        raise DeletionRefused(reasons)
    db.session.flush()
    user_id = user.id
    # Lock what may go: a reply, comment, support or vote being written on it right now (holding a key-share
    # lock) is waited for and then seen below; one that comes later waits for this transaction.
    for model, author in ((Comment, Comment.author_id), (Proposal, Proposal.author_id),
                          (Debate, Debate.created_by_id), (Statement, Statement.author_id)):
        db.session.execute(select(model.id).where(author == user_id).with_for_update())
    report = DeletionReport()
    participants = participant_ids(user)
    processes = select(Proposal.process_id).where(Proposal.author_id == user_id).union(
        select(Statement.process_id).where(Statement.author_id == user_id),
        select(Debate.process_id).where(Debate.created_by_id == user_id),
        select(Proposal.process_id).join(Comment, Comment.proposal_id == Proposal.id).where(Comment.author_id == user_id),
        select(Debate.process_id).join(Comment, Comment.debate_id == Debate.id).where(Comment.author_id == user_id))
    cited = _cited(select(processes.subquery().c[0]))

    comment_levels, report.kept["comments"] = _comments_to_delete(user, cited)
    going = [i for level in comment_levels for i in level]
    if going:
        _forget_targets("comment", going)
        db.session.execute(delete(Notification).where(Notification.comment_id.in_(going)))
        for level in comment_levels:  # deepest first: a parent is referenced by its replies
            db.session.execute(delete(Comment).where(Comment.id.in_(level)))
    report.deleted["comments"] = len(going)

    for kind, model, (ids, kept) in (
        ("proposal", Proposal, _proposals_to_delete(user, participants, cited)),
        ("debate", Debate, _debates_to_delete(user, cited)),
        ("statement", Statement, _statements_to_delete(user, participants, cited)),
    ):
        if ids:
            _forget_targets(kind, ids)
            db.session.execute(delete(model).where(model.id.in_(ids)))
        report.kept[kind + "s"], report.deleted[kind + "s"] = kept, len(ids)

    unanswered = db.session.execute(delete(PracticeQuestion).where(
        PracticeQuestion.author_id == user_id, PracticeQuestion.answered_at.is_(None)))
    report.deleted["practice_questions"] = unanswered.rowcount or 0
    if participants:
        db.session.execute(update(VisionEndorsement).where(VisionEndorsement.participant_id.in_(participants))
                           .values(comment=""))
    report.deleted["audit_entries_scrubbed"] = _scrub_audit_log(user)  # before the contacts: it reads them
    _scrub_practice_contacts(user)
    report.kept["anonymous_participants"] = len(participants)

    db.session.flush()
    db.session.expunge(user)
    # The database does the rest: memberships, role grants, organization memberships, API tokens, follows and
    # notifications go with the account (ON DELETE CASCADE); every other reference to it becomes NULL.
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.expire_all()
    record(None, "user.delete", AuditTarget.USER, user_id, city_id=None,
           changes={"kept": report.kept, "deleted": report.deleted})
    db.session.flush()
    return report
