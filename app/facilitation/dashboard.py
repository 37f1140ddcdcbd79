"""The figures of a process's dashboard: activity per day, who took part (by district and age band, against the
census), what waits for moderators and planners, and who follows the process. A fixed number of queries
whatever the size of the process: counts are grouped in the database, never loaded row by row."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, distinct, func, literal, or_, select, union, union_all

from app.extensions import db
from app.methods.inclusion import AgeBand, Comparison, compare, count_by_band
from app.models import (
    BudgetBallot,
    BudgetRollEntry,
    CensusAgeBand,
    City,
    Comment,
    Debate,
    District,
    Flag,
    Follow,
    FollowedType,
    Membership,
    ModeratedType,
    Participant,
    Poll,
    PollBallot,
    PollRollEntry,
    Process,
    Proposal,
    StatementVote,
    Support,
    utcnow,
)
from app.voting.services import age_in_year

SERIES = ("proposals", "comments", "supports", "budget_ballots", "poll_ballots")


# What belongs to the process ----------------------------------------------------------------------------

def _proposal_ids(process: Process):
    return select(Proposal.id).where(Proposal.process_id == process.id)


def _debate_ids(process: Process):
    return select(Debate.id).where(Debate.process_id == process.id)


def _poll_ids(process: Process):
    return select(Poll.id).where(Poll.process_id == process.id)


def _comment_in(process: Process):
    return or_(Comment.proposal_id.in_(_proposal_ids(process)), Comment.debate_id.in_(_debate_ids(process)))


def _participant_ids(process: Process, *more):
    """Everyone who supported, or cast a budget or poll ballot, in the process (open ballots and secret rolls),
    and those of `more` (further selects of participant ids)."""
    return union(
        select(Support.participant_id).where(Support.proposal_id.in_(_proposal_ids(process))),
        select(BudgetBallot.participant_id).where(BudgetBallot.process_id == process.id,
                                                  BudgetBallot.participant_id.is_not(None)),
        select(BudgetRollEntry.participant_id).where(BudgetRollEntry.process_id == process.id),
        select(PollBallot.participant_id).where(PollBallot.poll_id.in_(_poll_ids(process)),
                                                PollBallot.participant_id.is_not(None)),
        select(PollRollEntry.participant_id).where(PollRollEntry.poll_id.in_(_poll_ids(process))),
        *more,
    )


# Activity per day ---------------------------------------------------------------------------------------

def _day_bucket(column, time_zone: str):
    """A GROUP BY expression for the day of `column`, and how to turn its value into a local date. PostgreSQL
    converts to the city's zone itself; SQLite has no zones, so it groups by UTC hour and Python converts
    each hour (exact for zones whose offset is whole hours, as Korea's)."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone(time_zone, column), Date), lambda value: value
    zone = ZoneInfo(time_zone)

    def to_local_day(value: str) -> date:
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=timezone.utc).astimezone(zone).date()

    return func.strftime("%Y-%m-%d %H", column), to_local_day


def _count_per_day(column, time_zone: str, *where, join=None) -> Counter:
    bucket, to_day = _day_bucket(column, time_zone)
    query = select(bucket, func.count()).select_from(column.table)
    if join is not None:
        query = query.join(*join)
    rows = db.session.execute(query.where(column.is_not(None), *where).group_by(bucket))
    days: Counter = Counter()
    for value, count in rows:
        days[to_day(value)] += count
    return days


def activity_per_day(process: Process) -> dict[str, Counter]:
    """{series: Counter(local date → count)}. A secret ballot has no time: its roll keeps the day (in UTC),
    counted as that day. An open ballot counts on the day it was last changed."""
    tz = process.city.time_zone
    return {
        "proposals": _count_per_day(Proposal.created_at, tz, Proposal.process_id == process.id),
        "comments": _count_per_day(Comment.created_at, tz, _comment_in(process)),
        "supports": _count_per_day(Support.created_at, tz, Support.proposal_id.in_(_proposal_ids(process))),
        "budget_ballots": (
            _count_per_day(BudgetBallot.updated_at, tz, BudgetBallot.process_id == process.id)
            + _count_per_day(BudgetRollEntry.voted_at, "UTC", BudgetRollEntry.process_id == process.id)),
        "poll_ballots": (
            _count_per_day(PollBallot.updated_at, tz, PollBallot.poll_id.in_(_poll_ids(process)))
            + _count_per_day(PollRollEntry.voted_at, "UTC", PollRollEntry.poll_id.in_(_poll_ids(process)))),
    }


def span_days(process: Process, activity: dict[str, Counter], now: datetime) -> list[date]:
    """Every day from the first round's start (or the first activity) to today, or the last round's end if
    that came first (or the last activity, if later)."""
    zone = ZoneInfo(process.city.time_zone)
    seen = [day for counter in activity.values() for day in counter]
    starts = [p.starts_at.astimezone(zone).date() for p in process.phases[:1]] + seen
    today = now.astimezone(zone).date()
    ends = [min(today, (process.phases[-1].ends_at - timedelta(microseconds=1)).astimezone(zone).date())
            if process.phases else today] + seen
    first, last = min(starts, default=today), max(ends, default=today)
    if last < first:
        last = first
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class DayTable:
    days: list[date]
    counts: dict[str, list[int]]

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(values) for name, values in self.counts.items()}

    def rows(self):
        for index, day in enumerate(self.days):
            yield day, [self.counts[name][index] for name in SERIES]


def day_table(process: Process, now: datetime | None = None) -> DayTable:
    activity = activity_per_day(process)
    days = span_days(process, activity, now or utcnow())
    return DayTable(days, {name: [activity[name].get(day, 0) for day in days] for name in SERIES})


# The chart ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    top: int
    lines: dict[str, str]  # series → SVG polyline points
    y_ticks: list[tuple[int, float]]  # value, y
    x_labels: list[tuple[date, float]]  # day, x


def line_chart(table: DayTable, width: int = 640, height: int = 260) -> Chart:
    left, right, top, bottom = 44, 28, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [v for values in table.counts.values() for v in values])
    step = _nice_step(peak)
    ceiling = step * -(-peak // step)
    n = len(table.days)

    def x(index: int) -> float:
        return round(left + (plot_w * index / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(value: int) -> float:
        return round(top + plot_h - plot_h * value / ceiling, 1)

    lines = {name: " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values)) for name, values in table.counts.items()}
    ticks = [(v, y(v)) for v in range(0, ceiling + 1, step)]
    every = max(1, -(-n // 6))
    labels = [(day, x(i)) for i, day in enumerate(table.days) if i % every == 0]
    return Chart(width, height, left, height - bottom, top, lines, ticks, labels)


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak // 5))


# Who took part ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inclusion:
    participants: int
    districts: Comparison  # keys: district ids
    ages: Comparison  # keys: band index
    district_names: dict[int, District]
    bands: list[CensusAgeBand]
    census_set: bool
    without_membership: int = 0  # imported voters and people who deleted their account (in `participants`)


def _member_ids(process: Process, participants, *more):
    """Members who took part: voters with a membership, comment authors (as members of the city), and those
    of `more` (further selects of membership ids)."""
    return union(
        select(Participant.membership_id).where(Participant.id.in_(participants),
                                                Participant.membership_id.is_not(None)),
        select(Membership.id).join(Comment, Comment.author_id == Membership.user_id)
        .where(Membership.city_id == process.city_id, _comment_in(process)),
        *more,
    )


def inclusion(process: Process, now: datetime | None = None, *, more_voters=(), more_members=()) -> Inclusion:
    """Who took part, by district and age band. `more_voters` (selects of participant ids) and `more_members`
    (selects of membership ids) count further ways of taking part: the shared vision's figures add statement
    votes and proposals to the dashboard's supports, ballots and comments."""
    city: City = process.city
    now = now or utcnow()
    participants = _participant_ids(process, *more_voters)
    groups = db.session.execute(
        select(Membership.district_id, Membership.birth_year, func.count())
        .where(Membership.id.in_(_member_ids(process, participants, *more_members)))
        .group_by(Membership.district_id, Membership.birth_year)).all()
    # Imported voters and people who deleted their account took part, with no district or age.
    strangers = db.session.scalar(select(func.count()).select_from(Participant).where(
        Participant.id.in_(participants), Participant.membership_id.is_(None))) or 0
    districts = list(city.districts)
    bands = list(city.age_bands)
    by_district: Counter = Counter()
    ages: list[tuple[int | None, int]] = []
    for district_id, birth_year, count in groups:
        by_district[district_id] += count
        ages.append((age_in_year(birth_year, now, city.time_zone) if birth_year is not None else None, count))
    no_district = by_district.pop(None, 0)
    band_counts, no_band = count_by_band(ages, [AgeBand(b.min_age, b.max_age) for b in bands])
    members = sum(count for _, _, count in groups)
    return Inclusion(
        participants=members + strangers,
        districts=compare(by_district, {d.id: d.population_share for d in districts}, no_district + strangers),
        ages=compare(band_counts, {i: b.share for i, b in enumerate(bands)}, no_band + strangers),
        district_names={d.id: d for d in districts},
        bands=bands,
        census_set=bool(bands) and any(d.population_share for d in districts),
        without_membership=strangers,
    )


ACTIVITIES = ("proposed", "commented", "supported", "budget", "poll", "statements")


def activity_counts(process: Process) -> dict[str, int]:
    """Members who took part in each way of `ACTIVITIES` (a person counts once per way; imported voters are
    not members): one query."""
    def voters(label, column, *where):
        return (select(literal(label).label("activity"), column.label("person")).select_from(column.table)
                .join(Participant, Participant.id == column).where(Participant.membership_id.is_not(None), *where))

    def authors(label, column, *where):
        return (select(literal(label).label("activity"), Membership.id.label("person")).select_from(column.table)
                .join(Membership, and_(Membership.user_id == column, Membership.city_id == process.city_id))
                .where(*where))

    rows = union_all(
        authors("proposed", Proposal.author_id, Proposal.process_id == process.id),
        authors("commented", Comment.author_id, _comment_in(process)),
        voters("supported", Support.participant_id, Support.proposal_id.in_(_proposal_ids(process))),
        voters("budget", BudgetBallot.participant_id, BudgetBallot.process_id == process.id),
        voters("budget", BudgetRollEntry.participant_id, BudgetRollEntry.process_id == process.id),
        voters("poll", PollBallot.participant_id, PollBallot.poll_id.in_(_poll_ids(process))),
        voters("poll", PollRollEntry.participant_id, PollRollEntry.poll_id.in_(_poll_ids(process))),
        voters("statements", StatementVote.participant_id, StatementVote.process_id == process.id),
    ).subquery()
    counted = dict(db.session.execute(
        select(rows.c.activity, func.count(distinct(rows.c.person))).group_by(rows.c.activity)).all())
    return {key: int(counted.get(key, 0)) for key in ACTIVITIES}


# What waits ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    flagged_items: int
    open_flags: int
    answers_due: int


def waiting(process: Process) -> Waiting:
    in_process = or_(
        and_(Flag.target_type == ModeratedType.PROPOSAL.value, Flag.target_id.in_(_proposal_ids(process))),
        and_(Flag.target_type == ModeratedType.DEBATE.value, Flag.target_id.in_(_debate_ids(process))),
        and_(Flag.target_type == ModeratedType.COMMENT.value,
             Flag.target_id.in_(select(Comment.id).where(_comment_in(process)))),
    )
    per_item = (select(func.count().label("flags")).where(Flag.city_id == process.city_id,
                                                           Flag.resolved_at.is_(None), in_process)
                .group_by(Flag.target_type, Flag.target_id).subquery())
    items, flags = db.session.execute(select(func.count(), func.coalesce(func.sum(per_item.c.flags), 0))).one()
    answers = db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.process_id == process.id, Proposal.answer_due_since.is_not(None), Proposal.answered_at.is_(None)))
    return Waiting(items, int(flags), answers or 0)


def debates_and_polls(process: Process) -> tuple[list[Debate], list[Poll]]:
    debates = db.session.scalars(select(Debate).where(Debate.process_id == process.id).order_by(Debate.created_at))
    polls = db.session.scalars(select(Poll).where(Poll.process_id == process.id).order_by(Poll.created_at))
    return list(debates), list(polls)


# Followers ----------------------------------------------------------------------------------------------

def process_followers(process: Process) -> list[tuple[object, list[int]]]:
    """(followed item, people) pairs in which each follower of a proposal or debate of the process appears
    once, with the first thing they follow there (proposals before debates, oldest first)."""
    rows = db.session.execute(
        select(Follow.user_id, Follow.target_type, Follow.target_id)
        .where(or_(and_(Follow.target_type == FollowedType.PROPOSAL.value,
                        Follow.target_id.in_(_proposal_ids(process))),
                   and_(Follow.target_type == FollowedType.DEBATE.value,
                        Follow.target_id.in_(_debate_ids(process)))))
        .order_by(Follow.user_id, Follow.target_type.desc(), Follow.target_id)).all()
    first: dict[int, tuple[str, int]] = {}
    for user_id, kind, ident in rows:
        first.setdefault(user_id, (kind, ident))
    people: dict[tuple[str, int], list[int]] = {}
    for user_id, key in first.items():
        people.setdefault(key, []).append(user_id)
    wanted = {kind: [ident for k, ident in people if k == kind] for kind in (FollowedType.PROPOSAL, FollowedType.DEBATE)}
    targets = {}
    for kind, model in ((FollowedType.PROPOSAL, Proposal), (FollowedType.DEBATE, Debate)):
        if wanted[kind]:
            for row in db.session.scalars(select(model).where(model.id.in_(wanted[kind]))):
                targets[(kind.value, row.id)] = row
    return [(targets[key], users) for key, users in sorted(people.items()) if key in targets]


# CSV ----------------------------------------------------------------------------------------------------

def _cell(value) -> str:
    """Text a spreadsheet would read as a formula is quoted with an apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def participation_csv(table: DayTable, incl: Inclusion, headers: dict[str, str], group_rows) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Korean correctly): the per-day counts, a blank line,
    then the inclusion table. `group_rows` are the inclusion rows as lists of cells, already worded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(headers[key]) for key in ("date", *SERIES)])
    for day, counts in table.rows():
        writer.writerow([day.isoformat(), *counts])
    writer.writerow([])
    writer.writerow([_cell(headers[key]) for key in ("dimension", "group", "participants", "participant_share",
                                                     "census_share", "gap", "under_represented")])
    for row in group_rows:
        writer.writerow([_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
