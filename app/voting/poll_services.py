"""Ranked polls: facilitators pose them in a process (a bilingual question, 2–20 options, a counting method,
open or secret); citizens rank as many options as they like; the result follows the poll's method
(app.methods.ranked).

A ballot ranks options 1..k without gaps or repeats; the options it leaves out tie below the ranked ones.
An open ballot belongs to its participant and may be replaced while voting is open. A secret ballot is written
in one savepoint after its voter-roll entry, so it exists only if the roll row does: the roll's primary key
refuses a second secret ballot, and the ballot itself carries no participant, no timestamp and a random id;
the roll records the day of the vote, not its time. A secret poll shows no provisional results, to anyone.

A poll can be changed or deleted until its first ballot. On PostgreSQL the facilitator's change locks the poll
row and every ballot takes a shared lock on it first, so a change and a ballot never pass each other."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from app import permissions
from app.audit import diff, record
from app.extensions import db
from app.methods.ranked import RankedResult, tally
from app.models import (
    AuditTarget,
    Participant,
    Phase,
    PhaseAction,
    Poll,
    PollBallot,
    PollMethod,
    PollOption,
    PollRank,
    PollRollEntry,
    Process,
    User,
    utcnow,
)
from app.permissions import ALLOWED, Decision
from app.voting.services import roll_time

MIN_OPTIONS = 2
MAX_OPTIONS = 20


class PollHasBallots(Exception):
    """The poll has ballots: it can no longer be changed or deleted."""


class PollGone(Exception):
    """The poll was deleted while a ballot was on its way."""


class PollChanged(Exception):
    """The poll's options changed while a ballot was on its way."""


class SecretBallotAlreadyCast(Exception):
    """The roll already has this participant: a secret ballot is final."""


class InvalidBallot(ValueError):
    """A ranking that is not 1..k without gaps or repeats, is empty, or names an option of another poll.

    `code` is one of "empty", "repeat", "gap", "option"; `rank` the rank concerned (repeat, gap)."""

    def __init__(self, code: str, rank: int | None = None, count: int = 0):
        super().__init__(code)
        self.code = code
        self.rank = rank
        self.count = count


# Setting polls up --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionData:
    label_ko: str
    label_en: str


@dataclass(frozen=True)
class PollData:
    question_ko: str
    question_en: str
    description_ko: str
    description_en: str
    method: PollMethod
    secret: bool
    options: tuple[OptionData, ...]


POLL_TEXT_FIELDS = ("question_ko", "question_en", "description_ko", "description_en")


def polls_of(process: Process) -> list[Poll]:
    return list(db.session.scalars(select(Poll).where(Poll.process_id == process.id)
                                   .order_by(Poll.created_at, Poll.id)))


def ballot_count(poll: Poll) -> int:
    return db.session.scalar(select(func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll.id)) or 0


def ballot_counts(polls: Sequence[Poll]) -> dict[int, int]:
    """Ballots per poll, in one query."""
    ids = [p.id for p in polls]
    counts = dict.fromkeys(ids, 0)
    if ids:
        counts.update(db.session.execute(select(PollBallot.poll_id, func.count()).where(PollBallot.poll_id.in_(ids))
                                         .group_by(PollBallot.poll_id)).all())
    return counts


def change_decision(poll: Poll) -> Decision:
    """Whether the poll may still be changed or deleted (by those who manage voting): until its first ballot."""
    if ballot_count(poll):
        return Decision(False, str(_l("This poll has ballots: it can no longer be changed or deleted.")))
    return ALLOWED


def _poll_fields(poll: Poll) -> dict:
    return {**{f: getattr(poll, f) for f in POLL_TEXT_FIELDS}, "method": str(poll.method), "secret": poll.secret,
            "options": [[o.label_ko, o.label_en] for o in poll.options]}


def _apply_poll(poll: Poll, data: PollData) -> None:
    if not MIN_OPTIONS <= len(data.options) <= MAX_OPTIONS:
        raise ValueError(f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options, got {len(data.options)}")
    for name in POLL_TEXT_FIELDS:
        setattr(poll, name, getattr(data, name).strip())
    poll.method = PollMethod(data.method).value
    poll.secret = bool(data.secret)
    # Options are relabelled in place and the surplus dropped or added at the end, so positions never collide.
    options = list(poll.options)
    for position, wanted in enumerate(data.options):
        if position < len(options):
            option = options[position]
        else:
            option = PollOption(position=position)
            poll.options.append(option)
        option.label_ko, option.label_en = wanted.label_ko.strip(), wanted.label_en.strip()
    for surplus in options[len(data.options):]:
        poll.options.remove(surplus)


def create_poll(actor: User, process: Process, data: PollData) -> Poll:
    poll = Poll(process_id=process.id, created_by_id=actor.id)
    _apply_poll(poll, data)
    db.session.add(poll)
    db.session.flush()
    record(actor, "poll.create", AuditTarget.POLL, poll.id, city_id=process.city_id,
           changes={"process_id": process.id, **diff({}, _poll_fields(poll))})
    return poll


def _lock_unballoted(poll: Poll) -> None:
    """Lock the poll row (PostgreSQL) and make sure nobody has voted: a ballot on its way waits, or is seen."""
    locked = db.session.scalar(select(Poll.id).where(Poll.id == poll.id).with_for_update())
    if locked is None:
        raise PollGone()
    if ballot_count(poll):
        raise PollHasBallots()


def update_poll(actor: User, poll: Poll, data: PollData) -> None:
    _lock_unballoted(poll)
    before = _poll_fields(poll)
    _apply_poll(poll, data)
    db.session.flush()
    changes = diff(before, _poll_fields(poll))
    if changes:
        record(actor, "poll.update", AuditTarget.POLL, poll.id, city_id=poll.process.city_id, changes=changes)


def delete_poll(actor: User, poll: Poll) -> None:
    _lock_unballoted(poll)
    record(actor, "poll.delete", AuditTarget.POLL, poll.id, city_id=poll.process.city_id,
           changes={"process_id": poll.process_id, **diff(_poll_fields(poll), {})})
    db.session.delete(poll)
    db.session.flush()


# Ballots -----------------------------------------------------------------------------------------------------

def ranking_from_ranks(ranks: Mapping[int, int]) -> list[int]:
    """Option ids best first, from the rank given to each ranked option. Raises InvalidBallot unless the ranks
    are exactly 1..k (k ≥ 1): no repeats, no gaps."""
    if not ranks:
        raise InvalidBallot("empty")
    by_rank: dict[int, list[int]] = {}
    for option_id, rank in ranks.items():
        by_rank.setdefault(rank, []).append(option_id)
    for rank in sorted(by_rank):
        if len(by_rank[rank]) > 1:
            raise InvalidBallot("repeat", rank, len(by_rank[rank]))
    for expected in range(1, len(ranks) + 1):
        if expected not in by_rank:
            raise InvalidBallot("gap", expected)
    return [by_rank[rank][0] for rank in range(1, len(ranks) + 1)]


def _checked_ranking(ranking: Sequence[int], options: set[int]) -> list[int]:
    ranking = list(ranking)
    if not ranking:
        raise InvalidBallot("empty")
    if len(set(ranking)) != len(ranking):
        raise InvalidBallot("repeat")
    if not set(ranking) <= options:
        raise InvalidBallot("option")
    return ranking


def _share_lock(poll: Poll) -> None:
    """A shared lock on the poll row (PostgreSQL): ballots pass each other, a facilitator's change waits."""
    if db.session.scalar(select(Poll.id).where(Poll.id == poll.id).with_for_update(read=True)) is None:
        raise PollGone()


def _write_ranks(ballot_id: str, ranking: Sequence[int]) -> None:
    db.session.execute(insert(PollRank), [{"ballot_id": ballot_id, "option_id": option_id, "rank": rank}
                                          for rank, option_id in enumerate(ranking, start=1)])


def options_digest(options: Iterable) -> str:
    """A short fingerprint of a poll's options (ids and labels, in order), so a ballot can tell whether the
    options it was filled in against are still the poll's."""
    text = "\n".join(f"{o.id}\t{o.label_ko}\t{o.label_en}" for o in options)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cast_ballot(poll: Poll, participant: Participant, ranking: Sequence[int], seen: str | None = None) -> None:
    """Cast (or, for an open poll, replace) the participant's ballot: `ranking` is option ids, best first.

    `seen` is the options_digest of the options the voter was shown; if the poll's options changed since,
    PollChanged. Secret polls: SecretBallotAlreadyCast if the participant is on the roll already (the roll's
    primary key decides a race, and the ballot is written only after the roll row, in the same savepoint)."""
    _share_lock(poll)
    options = db.session.execute(select(PollOption.id, PollOption.label_ko, PollOption.label_en)
                                 .where(PollOption.poll_id == poll.id).order_by(PollOption.position)).all()
    if seen is not None and seen != options_digest(options):
        raise PollChanged()
    ranking = _checked_ranking(ranking, {option.id for option in options})
    if poll.secret:
        _cast_secret(poll, participant, ranking)
    else:
        _cast_open(poll, participant, ranking)


def _cast_secret(poll: Poll, participant: Participant, ranking: list[int]) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(PollRollEntry(poll_id=poll.id, participant_id=participant.id, voted_at=roll_time()))
            db.session.flush()  # the roll row first: if it is refused, no ballot is ever written
            ballot = PollBallot(poll_id=poll.id, participant_id=None, updated_at=None)
            db.session.add(ballot)
            db.session.flush()
            _write_ranks(ballot.id, ranking)
    except IntegrityError as error:
        if db.session.get(PollRollEntry, (poll.id, participant.id)) is not None:
            raise SecretBallotAlreadyCast() from error
        raise
    # Nothing in the session should remember which ballot went with which roll entry.
    db.session.expunge(ballot)


def _locked_open_ballot(poll: Poll, participant: Participant) -> PollBallot | None:
    return db.session.scalar(select(PollBallot).where(PollBallot.poll_id == poll.id,
                                                      PollBallot.participant_id == participant.id)
                             .with_for_update().execution_options(populate_existing=True))


def _cast_open(poll: Poll, participant: Participant, ranking: list[int]) -> None:
    ballot = _locked_open_ballot(poll, participant)
    if ballot is None:
        try:
            with db.session.begin_nested():
                ballot = PollBallot(poll_id=poll.id, participant_id=participant.id, updated_at=utcnow())
                db.session.add(ballot)
                db.session.flush()
                _write_ranks(ballot.id, ranking)
            return
        except IntegrityError:
            # The same person's simultaneous request inserted the ballot first (and has committed, since
            # PostgreSQL waits for it before refusing ours): replace its ranks, under its row lock.
            ballot = _locked_open_ballot(poll, participant)
            if ballot is None:  # pragma: no cover - the constraint that failed guarantees the row
                raise
    db.session.execute(delete(PollRank).where(PollRank.ballot_id == ballot.id))
    _write_ranks(ballot.id, ranking)
    ballot.updated_at = utcnow()
    db.session.flush()
    db.session.expire(ballot, ["ranks"])


def open_ballot_of(poll: Poll, participant: Participant | None) -> PollBallot | None:
    """The participant's ballot in an open poll (a secret ballot cannot be found from its voter)."""
    if participant is None or poll.secret:
        return None
    return db.session.scalar(select(PollBallot).where(PollBallot.poll_id == poll.id,
                                                      PollBallot.participant_id == participant.id))


def ranks_of(ballot: PollBallot | None) -> dict[int, int]:
    """{option id: rank} of a ballot."""
    if ballot is None:
        return {}
    return dict(db.session.execute(select(PollRank.option_id, PollRank.rank)
                                   .where(PollRank.ballot_id == ballot.id)).all())


# When voting runs, and results ---------------------------------------------------------------------------------

def voting_phases(process: Process) -> list[Phase]:
    return [phase for phase in process.phases if phase.enables(PhaseAction.POLL_VOTE)]


def voting_closes_at(process: Process, now: datetime) -> datetime | None:
    """The end of the round in which polls are open now, if they are."""
    return next((p.ends_at for p in voting_phases(process) if p.contains(now)), None)


def voting_over(process: Process, now: datetime) -> bool:
    """Polls were open in some round, and no round to come (or on now) opens them again."""
    phases = voting_phases(process)
    return bool(phases) and all(phase.ends_at <= now for phase in phases)


def results_decision(user, poll: Poll, now: datetime | None = None) -> Decision:
    """Results are public once voting has closed in the poll's process; those who manage voting see an open
    poll's results (as provisional) at any time. A secret poll's results are shown to nobody, facilitators
    included, until voting has closed: the figures moving as the public ballot count goes up would tell how
    someone seen voting had voted. Before that, everyone sees how many ballots have been cast, nothing more."""
    now = now or utcnow()
    if voting_over(poll.process, now):
        return ALLOWED
    if not poll.secret and permissions.can_manage_voting(user, poll.process.city):
        return ALLOWED
    phases = voting_phases(poll.process)
    if not phases:
        return Decision(False, str(_l("Voting on this poll has not been scheduled yet. The results are published "
                                      "when it closes.")))
    if poll.secret:
        return Decision(False, str(_l("This poll is a secret ballot: nobody, not even the facilitators, sees its "
                                      "results until voting on it closes.")), max(phase.ends_at for phase in phases))
    return Decision(False, str(_l("The results are published when voting on this poll closes.")),
                    max(phase.ends_at for phase in phases))


def stored_ballots(poll: Poll) -> list[list[int]]:
    """Every ballot of the poll as option indices (by position), best first, in no telling order."""
    index = {option.id: i for i, option in enumerate(poll.options)}
    rows = db.session.execute(
        select(PollBallot.id, PollRank.option_id)
        .outerjoin(PollRank, PollRank.ballot_id == PollBallot.id)
        .where(PollBallot.poll_id == poll.id)
        .order_by(PollBallot.id, PollRank.rank)
    ).all()
    ballots: dict[str, list[int]] = {}
    for ballot_id, option_id in rows:
        ranking = ballots.setdefault(ballot_id, [])
        if option_id is not None:
            ranking.append(index[option_id])
    return list(ballots.values())


@dataclass(frozen=True)
class PollResults:
    options: list[PollOption]
    result: RankedResult
    ballots: int
    final: bool  # voting has closed; otherwise the figures are provisional


def poll_results(poll: Poll, now: datetime | None = None) -> PollResults:
    now = now or utcnow()
    ballots = stored_ballots(poll)
    options = list(poll.options)
    return PollResults(options=options, result=tally(str(poll.method), len(options), ballots),
                       ballots=len(ballots), final=voting_over(poll.process, now))
