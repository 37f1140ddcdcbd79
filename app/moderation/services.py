"""Moderation use cases. Hiding records who, when and why, and restoring undoes it; nothing is deleted.
Every action by a moderator or admin, and every automatic hide, is an audit event."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.models import (
    AuditTarget,
    City,
    Comment,
    Debate,
    Flag,
    FlagReason,
    Membership,
    ModeratedType,
    Proposal,
    ReviewRequest,
    User,
    utcnow,
)

# The reason stored when enough flags hide an item before any moderator has looked at it.
PENDING_REVIEW = "pending-review"
# Not stored: how content reads while its author is blocked in the city.
BLOCKED_AUTHOR_REASON = "blocked-author"

MODELS = {ModeratedType.COMMENT: Comment, ModeratedType.PROPOSAL: Proposal, ModeratedType.DEBATE: Debate}
AUDIT_TYPES = {ModeratedType.COMMENT: AuditTarget.COMMENT, ModeratedType.PROPOSAL: AuditTarget.PROPOSAL,
               ModeratedType.DEBATE: AuditTarget.DEBATE}


class AlreadyFlagged(Exception):
    pass


class AlreadyRequested(Exception):
    pass


def load_target(kind: str, ident: int):
    """The comment, proposal or debate, or None."""
    try:
        model = MODELS[ModeratedType(kind)]
    except ValueError:
        return None
    return db.session.get(model, ident)


def kind_of(target) -> ModeratedType:
    return next(kind for kind, model in MODELS.items() if isinstance(target, model))


def city_id_of(target) -> int:
    if isinstance(target, Comment):
        owner = target.proposal if target.proposal_id is not None else target.debate
        return owner.process.city_id
    return target.process.city_id


def author_id_of(target) -> int | None:
    return target.created_by_id if isinstance(target, Debate) else target.author_id


def _open_flags(target):
    kind = kind_of(target)
    return select(Flag).where(Flag.target_type == kind.value, Flag.target_id == target.id, Flag.resolved_at.is_(None))


def flag(user: User, target, reason: FlagReason, text: str, threshold: int) -> Flag:
    """One flag per person per item (the schema settles races). Enough open flags hide the item until a
    moderator reviews it."""
    kind = kind_of(target)
    item = Flag(city_id=city_id_of(target), user_id=user.id, target_type=kind.value, target_id=target.id,
                reason=FlagReason(reason).value, text=(text or "").strip())
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError as error:
        raise AlreadyFlagged() from error
    open_count = db.session.scalar(select(func.count()).select_from(_open_flags(target).subquery()))
    if open_count >= threshold and target.hidden_at is None:
        target.hidden_at, target.hidden_by_id, target.hidden_reason = utcnow(), None, PENDING_REVIEW
        db.session.flush()
        record(None, "moderation.auto_hide", AUDIT_TYPES[kind], target.id, city_id=item.city_id,
               changes={"flags": open_count})
        _tell_author(target)
    return item


def _tell_author(target) -> None:
    from app.notifications import services as notifications

    if isinstance(target, Comment):
        thread = target.proposal if target.proposal_id is not None else target.debate
        notifications.content_hidden(target, target.author_id, city_id_of(target), thread, comment=target)
    else:
        notifications.content_hidden(target, author_id_of(target), city_id_of(target))


def _resolve_flags(moderator: User, target) -> int:
    flags = list(db.session.scalars(_open_flags(target)))
    now = utcnow()
    for item in flags:
        item.resolved_at, item.resolved_by_id = now, moderator.id
    return len(flags)


def _resolve_review(moderator: User, target) -> None:
    request = db.session.scalar(select(ReviewRequest).where(
        ReviewRequest.target_type == kind_of(target).value, ReviewRequest.target_id == target.id,
        ReviewRequest.resolved_at.is_(None)))
    if request is not None:
        request.resolved_at, request.resolved_by_id = utcnow(), moderator.id


def hide(moderator: User, target, reason: str) -> None:
    before = target.hidden_reason
    target.hidden_at, target.hidden_by_id, target.hidden_reason = utcnow(), moderator.id, reason.strip()
    flags = _resolve_flags(moderator, target)
    _resolve_review(moderator, target)
    db.session.flush()
    kind = kind_of(target)
    record(moderator, "moderation.hide", AUDIT_TYPES[kind], target.id, city_id=city_id_of(target),
           changes={"hidden_reason": [before, target.hidden_reason], "flags_resolved": flags})
    if before is None:
        _tell_author(target)


def restore(moderator: User, target) -> None:
    before = target.hidden_reason
    target.hidden_at = target.hidden_by_id = target.hidden_reason = None
    flags = _resolve_flags(moderator, target)
    _resolve_review(moderator, target)
    db.session.flush()
    kind = kind_of(target)
    record(moderator, "moderation.restore", AUDIT_TYPES[kind], target.id, city_id=city_id_of(target),
           changes={"hidden_reason": [before, None], "flags_resolved": flags})


def dismiss_flags(moderator: User, target) -> None:
    flags = _resolve_flags(moderator, target)
    db.session.flush()
    kind = kind_of(target)
    record(moderator, "moderation.dismiss_flags", AUDIT_TYPES[kind], target.id, city_id=city_id_of(target),
           changes={"flags_resolved": flags})


def request_review(author: User, target, text: str) -> ReviewRequest:
    request = ReviewRequest(city_id=city_id_of(target), author_id=author.id, target_type=kind_of(target).value,
                            target_id=target.id, text=(text or "").strip())
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError as error:
        raise AlreadyRequested() from error
    return request


def block(moderator: User, membership: Membership, reason: str) -> None:
    membership.blocked_at, membership.blocked_by_id, membership.blocked_reason = utcnow(), moderator.id, reason.strip()
    db.session.flush()
    record(moderator, "moderation.block", AuditTarget.MEMBERSHIP, membership.id, city_id=membership.city_id,
           changes={"user_id": membership.user_id, "blocked_reason": [None, membership.blocked_reason]})


def unblock(moderator: User, membership: Membership) -> None:
    before = membership.blocked_reason
    membership.blocked_at = membership.blocked_by_id = membership.blocked_reason = None
    db.session.flush()
    record(moderator, "moderation.unblock", AuditTarget.MEMBERSHIP, membership.id, city_id=membership.city_id,
           changes={"user_id": membership.user_id, "blocked_reason": [before, None]})


def suspend(admin: User, user: User, reason: str) -> None:
    user.suspended_at, user.suspended_reason = utcnow(), reason.strip()
    db.session.flush()
    record(admin, "account.suspend", AuditTarget.USER, user.id, city_id=None, changes={"reason": user.suspended_reason})


def unsuspend(admin: User, user: User) -> None:
    user.suspended_at = user.suspended_reason = None
    db.session.flush()
    record(admin, "account.unsuspend", AuditTarget.USER, user.id, city_id=None)


def blocked_user_ids(city: City) -> frozenset[int]:
    """Authors blocked in this city: their content is shown as hidden here. Looked up once per request (a
    proposal page needs it for the proposal and for its thread)."""
    from flask import g, has_app_context

    cache = g.setdefault("_blocked_user_ids", {}) if has_app_context() else {}
    if city.id not in cache:
        cache[city.id] = frozenset(db.session.scalars(
            select(Membership.user_id).where(Membership.city_id == city.id, Membership.blocked_at.is_not(None))))
    return cache[city.id]


@dataclass
class QueueItem:
    kind: ModeratedType
    target: object
    flags: list[Flag]
    review: ReviewRequest | None


def queue(city: City) -> list[QueueItem]:
    """Items with open flags, hidden items awaiting review, and review requests: oldest concern first."""
    flags = list(db.session.scalars(
        select(Flag).where(Flag.city_id == city.id, Flag.resolved_at.is_(None)).order_by(Flag.created_at)))
    reviews = list(db.session.scalars(
        select(ReviewRequest).where(ReviewRequest.city_id == city.id, ReviewRequest.resolved_at.is_(None))
        .order_by(ReviewRequest.created_at)))
    keys: dict[tuple[str, int], QueueItem] = {}
    for item in flags:
        key = (item.target_type, item.target_id)
        if key not in keys:
            keys[key] = QueueItem(ModeratedType(item.target_type), load_target(*key), [], None)
        keys[key].flags.append(item)
    for request in reviews:
        key = (request.target_type, request.target_id)
        if key not in keys:
            keys[key] = QueueItem(ModeratedType(request.target_type), load_target(*key), [], None)
        keys[key].review = request
    # An item hidden by flags keeps its flags open until a moderator acts, so it is always listed here.
    def first_concern(item: QueueItem):
        dates = [f.created_at for f in item.flags] + ([item.review.created_at] if item.review else [])
        return min(dates)

    return sorted((item for item in keys.values() if item.target is not None), key=first_concern)
