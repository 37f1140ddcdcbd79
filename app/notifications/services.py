"""Who hears about what. Services call these after their own work; immediate e-mails go out after the
request's commit (a session event), so nothing is mailed for work that was rolled back."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    Comment,
    Debate,
    EmailFrequency,
    Follow,
    FollowedType,
    Notification,
    NotificationKind,
    Practice,
    Process,
    Proposal,
    Statement,
    StatementState,
    User,
    VisionState,
    VisionSummary,
    utcnow,
)

log = logging.getLogger(__name__)

# When one event concerns a person in several ways, they hear of it once, in the most specific way.
PRIORITY = [NotificationKind.REPLY, NotificationKind.MENTION, NotificationKind.COMMENT_ON_PROPOSAL,
            NotificationKind.FOLLOWED_COMMENT, NotificationKind.FOLLOWED_CHANGE, NotificationKind.CONTENT_HIDDEN]


def _typed(target) -> tuple[FollowedType, int]:
    if isinstance(target, Process):
        return FollowedType.PROCESS, target.id
    if isinstance(target, Practice):
        return FollowedType.PRACTICE, target.id
    return (FollowedType.PROPOSAL if isinstance(target, Proposal) else FollowedType.DEBATE), target.id


def follow(user: User, target) -> None:
    kind, ident = _typed(target)
    try:
        with db.session.begin_nested():
            db.session.add(Follow(user_id=user.id, target_type=kind.value, target_id=ident))
    except IntegrityError:
        pass  # already following


def unfollow(user: User, target) -> None:
    kind, ident = _typed(target)
    db.session.execute(Follow.__table__.delete().where(
        Follow.user_id == user.id, Follow.target_type == kind.value, Follow.target_id == ident))


def is_following(user, target) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    kind, ident = _typed(target)
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.target_type == kind.value, Follow.target_id == ident)) is not None


def followers(target) -> set[int]:
    kind, ident = _typed(target)
    return set(db.session.scalars(select(Follow.user_id).where(Follow.target_type == kind.value,
                                                               Follow.target_id == ident)))


def notify(recipients: dict[int, NotificationKind], actor_id: int | None, target, city_id: int,
           comment: Comment | None = None) -> list[Notification]:
    """One notification per person (never the actor), of the kind given for them."""
    kind, ident = _typed(target)
    created = []
    for user_id, what in recipients.items():
        if user_id is None or user_id == actor_id:
            continue
        note = Notification(user_id=user_id, city_id=city_id, kind=what.value, actor_id=actor_id,
                            target_type=kind.value, target_id=ident, comment_id=comment.id if comment else None)
        db.session.add(note)
        created.append(note)
    db.session.flush()
    db.session.info.setdefault("notifications_to_mail", []).extend(n.id for n in created)
    return created


def notify_all(user_ids: Iterable[int], kind: NotificationKind, actor_id: int | None, target,
               city_id: int) -> int:
    """The same notification for many people (never the actor), written in one statement whatever their number;
    returns how many."""
    target_type, ident = _typed(target)
    now = utcnow()
    rows = [{"user_id": user_id, "city_id": city_id, "kind": kind.value, "actor_id": actor_id,
             "target_type": target_type.value, "target_id": ident, "created_at": now}
            for user_id in sorted(set(user_ids)) if user_id is not None and user_id != actor_id]
    if not rows:
        return 0
    ids = list(db.session.scalars(insert(Notification).returning(Notification.id), rows))
    db.session.info.setdefault("notifications_to_mail", []).extend(ids)
    return len(ids)


def _merge(recipients: dict[int, NotificationKind], user_ids: Iterable[int], kind: NotificationKind) -> None:
    for user_id in user_ids:
        current = recipients.get(user_id)
        if current is None or PRIORITY.index(kind) < PRIORITY.index(current):
            recipients[user_id] = kind


def comment_posted(comment: Comment, target, city_id: int, mentioned: Iterable[int] = ()) -> list[Notification]:
    recipients: dict[int, NotificationKind] = {}
    _merge(recipients, followers(target), NotificationKind.FOLLOWED_COMMENT)
    if isinstance(target, Proposal) and target.author_id:
        _merge(recipients, [target.author_id], NotificationKind.COMMENT_ON_PROPOSAL)
    _merge(recipients, mentioned, NotificationKind.MENTION)
    if comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
        if parent is not None and parent.author_id:
            _merge(recipients, [parent.author_id], NotificationKind.REPLY)
    return notify(recipients, comment.author_id, target, city_id, comment)


def target_changed(target, actor_id: int | None, city_id: int) -> list[Notification]:
    recipients: dict[int, NotificationKind] = {}
    _merge(recipients, followers(target), NotificationKind.FOLLOWED_CHANGE)
    return notify(recipients, actor_id, target, city_id)


def content_hidden(target, author_id: int | None, city_id: int, thread_target=None,
                   comment: Comment | None = None) -> list[Notification]:
    if author_id is None:
        return []
    return notify({author_id: NotificationKind.CONTENT_HIDDEN}, None, thread_target or target, city_id, comment)


def unread_count(user) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, ids: Iterable[int] | None = None) -> None:
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    db.session.execute(query.values(read_at=utcnow()))


# Words and links ---------------------------------------------------------------------------------------

def target_of(note: Notification):
    model = {FollowedType.PROPOSAL: Proposal, FollowedType.DEBATE: Debate, FollowedType.PROCESS: Process,
             FollowedType.PRACTICE: Practice}[
        FollowedType(note.target_type)]
    return db.session.get(model, note.target_id)


def link_for(note: Notification, external: bool = False) -> str:
    if note.target_type == FollowedType.PRACTICE:
        anchor = "replications" if note.kind == NotificationKind.PRACTICE_REPLICATED else "questions"
        return url_for("practices.show", practice_id=note.target_id, _anchor=anchor, _external=external)
    slug = note.city.slug
    if note.target_type == FollowedType.PROCESS:
        endpoint = {NotificationKind.VISION_PUBLISHED: "vision.show_vision",
                    NotificationKind.STATEMENT_MODERATED: "vision.statements"}.get(note.kind, "cities.process")
        return url_for(endpoint, city_slug=slug, process_id=note.target_id, _external=external)
    if note.comment_id:
        return url_for("deliberation.show_comment", city_slug=slug, comment_id=note.comment_id, _external=external)
    if note.target_type == FollowedType.PROPOSAL:
        return url_for("proposals.show", city_slug=slug, proposal_id=note.target_id, _external=external)
    return url_for("deliberation.debate", city_slug=slug, debate_id=note.target_id, _external=external)


def sentence(note: Notification) -> str:
    target = target_of(note)
    if note.target_type == FollowedType.PROCESS:
        return _process_sentence(note, target)
    if note.target_type == FollowedType.PRACTICE:
        return _practice_sentence(note, target)
    title = target.title if target is not None else ""
    who = note.actor.name if note.actor else _("Someone")
    texts = {
        NotificationKind.REPLY: _("%(who)s replied to your comment on “%(title)s”.", who=who, title=title),
        NotificationKind.MENTION: _("%(who)s mentioned you on “%(title)s”.", who=who, title=title),
        NotificationKind.COMMENT_ON_PROPOSAL: _("%(who)s commented on your proposal “%(title)s”.", who=who, title=title),
        NotificationKind.FOLLOWED_COMMENT: _("%(who)s commented on “%(title)s”, which you follow.", who=who, title=title),
        NotificationKind.FOLLOWED_CHANGE: _("“%(title)s”, which you follow, has changed.", title=title),
        NotificationKind.CONTENT_HIDDEN: _("Something you wrote on “%(title)s” was hidden (%(reason)s). You can ask "
                                           "for a review.", title=title, reason=_hidden_reason(note, target)),
        NotificationKind.PROPOSAL_ANSWERED: _("The city answered “%(title)s”: %(state)s.", title=title,
                                              state=_answered_state(note, target)),
        NotificationKind.ROUNDS_CHANGED: _("The rounds of “%(process)s” have new dates (you follow “%(title)s” "
                                           "there).", process=target.process.title if target is not None else "",
                                           title=title),
    }
    return texts[NotificationKind(note.kind)]


def _process_sentence(note: Notification, process: Process | None) -> str:
    """News about a whole process: a new version of its shared vision, a decision on one's statement."""
    title = process.title if process is not None else ""
    if note.kind == NotificationKind.VISION_PUBLISHED:
        version = db.session.scalar(select(func.max(VisionSummary.version)).where(
            VisionSummary.process_id == note.target_id, VisionSummary.state == VisionState.PUBLISHED,
            VisionSummary.published_at <= note.created_at))
        if version:
            return _("“%(process)s” published version %(version)d of its shared vision. Does it reflect your "
                     "view?", process=title, version=version)
        return _("“%(process)s” published its shared vision. Does it reflect your view?", process=title)
    if note.kind == NotificationKind.STATEMENT_MODERATED:
        statement = _moderated_statement(note)
        if statement is None:
            return _("A moderator reviewed your statement in “%(process)s”.", process=title)
        if statement.state == StatementState.PUBLISHED:
            return _("Your statement “%(statement)s” in “%(process)s” was approved: others can now vote on it.",
                     statement=statement.body, process=title)
        if statement.state == StatementState.REJECTED:
            return _("Your statement “%(statement)s” in “%(process)s” was not accepted (%(reason)s).",
                     statement=statement.body, process=title,
                     reason=statement.moderation_reason or _("no reason given"))
        return _("Your statement “%(statement)s” in “%(process)s” is waiting for a moderator again.",
                 statement=statement.body, process=title)
    return _("There is news about “%(process)s”.", process=title)


def _practice_sentence(note: Notification, practice: Practice | None) -> str:
    """News about a practice: a question on it, the answer to one's question, a replication by another city."""
    from app.models import Replication

    title = practice.title if practice is not None else ""
    who = note.actor.name if note.actor else _("Someone")
    if note.kind == NotificationKind.PRACTICE_REPLICATED:
        replication = db.session.scalar(
            select(Replication).where(Replication.practice_id == note.target_id,
                                      Replication.created_by_id == note.actor_id,
                                      Replication.created_at <= note.created_at)
            .order_by(Replication.created_at.desc(), Replication.id.desc()).limit(1))
        if replication is not None:
            from flask_babel import get_locale

            return _("%(who)s replicated your practice “%(title)s” in %(city)s.", who=who, title=title,
                     city=replication.city.name(str(get_locale())))
        return _("%(who)s replicated your practice “%(title)s”.", who=who, title=title)
    if note.kind == NotificationKind.PRACTICE_ANSWERED:
        return _("%(who)s answered your question about the practice “%(title)s”.", who=who, title=title)
    if note.kind == NotificationKind.PRACTICE_QUESTION:
        return _("%(who)s asked a question about your practice “%(title)s”.", who=who, title=title)
    return _("There is news about the practice “%(title)s”.", title=title)


def _moderated_statement(note: Notification) -> Statement | None:
    """The statement a moderation notice is about: the recipient's statement in the process most recently
    decided when the notice was written (the notice names the process, not the statement)."""
    return db.session.scalar(
        select(Statement).where(Statement.process_id == note.target_id, Statement.author_id == note.user_id,
                                Statement.moderated_at.is_not(None), Statement.moderated_at <= note.created_at)
        .order_by(Statement.moderated_at.desc(), Statement.id.desc()).limit(1))


def _answered_state(note: Notification, target) -> str:
    from app.planning.answers import notification_state

    return notification_state(note, target)


def _hidden_reason(note: Notification, target) -> str:
    """Why the item was hidden, in words (empty once it is shown again)."""
    from app.moderation.services import PENDING_REVIEW

    if note.kind != NotificationKind.CONTENT_HIDDEN:
        return ""
    item = db.session.get(Comment, note.comment_id) if note.comment_id else target
    reason = getattr(item, "hidden_reason", None)
    if reason is None:
        return _("since shown again")
    if reason == PENDING_REVIEW:
        return _("after several flags, until a moderator reviews it")
    return reason


# E-mail ------------------------------------------------------------------------------------------------

def _mail(user: User, notes: list[Notification], subject: str) -> None:
    from app.mail import send_mail

    with force_locale(user.locale or "en"):
        lines = [f"- {sentence(n)}\n  {link_for(n, external=True)}" for n in notes]
        body = _("Hello %(name)s,\n\n%(lines)s\n\nChange how often Madang writes to you on your account page.",
                 name=user.name, lines="\n".join(lines))
        send_mail(user.email, subject if subject else _("News from Madang"), body)


def mail_immediately(note_ids: list[int]) -> int:
    """E-mail the people who asked for immediate mail about these notifications; returns how many went."""
    if not note_ids:
        return 0
    notes = list(db.session.scalars(
        select(Notification).join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(note_ids), Notification.emailed_at.is_(None),
               User.email_notifications == EmailFrequency.IMMEDIATE.value)))
    sent = 0
    for note in notes:
        user = db.session.get(User, note.user_id)
        try:
            with force_locale(user.locale or "en"):
                _mail(user, [note], _("Madang: %(what)s", what=sentence(note)))
        except OSError:
            log.exception("Could not mail notification %s", note.id)
            continue
        note.emailed_at = utcnow()
        sent += 1
    db.session.commit()
    return sent


def send_daily_digests(now=None) -> int:
    """One e-mail per person who chose the daily digest, with what they have not read or been mailed yet.
    Run outside a request (cron), links start at the BASE_URL setting."""
    from flask import has_request_context

    if not has_request_context():
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return send_daily_digests(now)
    now = now or utcnow()
    notes = list(db.session.scalars(
        select(Notification).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.read_at.is_(None),
               Notification.created_at <= now, User.email_notifications == EmailFrequency.DAILY.value,
               User.suspended_at.is_(None))
        .order_by(Notification.user_id, Notification.created_at)))
    by_user: dict[int, list[Notification]] = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    sent = 0
    for user_id, items in by_user.items():
        user = db.session.get(User, user_id)
        try:
            with force_locale(user.locale or "en"):
                _mail(user, items, _("Your day on Madang: %(n)d new", n=len(items)))
        except OSError:
            log.exception("Could not send the digest to user %s", user_id)
            continue
        for note in items:
            note.emailed_at = now
        sent += 1
        db.session.commit()
    return sent


@event.listens_for(Session, "after_commit")
def _remember_committed(session):
    pending = session.info.pop("notifications_to_mail", None)
    if pending:
        session.info.setdefault("notifications_committed", []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    session.info.pop("notifications_to_mail", None)


def init_app(app) -> None:
    """After a commit that created notifications, mail those whose people want it at once."""

    @app.after_request
    def _mail_after_commit(response):
        pending = db.session.info.pop("notifications_committed", None)
        if pending:
            try:
                mail_immediately(pending)
            except Exception:  # mail must never break a request whose work is saved
                db.session.rollback()
                log.exception("Immediate notification mail failed")
        return response
