"""Deliberation use cases (debates, comments, votes on comments) and the queries a thread page needs."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from flask import url_for

from app import mentions
from app.audit import diff, record
from app.extensions import db
from app.markdown import render_markdown
from app.methods.language import detect_language
from app.moderation.services import BLOCKED_AUTHOR_REASON as BLOCKED_AUTHOR
from app.notifications import services as notifications
from app.models import AuditTarget, Comment, CommentVote, Debate, Process, Proposal, Stance, User, utcnow

SORTS = ("oldest", "newest", "best", "replies")


class InvalidParent(Exception):
    """The comment replied to is not in this thread."""


class DuplicateSubmission(Exception):
    """The same form arrived twice; the first one was kept."""

    def __init__(self, comment: Comment):
        super().__init__("duplicate submission")
        self.comment = comment


# Debates -------------------------------------------------------------------------------------------------

DEBATE_TEXT_FIELDS = ("title_ko", "title_en", "description_ko", "description_en", "side_for_ko", "side_for_en",
                      "side_against_ko", "side_against_en")


@dataclass(frozen=True)
class DebateData:
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    side_for_ko: str
    side_for_en: str
    side_against_ko: str
    side_against_en: str
    closes_at: datetime | None


def _debate_fields(debate: Debate) -> dict:
    return {**{f: getattr(debate, f) for f in DEBATE_TEXT_FIELDS}, "closes_at": debate.closes_at}


def _apply_debate(debate: Debate, data: DebateData) -> None:
    for name in DEBATE_TEXT_FIELDS:
        setattr(debate, name, getattr(data, name).strip())
    debate.description_html_ko = render_markdown(debate.description_ko)
    debate.description_html_en = render_markdown(debate.description_en)
    debate.closes_at = data.closes_at


def create_debate(actor: User, process: Process, data: DebateData) -> Debate:
    debate = Debate(process_id=process.id, created_by_id=actor.id)
    _apply_debate(debate, data)
    db.session.add(debate)
    db.session.flush()
    notifications.follow(actor, debate)
    record(actor, "debate.create", AuditTarget.DEBATE, debate.id, city_id=process.city_id,
           changes={"process_id": process.id, **diff({}, _debate_fields(debate))})
    return debate


def update_debate(actor: User, debate: Debate, data: DebateData) -> None:
    before = _debate_fields(debate)
    _apply_debate(debate, data)
    db.session.flush()
    changes = diff(before, _debate_fields(debate))
    if changes:
        record(actor, "debate.update", AuditTarget.DEBATE, debate.id, city_id=debate.process.city_id,
               changes=changes)


# Comments ------------------------------------------------------------------------------------------------

def _target_filter(target):
    if isinstance(target, Proposal):
        return Comment.proposal_id == target.id
    return Comment.debate_id == target.id


def _set_body(comment: Comment, body: str, mentioned: dict | None = None, city=None) -> None:
    comment.body = unicodedata.normalize("NFC", body.strip())
    source = comment.body
    if mentioned:
        source = mentions.link_mentions(source, mentioned, lambda user: url_for(
            "cities.person", city_slug=city.slug, user_id=user.id))
    comment.body_html = render_markdown(source)
    comment.language = detect_language(comment.body)


def post_comment(author: User, target, body: str, stance: str | None, parent: Comment | None = None,
                 levels: int = 4, submission_key: str | None = None) -> Comment:
    """A new comment, or a reply. Past the city's deepest level a reply joins its parent's level instead.
    Members mentioned by name get a link and a notification; the people concerned are notified."""
    comment = Comment(author_id=author.id, stance=Stance(stance).value if stance else None,
                      submission_key=submission_key or None)
    if isinstance(target, Proposal):
        comment.proposal_id = target.id
    else:
        comment.debate_id = target.id
    if parent is not None:
        same_thread = (parent.proposal_id, parent.debate_id) == (comment.proposal_id, comment.debate_id)
        if not same_thread:
            raise InvalidParent()
        while parent.depth >= levels - 1 and parent.parent_id is not None:
            parent = parent.parent
        comment.parent_id = parent.id
        comment.root_id = parent.root_id or parent.id
        comment.depth = parent.depth + 1
    city = target.process.city
    mentioned = mentions.resolve(city, mentions.mentioned_names(body))
    _set_body(comment, body, mentioned, city)
    try:
        with db.session.begin_nested():
            db.session.add(comment)
    except IntegrityError as error:
        if submission_key:
            first = db.session.scalar(select(Comment).where(Comment.author_id == author.id,
                                                            Comment.submission_key == submission_key))
            if first is not None:
                raise DuplicateSubmission(first) from error
        raise
    notifications.comment_posted(comment, target, city.id, mentioned=[u.id for u in mentioned.values()])
    return comment


def edit_comment(comment: Comment, body: str, stance: str | None) -> None:
    target = comment.proposal if comment.proposal_id is not None else comment.debate
    city = target.process.city
    _set_body(comment, body, mentions.resolve(city, mentions.mentioned_names(body)), city)
    comment.stance = Stance(stance).value if stance else None
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(comment: Comment) -> None:
    """The author's deletion: the text goes, the row stays so replies keep their place."""
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.body_html = ""
    comment.stance = None
    db.session.flush()


def _count_vote(comment_id: int, old: int, new: int) -> None:
    """Move the comment's stored tallies from one vote to another (0 = none), in the same transaction."""
    up = (new == 1) - (old == 1)
    down = (new == -1) - (old == -1)
    if up or down:
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(
            up_votes=Comment.up_votes + up, down_votes=Comment.down_votes + down, score=Comment.score + up - down))


def vote_on_comment(user: User, comment: Comment, value: int) -> int:
    """Up (+1), down (-1) or take back (0). Voting the same way twice takes the vote back. The unique
    constraint settles two simultaneous first votes: the loser updates the winner's row. The comment's
    tallies move with the vote. Returns the vote that stands."""
    existing = db.session.scalar(
        select(CommentVote).where(CommentVote.user_id == user.id, CommentVote.comment_id == comment.id)
    )
    if existing is None and value != 0:
        try:
            with db.session.begin_nested():
                db.session.add(CommentVote(user_id=user.id, comment_id=comment.id, value=value))
                db.session.flush()
                _count_vote(comment.id, 0, value)
            return value
        except IntegrityError:
            # The same person's simultaneous request won the insert: it was the same click, so keep the vote.
            existing = db.session.scalar(
                select(CommentVote).where(CommentVote.user_id == user.id, CommentVote.comment_id == comment.id)
            )
            if existing is not None:
                if existing.value != value:
                    _count_vote(comment.id, existing.value, value)
                    existing.value = value
                db.session.flush()
                return value
    if existing is None:
        return 0
    if value == 0 or existing.value == value:
        # A plain DELETE: when two take-backs race, only the one that deleted the row moves the tallies.
        deleted = db.session.execute(delete(CommentVote).where(CommentVote.id == existing.id)).rowcount
        if deleted:
            _count_vote(comment.id, existing.value, 0)
        db.session.expunge(existing)
        return 0
    _count_vote(comment.id, existing.value, value)
    existing.value = value
    db.session.flush()
    return value


# The thread page -----------------------------------------------------------------------------------------

@dataclass
class CommentView:
    comment: Comment
    hidden_reason: str | None = None  # why it is hidden (by a moderator, by flags, or a blocked author)
    show_body: bool = True  # False for readers who may not see hidden content
    can: object = None  # what the viewer may do with it (permissions.CommentAbilities)
    score: int = 0
    up: int = 0
    down: int = 0
    replies_total: int = 0
    my_vote: int = 0
    replies: list["CommentView"] = field(default_factory=list)


@dataclass
class Thread:
    top: list[CommentView]
    page: int
    per_page: int
    total_top: int
    total_comments: int
    sort: str
    counts: dict[str, int]
    strongest_for: list[CommentView]
    strongest_against: list[CommentView]

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total_top

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_top // self.per_page))




def _visible(blocked: frozenset[int] = frozenset()):
    condition = and_(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
    if blocked:
        condition = and_(condition, Comment.author_id.not_in(blocked))
    return condition


def stance_counts(target, blocked: frozenset[int] = frozenset()) -> dict[str, int]:
    rows = db.session.execute(
        select(Comment.stance, func.count()).where(_target_filter(target), _visible(blocked),
                                                   Comment.stance.is_not(None))
        .group_by(Comment.stance)
    ).all()
    counts = {stance.value: 0 for stance in Stance}
    counts.update({stance: n for stance, n in rows})
    return counts


def strongest(target, stance: Stance, limit: int = 3, blocked: frozenset[int] = frozenset()) -> list[CommentView]:
    """The best-voted visible comments of one side; ties go to the more recent."""
    rows = db.session.scalars(
        select(Comment)
        .where(_target_filter(target), _visible(blocked), Comment.stance == stance.value)
        .options(selectinload(Comment.author).load_only(User.id, User.name))
        .order_by(Comment.score.desc(), Comment.created_at.desc(), Comment.id.desc()).limit(limit)
    ).all()
    return [CommentView(comment=c, score=c.score, up=c.up_votes, down=c.down_votes) for c in rows]


def _top_level_query(target, sort: str) -> Select:
    query = select(Comment).where(_target_filter(target), Comment.parent_id.is_(None))
    if sort == "newest":
        return query.order_by(Comment.created_at.desc(), Comment.id.desc())
    if sort == "best":
        return query.order_by(Comment.score.desc(), Comment.created_at.desc(), Comment.id.desc())
    if sort == "replies":
        replies = aliased(Comment)
        reply_counts = (select(replies.root_id.label("root_id"), func.count().label("n"))
                        .where(_replies_of(replies, target), replies.root_id.is_not(None))
                        .group_by(replies.root_id).subquery())
        return (query.outerjoin(reply_counts, reply_counts.c.root_id == Comment.id)
                .order_by(func.coalesce(reply_counts.c.n, 0).desc(), Comment.created_at.desc(), Comment.id.desc()))
    return query.order_by(Comment.created_at.asc(), Comment.id.asc())


def _replies_of(alias, target):
    if isinstance(target, Proposal):
        return alias.proposal_id == target.id
    return alias.debate_id == target.id


def load_thread(target, viewer: User | None, sort: str = "oldest", page: int = 1, per_page: int = 20,
                blocked: frozenset[int] = frozenset(), sees_hidden: bool = False) -> Thread:
    """A page of top-level comments with their whole reply trees, vote tallies and the viewer's own votes,
    the stance counts and the strongest arguments of each side: a fixed number of queries, however long
    the thread."""
    sort = sort if sort in SORTS else "oldest"
    totals = db.session.execute(
        select(func.count(), func.count(case((Comment.parent_id.is_(None), 1))))
        .select_from(Comment).where(_target_filter(target))
    ).one()
    total_comments, total_top = totals[0] or 0, totals[1] or 0
    top = list(db.session.scalars(
        _top_level_query(target, sort).options(selectinload(Comment.author).load_only(User.id, User.name))
        .limit(per_page).offset((page - 1) * per_page)
    ))
    top_ids = [c.id for c in top]
    replies = list(db.session.scalars(
        select(Comment).where(Comment.root_id.in_(top_ids))
        .options(selectinload(Comment.author).load_only(User.id, User.name))
        .order_by(Comment.created_at, Comment.id)
    )) if top_ids else []
    everyone = top + replies
    ids = [c.id for c in everyone]
    mine = {}
    if ids:
        if viewer is not None and getattr(viewer, "is_authenticated", False):
            mine = dict(db.session.execute(
                select(CommentVote.comment_id, CommentVote.value)
                .where(CommentVote.user_id == viewer.id, CommentVote.comment_id.in_(ids))).all())
    views = {}
    for c in everyone:
        reason = c.hidden_reason if c.hidden_at is not None else (
            BLOCKED_AUTHOR if c.author_id in blocked and c.deleted_at is None else None)
        views[c.id] = CommentView(comment=c, hidden_reason=reason, show_body=reason is None or sees_hidden,
                                  score=c.score, up=c.up_votes, down=c.down_votes, my_vote=mine.get(c.id, 0))
    for c in replies:
        views[c.parent_id].replies.append(views[c.id])
        views[c.root_id].replies_total += 1
    return Thread(
        top=[views[c.id] for c in top], page=page, per_page=per_page, total_top=total_top,
        total_comments=total_comments, sort=sort,
        counts=stance_counts(target, blocked),
        strongest_for=strongest(target, Stance.FOR, blocked=blocked),
        strongest_against=strongest(target, Stance.AGAINST, blocked=blocked),
    )
