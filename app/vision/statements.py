"""Statements of a process and the votes on them: facilitators seed statements, citizens add their own (published
at once, or after a moderator's approval, as the process chooses), moderators approve or reject them, and
participants vote agree / disagree / pass on one statement at a time.

One vote per participant and statement is the schema's unique constraint; a changed vote updates its row. The
statement's stored tallies move by an UPDATE in the database itself, in the same transaction, and only for a row
really inserted or really changed, so they always equal the rows. The next statement shown is drawn at random,
weighted by app.methods.opinion.statement_priorities (few votes and high divisiveness first, Polis-style), among
the published statements the participant has not voted on: nobody sees a statement twice."""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit import diff, record
from app.extensions import db
from app.methods.language import detect_language
from app.methods.opinion import statement_priorities
from app.notifications.services import notify
from app.models import (
    STATEMENT_MAX_LENGTH,
    AuditTarget,
    Membership,
    NotificationKind,
    OpinionMap,
    Participant,
    Process,
    Statement,
    StatementModeration,
    StatementState,
    StatementVote,
    User,
    VoteValue,
    utcnow,
)
from app.voting.services import participant_for


# The body of a statement ------------------------------------------------------------------------------------

class StatementRefused(ValueError):
    """A statement that cannot be added: `code` is "empty", "too_long" (with `length`) or "duplicate"."""

    def __init__(self, code: str, length: int = 0):
        super().__init__(code)
        self.code = code
        self.length = length

    @property
    def message(self) -> str:
        if self.code == "empty":
            return str(_l("Write a statement."))
        if self.code == "too_long":
            return str(_l("A statement has at most %(max)d characters; this one has %(n)d. Say it more briefly.",
                          max=STATEMENT_MAX_LENGTH, n=self.length))
        return str(_l("This statement is already in this process. Vote on it, or write something else."))


def clean_body(body: str | None) -> str:
    """The statement as it is stored: one line, runs of white space made one space, trimmed. Raises
    StatementRefused when nothing is left or it is longer than STATEMENT_MAX_LENGTH."""
    text = " ".join((body or "").split())
    if not text:
        raise StatementRefused("empty")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise StatementRefused("too_long", len(text))
    return text


def duplicate_key(body: str) -> str:
    """What two statements share when they say the same thing but for case and white space."""
    return " ".join(body.split()).casefold()


def _refuse_duplicate(process: Process, text: str) -> None:
    """Refuse a statement that repeats one the process has (pending or published). Adding statements to one
    process is serialised by a lock on its row (PostgreSQL; SQLite has one writer at a time), so two identical
    statements sent at once end in one. FOR NO KEY UPDATE does not hold up the votes, whose foreign keys take
    only a key-share lock on the process."""
    db.session.scalar(select(Process.id).where(Process.id == process.id).with_for_update(key_share=True))
    key = duplicate_key(text)
    bodies = db.session.scalars(select(Statement.body).where(Statement.process_id == process.id,
                                                             Statement.state != StatementState.REJECTED))
    if any(duplicate_key(body) == key for body in bodies):
        raise StatementRefused("duplicate")


def _statement_fields(statement: Statement) -> dict:
    return {"process_id": statement.process_id, "body": statement.body, "state": str(statement.state),
            "seeded": statement.seeded, "language": statement.language}


def _new_statement(author: User, process: Process, body: str, **fields) -> Statement:
    text = clean_body(body)
    _refuse_duplicate(process, text)
    statement = Statement(process_id=process.id, author_id=author.id, body=text, language=detect_language(text),
                          created_at=utcnow(), **fields)
    db.session.add(statement)
    db.session.flush()
    return statement


def seed_statement(actor: User, process: Process, body: str) -> Statement:
    """A facilitator's statement: published at once."""
    statement = _new_statement(actor, process, body, seeded=True, state=StatementState.PUBLISHED)
    record(actor, "statement.seed", AuditTarget.STATEMENT, statement.id, city_id=process.city_id,
           changes=diff({}, _statement_fields(statement)))
    return statement


def add_statement(user: User, process: Process, body: str) -> Statement:
    """A citizen's statement: published at once under post-moderation (a moderator may reject it later; the
    publication is the process's rule, so it carries a time and no moderator), else pending approval. As in
    Polis, its author agrees with it: that vote is cast with it, so nobody is asked about their own statement.
    The caller checks that the person may add statements (which needs them to be able to vote)."""
    if process.statement_moderation == StatementModeration.POST:
        statement = _new_statement(user, process, body, state=StatementState.PUBLISHED, moderated_at=utcnow())
    else:
        statement = _new_statement(user, process, body, state=StatementState.PENDING)
    record(user, "statement.add", AuditTarget.STATEMENT, statement.id, city_id=process.city_id,
           changes=diff({}, _statement_fields(statement)))
    vote(user, statement, VoteValue.AGREE)
    return statement


# Moderation ---------------------------------------------------------------------------------------------------

class ModerationDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


def needs_review(statement: Statement) -> bool:
    """A citizen's statement published by post-moderation that no moderator has looked at yet."""
    return (statement.state == StatementState.PUBLISHED and not statement.seeded and statement.external_id is None
            and statement.moderated_by_id is None)


def moderate(actor: User, statement: Statement, decision: ModerationDecision | str, reason: str = "") -> bool:
    """Approve (publish, or confirm a statement published by post-moderation) or reject a statement, with the
    moderator, the time and the reason. Each change is audited; when the state changes, the author hears of it.

    The UPDATE names the state it found, so two moderators deciding at once change it once. False when the
    statement was already so decided (nothing written)."""
    decision = ModerationDecision(decision)
    reason = " ".join((reason or "").split())[:500]
    before = {"state": str(statement.state), "moderated_by_id": statement.moderated_by_id,
              "moderation_reason": statement.moderation_reason}
    target = StatementState.PUBLISHED if decision == ModerationDecision.APPROVE else StatementState.REJECTED
    found = [Statement.id == statement.id, Statement.state == statement.state]
    if statement.state == target:
        if not needs_review(statement):
            return False
        found.append(Statement.moderated_by_id.is_(None))  # confirming a post-moderated statement, once
    now = utcnow()
    changed = db.session.execute(
        update(Statement).where(*found)
        .values(state=target.value, moderated_by_id=actor.id, moderated_at=now, moderation_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(statement)
    if not changed:
        return False
    process = db.session.get(Process, statement.process_id)
    record(actor, f"statement.{decision.value}", AuditTarget.STATEMENT, statement.id, city_id=process.city_id,
           changes=diff(before, {"state": str(statement.state), "moderated_by_id": statement.moderated_by_id,
                                 "moderation_reason": statement.moderation_reason}))
    if before["state"] != statement.state:
        _tell_author(actor, statement, process)
    return True


def _tell_author(actor: User, statement: Statement, process: Process) -> None:
    """The author hears of the decision in a notification about the process (never when they decided it
    themselves); it is mailed after the commit to those who want mail at once, like every notification."""
    if statement.author_id is None:
        return
    notify({statement.author_id: NotificationKind.STATEMENT_MODERATED}, actor.id, process, process.city_id)


def update_settings(actor: User, process: Process, citizen_statements: bool, moderation: StatementModeration | str):
    """Whether citizens may add statements, and whether theirs wait for approval ("pre") or are published at
    once ("post"). Statements already pending stay in the queue."""
    before = {"citizen_statements": process.citizen_statements, "statement_moderation": process.statement_moderation}
    process.citizen_statements = bool(citizen_statements)
    process.statement_moderation = StatementModeration(moderation).value
    db.session.flush()
    changes = diff(before, {"citizen_statements": process.citizen_statements,
                            "statement_moderation": process.statement_moderation})
    if changes:
        record(actor, "statement.settings", AuditTarget.PROCESS, process.id, city_id=process.city_id,
               changes=changes)


# Votes --------------------------------------------------------------------------------------------------------

class VoteOutcome(StrEnum):
    CAST = "cast"  # a first vote on this statement
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # the same vote again


TALLY_COLUMNS = {VoteValue.AGREE: "agree_count", VoteValue.DISAGREE: "disagree_count", VoteValue.PASS: "pass_count"}


def _move_tallies(statement_id: int, steps: dict[VoteValue, int]) -> None:
    """Move the stored tallies in the database itself (never read-modify-write)."""
    values = {}
    for value, step in steps.items():
        column = getattr(Statement, TALLY_COLUMNS[value])
        values[TALLY_COLUMNS[value]] = column + step
    db.session.execute(update(Statement).where(Statement.id == statement_id).values(**values)
                       .execution_options(synchronize_session=False))


def _participant(voter: Participant | User, statement: Statement) -> Participant:
    if isinstance(voter, Participant):
        return voter
    city_id = select(Process.city_id).where(Process.id == statement.process_id).scalar_subquery()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == voter.id,
                                                            Membership.city_id == city_id))
    if membership is None:
        raise ValueError("only a member of the city votes on its statements")
    return participant_for(membership)


def _locked_vote(participant_id: int, statement_id: int) -> StatementVote | None:
    return db.session.scalar(select(StatementVote).where(StatementVote.participant_id == participant_id,
                                                         StatementVote.statement_id == statement_id)
                             .with_for_update().execution_options(populate_existing=True))


def vote(voter: Participant | User, statement: Statement, value: VoteValue | int) -> VoteOutcome:
    """Record the voter's agree (+1), disagree (−1) or pass (0) on the statement, or change it. The voter is a
    participant, or a member of the statement's city (whose participant is created on the first vote).

    A first vote inserts in a savepoint: when the same person's other request inserted first, the unique
    constraint refuses ours and the vote becomes a change of that row, under its row lock (PostgreSQL), so
    simultaneous clicks end in one row and tallies that equal the rows. The caller checks the permission."""
    value = VoteValue(value)
    participant = _participant(voter, statement)
    now = utcnow()
    existing = _locked_vote(participant.id, statement.id)
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(StatementVote(participant_id=participant.id, statement_id=statement.id,
                                             process_id=statement.process_id, value=value.value, created_at=now,
                                             updated_at=now))
        except IntegrityError:
            existing = _locked_vote(participant.id, statement.id)
            if existing is None:  # pragma: no cover - the constraint that failed guarantees the row
                raise
        else:
            _move_tallies(statement.id, {value: +1})
            db.session.refresh(statement, ["agree_count", "disagree_count", "pass_count"])
            return VoteOutcome.CAST
    for _attempt in range(3):
        old = VoteValue(existing.value)
        if old == value:
            return VoteOutcome.UNCHANGED
        # Naming the old value keeps the change exact where rows cannot be locked (SQLite): if another request
        # changed it first, nothing is written and the row is read again.
        changed = db.session.execute(
            update(StatementVote).where(StatementVote.id == existing.id, StatementVote.value == old.value)
            .values(value=value.value, updated_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            _move_tallies(statement.id, {old: -1, value: +1})
            db.session.refresh(existing)
            db.session.refresh(statement, ["agree_count", "disagree_count", "pass_count"])
            return VoteOutcome.CHANGED
        existing = _locked_vote(participant.id, statement.id)
    raise RuntimeError("the vote kept changing under us")  # pragma: no cover


def vote_of(participant: Participant | None, statement: Statement) -> VoteValue | None:
    if participant is None:
        return None
    value = db.session.scalar(select(StatementVote.value).where(StatementVote.participant_id == participant.id,
                                                                StatementVote.statement_id == statement.id))
    return None if value is None else VoteValue(value)


# Choosing the next statement ------------------------------------------------------------------------------------

def cached_divisiveness(process: Process) -> dict[int, float] | None:
    """{statement id: divisiveness} from the process's cached opinion map, if there is one. Never computes a map:
    routing must stay cheap, and a slightly old map orders statements well enough."""
    opinion_map = db.session.get(OpinionMap, process.id)
    if opinion_map is None or not isinstance(opinion_map.data, dict):
        return None
    found = {}
    for key, entry in (opinion_map.data.get("statements") or {}).items():
        try:
            found[int(key)] = float(entry.get("divisiveness") or 0.0)
        except (TypeError, ValueError, AttributeError):
            continue
    return found


def _unvoted(participant: Participant | None, process: Process):
    query = select(Statement.id, Statement.agree_count, Statement.disagree_count, Statement.pass_count).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED)
    if participant is not None:
        query = query.where(~exists().where(StatementVote.statement_id == Statement.id,
                                            StatementVote.participant_id == participant.id))
    return query.order_by(Statement.id)


def next_statement(participant: Participant | None, process: Process, rng) -> Statement | None:
    """A published statement the participant has not voted on, drawn with `rng` (anything with .random(), such
    as random.Random) in proportion to its routing priority; None when there is none left."""
    rows = db.session.execute(_unvoted(participant, process)).all()
    if not rows:
        return None
    divisiveness = cached_divisiveness(process)
    weights = statement_priorities(
        [r.agree_count for r in rows], [r.disagree_count for r in rows], [r.pass_count for r in rows],
        None if divisiveness is None else [divisiveness.get(r.id, 0.0) for r in rows])
    cumulative = list(itertools.accumulate(float(w) for w in weights))
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return db.session.get(Statement, rows[min(index, len(rows) - 1)].id)


# What the pages show ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    voted: int  # published statements the participant has voted on
    total: int  # published statements

    @property
    def left(self) -> int:
        return self.total - self.voted


def progress(participant: Participant | None, process: Process) -> Progress:
    total = db.session.scalar(select(func.count()).select_from(Statement).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED)) or 0
    voted = 0
    if participant is not None:
        voted = db.session.scalar(select(func.count()).select_from(StatementVote).join(
            Statement, Statement.id == StatementVote.statement_id).where(
            StatementVote.participant_id == participant.id, StatementVote.process_id == process.id,
            Statement.state == StatementState.PUBLISHED)) or 0
    return Progress(voted=voted, total=total)


def votes_of(participant: Participant | None, process: Process) -> list[tuple[Statement, VoteValue]]:
    """The participant's votes on the published statements of the process, the latest first."""
    if participant is None:
        return []
    rows = db.session.execute(
        select(Statement, StatementVote.value).join(StatementVote, StatementVote.statement_id == Statement.id)
        .where(StatementVote.participant_id == participant.id, StatementVote.process_id == process.id,
               Statement.state == StatementState.PUBLISHED)
        .order_by(StatementVote.updated_at.desc(), StatementVote.id.desc())
    ).all()
    return [(statement, VoteValue(value)) for statement, value in rows]


def statements_by(user, process: Process) -> list[Statement]:
    """What the person wrote in the process, in any state, newest first (so they see what waits or was refused)."""
    if not (user and user.is_authenticated):
        return []
    return list(db.session.scalars(select(Statement).where(Statement.process_id == process.id,
                                                           Statement.author_id == user.id, Statement.seeded.is_(False))
                                   .order_by(Statement.created_at.desc(), Statement.id.desc())))


def published(process: Process) -> Select:
    """The published statements of a process, the most voted on first."""
    return (select(Statement).where(Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED)
            .order_by((Statement.agree_count + Statement.disagree_count + Statement.pass_count).desc(),
                      Statement.id))


def all_statements(process: Process) -> Select:
    """Every statement of a process (for those who manage them), the newest first."""
    return (select(Statement).where(Statement.process_id == process.id)
            .options(joinedload(Statement.author)).order_by(Statement.created_at.desc(), Statement.id.desc()))


QUEUE_LENGTH = 50


@dataclass(frozen=True)
class Queue:
    pending: list[Statement]  # waiting for approval, the oldest first
    pending_count: int
    unreviewed: list[Statement]  # citizens' statements published by post-moderation, not yet looked at
    unreviewed_count: int


def moderation_queue(process: Process) -> Queue:
    citizens = (Statement.process_id == process.id, Statement.seeded.is_(False), Statement.external_id.is_(None))
    pending = select(Statement).where(*citizens, Statement.state == StatementState.PENDING)
    unreviewed = select(Statement).where(*citizens, Statement.state == StatementState.PUBLISHED,
                                         Statement.moderated_by_id.is_(None))

    def page(query):
        rows = list(db.session.scalars(query.options(joinedload(Statement.author))
                                       .order_by(Statement.created_at, Statement.id).limit(QUEUE_LENGTH)))
        count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return rows, count

    pending_rows, pending_count = page(pending)
    unreviewed_rows, unreviewed_count = page(unreviewed)
    return Queue(pending_rows, pending_count, unreviewed_rows, unreviewed_count)


@dataclass(frozen=True)
class Figures:
    published: int
    pending: int
    rejected: int
    votes: int
    voters: int


def figures(process: Process) -> Figures:
    by_state = dict(db.session.execute(select(Statement.state, func.count()).where(Statement.process_id == process.id)
                                       .group_by(Statement.state)).all())
    votes, voters = db.session.execute(
        select(func.count(), func.count(func.distinct(StatementVote.participant_id)))
        .where(StatementVote.process_id == process.id)).one()
    return Figures(published=by_state.get(StatementState.PUBLISHED.value, 0),
                   pending=by_state.get(StatementState.PENDING.value, 0),
                   rejected=by_state.get(StatementState.REJECTED.value, 0), votes=votes or 0, voters=voters or 0)


@dataclass(frozen=True)
class Shares:
    agree: int
    disagree: int
    passed: int

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed

    def percent(self, count: int) -> int:
        """A share in whole percent (0 when nobody voted)."""
        return round(100 * count / self.votes) if self.votes else 0


def shares_of(statement: Statement) -> Shares:
    return Shares(statement.agree_count, statement.disagree_count, statement.pass_count)


@dataclass(frozen=True)
class GroupShares:
    group: int  # the group's id in the map (0, 1, … by descending size)
    size: int
    shares: Shares


def group_shares(statement: Statement) -> list[GroupShares] | None:
    """How each opinion group of the process's cached map voted on the statement; None without a map or when
    the map does not include the statement."""
    opinion_map = db.session.get(OpinionMap, statement.process_id)
    if opinion_map is None or not isinstance(opinion_map.data, dict):
        return None
    entry = (opinion_map.data.get("statements") or {}).get(str(statement.id))
    if not entry or not entry.get("groups"):
        return None
    groups = opinion_map.data.get("groups") or []
    result = []
    for index, counts in enumerate(entry["groups"]):
        size = groups[index].get("size", 0) if index < len(groups) else 0
        group_id = groups[index].get("id", index) if index < len(groups) else index
        agree, disagree, passed = (int(x) for x in counts)
        result.append(GroupShares(group=group_id, size=size, shares=Shares(agree, disagree, passed)))
    return result
