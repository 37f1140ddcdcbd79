"""Replication and questions between cities.

Replicating a published practice of another city makes a draft process in the replicating city: its rounds
(copied from the practice's source process with the same lengths, or four default rounds), the facilitators'
seed statements and the debate questions of the source process, and a description that cites the practice, its
city and its SDG targets. Nothing private crosses: no citizens' statements, votes, comments or proposals. The
process is a draft in the only sense a process has: its rounds start in the future, and its facilitators adjust
them before the first one opens.

Questions: any member of a city asks about a practice; its contact (or, without one, its city's planners and
administrators) hears of it and answers; the person who asked hears of the answer."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import diff, record
from app.deliberation.services import DebateData, create_debate
from app.extensions import db
from app.facilitation.services import PhaseData, ProcessData, add_phase, create_process
from app.models import (
    AuditTarget,
    City,
    Debate,
    Membership,
    NotificationKind,
    PhaseAction,
    Plan,
    PlanItem,
    Practice,
    PracticeQuestion,
    Process,
    Replication,
    Result,
    Role,
    RoleGrant,
    Statement,
    StatementState,
    User,
    utcnow,
)
from app.models.plans import plan_item_targets
from app.notifications.services import notify
from app.planning.results import city_today, progress_by_result
from app.timezones import local_to_utc
from app.vision.statements import seed_statement

QUESTION_MIN_LENGTH = 10
QUESTION_MAX_LENGTH = 2000

# The default rounds (as in the demo): collect ideas → deliberate → vote → shared vision, in days.
DEFAULT_ROUNDS = (
    ("아이디어 모으기", "Collect ideas", 30, (PhaseAction.PROPOSE, PhaseAction.COMMENT, PhaseAction.SUPPORT)),
    ("숙의", "Deliberate", 14, (PhaseAction.COMMENT, PhaseAction.STATEMENT_VOTE)),
    ("투표", "Vote", 14, (PhaseAction.SUPPORT, PhaseAction.BUDGET_VOTE, PhaseAction.POLL_VOTE)),
    ("함께 그리는 비전", "Shared vision", 21, ()),
)


class ReplicationRefused(Exception):
    """The replication cannot be made as asked (the start is not in the future, a plan of another city)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReplicationData:
    title_ko: str
    title_en: str
    starts_on: date  # the first round starts at midnight of this day in the replicating city
    rounds: str  # "source" (the source process's rounds) or "default"
    plan_id: int | None = None
    copy_statements: bool = True
    copy_debates: bool = True


# What a practice offers ------------------------------------------------------------------------------------

def source_process(practice: Practice) -> Process | None:
    return db.session.get(Process, practice.source_process_id) if practice.source_process_id else None


def seed_statements_of(process: Process | None) -> list[Statement]:
    """The facilitators' published seed statements of a process: what a replication copies (never citizens')."""
    if process is None:
        return []
    return list(db.session.scalars(
        select(Statement).where(Statement.process_id == process.id, Statement.seeded.is_(True),
                                Statement.state == StatementState.PUBLISHED).order_by(Statement.id)))


def debates_of(process: Process | None) -> list[Debate]:
    """The debate questions of a process that are not hidden."""
    if process is None:
        return []
    return list(db.session.scalars(
        select(Debate).where(Debate.process_id == process.id, Debate.hidden_at.is_(None)).order_by(Debate.id)))


def matching_plans(practice: Practice, city: City) -> list[Plan]:
    """The city's plans with an item on one of the practice's SDG targets."""
    codes = [t.code for t in practice.sdg_targets]
    if not codes:
        return []
    return list(db.session.scalars(
        select(Plan).where(Plan.city_id == city.id, Plan.id.in_(
            select(PlanItem.plan_id).join(plan_item_targets, plan_item_targets.c.plan_item_id == PlanItem.id)
            .where(plan_item_targets.c.sdg_target_code.in_(codes)))).order_by(Plan.id)))


def default_start(city: City, now: datetime | None = None) -> date:
    return city_today(city.time_zone, now) + timedelta(days=14)


def planned_rounds(practice: Practice, rounds: str, starts_at: datetime) -> list[PhaseData]:
    """The rounds of the new process: the source process's (same lengths and gaps, shifted to start at
    `starts_at`) or the four default rounds back to back."""
    source = source_process(practice)
    if rounds == "source" and source is not None and source.phases:
        first = source.phases[0].starts_at
        return [PhaseData(name_ko=p.name_ko, name_en=p.name_en, description_ko=p.description_ko,
                          description_en=p.description_en, starts_at=starts_at + (p.starts_at - first),
                          ends_at=starts_at + (p.ends_at - first), actions=frozenset(p.actions))
                for p in source.phases]
    planned, start = [], starts_at
    for name_ko, name_en, days, actions in DEFAULT_ROUNDS:
        end = start + timedelta(days=days)
        planned.append(PhaseData(name_ko=name_ko, name_en=name_en, description_ko="", description_en="",
                                 starts_at=start, ends_at=end, actions=frozenset(actions)))
        start = end
    return planned


# The description ----------------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!])")


def _escaped(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def practice_path(practice: Practice) -> str:
    """The practice page's path, also outside a request (the seed, a command): the url map builds it."""
    if has_request_context():
        return url_for("practices.show", practice_id=practice.id)
    return current_app.url_map.bind("").build("practices.show", {"practice_id": practice.id})


def _description(practice: Practice, locale: str) -> str:
    city = db.session.get(City, practice.city_id)
    title = (practice.title_ko or practice.title_en) if locale == "ko" else (practice.title_en or practice.title_ko)
    with force_locale(locale):
        lines = [_("This process replicates the practice [%(title)s](%(link)s) of %(city)s.",
                   title=_escaped(title), link=practice_path(practice), city=_escaped(city.name(locale)))]
        if practice.sdg_targets:
            lines += ["", _("The practice works on these SDG targets:"), ""]
            lines += [f"- **{t.code}** {_escaped(t.title_en)}" for t in practice.sdg_targets]
    return "\n".join(lines)


# Replicating --------------------------------------------------------------------------------------------------

def replicate(actor: User, practice: Practice, city: City, data: ReplicationData,
              now: datetime | None = None) -> Replication:
    """Turn the practice into a draft process of `city` (the caller checked can_replicate_practice)."""
    now = now or utcnow()
    starts_at = local_to_utc(datetime.combine(data.starts_on, time(0, 0)), city.time_zone)
    if starts_at <= now:
        raise ReplicationRefused("starts_on", _("Choose a start in the future: the process is a draft until "
                                                "its first round opens."))
    if data.plan_id is not None and data.plan_id not in {p.id for p in matching_plans(practice, city)}:
        raise ReplicationRefused("plan", _("Choose one of your city's plans that works on the practice's "
                                           "targets."))
    process = create_process(actor, city, ProcessData(
        title_ko=data.title_ko, title_en=data.title_en, description_ko=_description(practice, "ko"),
        description_en=_description(practice, "en"), plan_id=data.plan_id, eligibility_note_ko="",
        eligibility_note_en=""))
    for phase in planned_rounds(practice, data.rounds, starts_at):
        add_phase(actor, process, phase)
    source = source_process(practice)
    statements = seed_statements_of(source) if data.copy_statements else []
    for statement in statements:
        seed_statement(actor, process, statement.body)
    debates = debates_of(source) if data.copy_debates else []
    for debate in debates:
        create_debate(actor, process, DebateData(
            title_ko=debate.title_ko, title_en=debate.title_en, description_ko=debate.description_ko,
            description_en=debate.description_en, side_for_ko=debate.side_for_ko, side_for_en=debate.side_for_en,
            side_against_ko=debate.side_against_ko, side_against_en=debate.side_against_en, closes_at=None))
    replication = Replication(practice_id=practice.id, process_id=process.id, city_id=city.id,
                              created_by_id=actor.id)
    db.session.add(replication)
    db.session.flush()
    record(actor, "practice.replicate", AuditTarget.REPLICATION, replication.id, city_id=city.id,
           changes={"practice_id": [None, practice.id], "process_id": [None, process.id],
                    "source_city_id": [None, practice.city_id], "rounds": [None, data.rounds],
                    "statements": [None, len(statements)], "debates": [None, len(debates)]})
    notify({user_id: NotificationKind.PRACTICE_REPLICATED for user_id in contacts_of(practice)}, actor.id,
           practice, practice.city_id)
    return replication


def contacts_of(practice: Practice) -> list[int]:
    """Who hears about a practice: its contact, or without one its city's planners and administrators."""
    if practice.contact_user_id is not None:
        return [practice.contact_user_id]
    return sorted(set(db.session.scalars(
        select(Membership.user_id).join(RoleGrant, RoleGrant.membership_id == Membership.id)
        .where(Membership.city_id == practice.city_id, Membership.blocked_at.is_(None),
               RoleGrant.role.in_([Role.PLANNER.value, Role.ADMIN.value])))))


# What the source city sees ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplicationView:
    replication: Replication
    results: int  # results of the replicated process
    average: Fraction | None  # their average progress (0–100), cancelled and unmeasured ones left out


def replications_of(practice: Practice) -> list[ReplicationView]:
    rows = list(db.session.scalars(select(Replication).where(Replication.practice_id == practice.id)
                                   .order_by(Replication.created_at, Replication.id)))
    views, progress_cache = [], {}
    for row in rows:
        results = list(db.session.execute(select(Result.id, Result.status).where(Result.process_id == row.process_id)))
        if row.city_id not in progress_cache:
            progress_cache[row.city_id] = progress_by_result(row.city) if results else {}
        progress = progress_cache[row.city_id]
        measured = [progress.get(rid) for rid, status in results
                    if status != "cancelled" and progress.get(rid) is not None]
        views.append(ReplicationView(row, len(results),
                                     sum(measured, Fraction(0)) / len(measured) if measured else None))
    return views


def cities_to_replicate_in(user, practice: Practice) -> list[City]:
    """The cities where `user` may replicate the practice (none for someone not signed in)."""
    from app import permissions

    if not getattr(user, "is_authenticated", False):
        return []
    cities = db.session.scalars(select(City).join(Membership, Membership.city_id == City.id)
                                .where(Membership.user_id == user.id).order_by(City.id))
    return [city for city in cities if permissions.can_replicate_practice(user, practice, city)]


def replications_by_city(practice: Practice, city: City) -> list[Replication]:
    return list(db.session.scalars(select(Replication).where(Replication.practice_id == practice.id,
                                                             Replication.city_id == city.id)))


# Questions ----------------------------------------------------------------------------------------------------

def _asked_from(user: User, practice: Practice) -> int | None:
    """The city the question comes from: the asker's city other than the practice's, if they have one."""
    cities = list(db.session.scalars(select(Membership.city_id).where(Membership.user_id == user.id)
                                     .order_by(Membership.joined_at, Membership.id)))
    others = [c for c in cities if c != practice.city_id]
    return (others or cities or [None])[0]


def ask(actor: User, practice: Practice, body: str) -> PracticeQuestion:
    question = PracticeQuestion(practice_id=practice.id, author_id=actor.id, city_id=_asked_from(actor, practice),
                                body=body.strip(), created_at=utcnow())
    db.session.add(question)
    db.session.flush()
    record(actor, "practice.ask", AuditTarget.PRACTICE, practice.id, city_id=practice.city_id,
           changes={"question_id": [None, question.id], "body": [None, question.body]})
    notify({user_id: NotificationKind.PRACTICE_QUESTION for user_id in contacts_of(practice)}, actor.id,
           practice, practice.city_id)
    return question


def answer(actor: User, question: PracticeQuestion, text: str) -> None:
    """Answer a question, or change the answer (the asker hears only of the first answer)."""
    practice = db.session.get(Practice, question.practice_id)
    before = question.answer
    first = not before
    question.answer = text.strip()
    question.answered_by_id = actor.id
    question.answered_at = utcnow()
    db.session.flush()
    record(actor, "practice.answer", AuditTarget.PRACTICE, practice.id, city_id=practice.city_id,
           changes={"question_id": [question.id, question.id], **diff({"answer": before}, {"answer": question.answer})})
    if first and question.author_id is not None:
        notify({question.author_id: NotificationKind.PRACTICE_ANSWERED}, actor.id, practice,
               question.city_id or practice.city_id)


def questions_of(practice: Practice) -> list[PracticeQuestion]:
    return list(db.session.scalars(select(PracticeQuestion).where(PracticeQuestion.practice_id == practice.id)
                                   .order_by(PracticeQuestion.created_at, PracticeQuestion.id)))
