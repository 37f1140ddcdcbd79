"""Results: what a city delivers, from accepted proposals, budget winners, or created by planners; their links
to proposals, plan items, indicators and SDG targets; their parts (children); dated progress updates; and
the figures of the public progress page. Services flush and write the audit event; the route commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

from app.audit import diff, record
from app.extensions import db
from app.methods.progress import GoalFigures, ResultNode, derived_progress, goal_figures, would_cycle
from app.models import (
    AuditTarget,
    BudgetOutcome,
    City,
    Indicator,
    Plan,
    PlanItem,
    Process,
    Proposal,
    ProposalState,
    Result,
    ResultStatus,
    ResultUpdate,
    SdgTarget,
    User,
    plan_item_targets,
    proposal_targets,
    utcnow,
)
from app.models.accountability import result_plan_items, result_proposals, result_targets
from app.timezones import local_to_utc

ANSWERED_FOR_RESULTS = (ProposalState.ACCEPTED, ProposalState.IMPLEMENTED)


class ParentCycle(Exception):
    """The chosen parent is the result itself or one of its parts."""


class DerivedProgress(Exception):
    """A parent's progress comes from its parts; it cannot be set."""


class NotAcceptedYet(Exception):
    pass


class NotCertified(Exception):
    pass


class ForeignLink(Exception):
    """A link to something of another city (the form's choices stop this on the web)."""


@dataclass(frozen=True)
class ResultData:
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    starts_on: date | None
    ends_on: date | None
    parent_id: int | None
    proposal_ids: frozenset[int] = frozenset()
    plan_item_ids: frozenset[int] = frozenset()
    indicator_ids: frozenset[int] = frozenset()
    target_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UpdateData:
    on: date
    status: str
    progress: Decimal | None
    text_ko: str
    text_en: str


# What planners may link a result to: the city's own rows --------------------------------------------------

def city_proposals(city: City) -> list[Proposal]:
    return list(db.session.scalars(
        select(Proposal).join(Process).where(Process.city_id == city.id).order_by(Proposal.id.desc())))


def city_plan_items(city: City) -> list[PlanItem]:
    return list(db.session.scalars(
        select(PlanItem).join(Plan).where(Plan.city_id == city.id)
        .options(selectinload(PlanItem.plan)).order_by(Plan.id, PlanItem.position)))


def city_indicators(city: City) -> list[Indicator]:
    return list(db.session.scalars(
        select(Indicator).join(PlanItem).join(Plan).where(Plan.city_id == city.id)
        .options(selectinload(Indicator.plan_item)).order_by(PlanItem.position, Indicator.position)))


def city_results(city: City) -> list[Result]:
    return list(db.session.scalars(select(Result).where(Result.city_id == city.id).order_by(Result.id)))


def _rows_in_city(model, ids, city: City, join_path) -> list:
    if not ids:
        return []
    query = select(model).where(model.id.in_(ids))
    for step in join_path:
        query = query.join(step)
    rows = list(db.session.scalars(query.where(join_path[-1].city_id == city.id)))
    if len(rows) != len(set(ids)):
        raise ForeignLink()
    return rows


def _snapshot(result: Result) -> dict:
    return {
        "title_ko": result.title_ko, "title_en": result.title_en,
        "description_ko": result.description_ko, "description_en": result.description_en,
        "starts_on": result.starts_on, "ends_on": result.ends_on, "parent_id": result.parent_id,
        "proposals": sorted(p.id for p in result.proposals), "plan_items": sorted(i.id for i in result.plan_items),
        "indicators": sorted(i.id for i in result.indicators),
        "sdg_targets": sorted(t.code for t in result.sdg_targets),
    }


def _parents(city: City) -> dict[int, int | None]:
    return dict(db.session.execute(select(Result.id, Result.parent_id).where(Result.city_id == city.id)).all())


def _apply(result: Result, city: City, data: ResultData) -> None:
    if data.parent_id is not None:
        parents = _parents(city)
        if data.parent_id not in parents:
            raise ForeignLink()
        if result.id is not None and would_cycle(parents, result.id, data.parent_id):
            raise ParentCycle()
    result.title_ko, result.title_en = data.title_ko.strip(), data.title_en.strip()
    result.description_ko, result.description_en = data.description_ko.strip(), data.description_en.strip()
    result.starts_on, result.ends_on = data.starts_on, data.ends_on
    result.parent_id = data.parent_id
    result.proposals = _rows_in_city(Proposal, data.proposal_ids, city, [Process])
    result.plan_items = _rows_in_city(PlanItem, data.plan_item_ids, city, [Plan])
    result.indicators = _rows_in_city(Indicator, data.indicator_ids, city, [PlanItem, Plan])
    codes = sorted(data.target_codes)
    targets = list(db.session.scalars(select(SdgTarget).where(SdgTarget.code.in_(codes)))) if codes else []
    if len(targets) != len(codes):
        raise ForeignLink()
    result.sdg_targets = targets


def create_result(actor: User, city: City, data: ResultData, process: Process | None = None) -> Result:
    result = Result(city_id=city.id, process_id=process.id if process else None, created_by_id=actor.id,
                    status=ResultStatus.PLANNED, progress=Decimal(0))
    _apply(result, city, data)
    db.session.add(result)
    db.session.flush()
    record(actor, "result.create", AuditTarget.RESULT, result.id, city_id=city.id,
           changes=diff({}, _snapshot(result)))
    return result


def edit_result(actor: User, result: Result, data: ResultData) -> None:
    before = _snapshot(result)
    _apply(result, db.session.get(City, result.city_id), data)
    db.session.flush()
    changes = diff(before, _snapshot(result))
    if changes:
        record(actor, "result.edit", AuditTarget.RESULT, result.id, city_id=result.city_id, changes=changes)


# From citizens' input -----------------------------------------------------------------------------------

def _title_of(proposal: Proposal) -> dict:
    title = proposal.title[:200]
    return {"title_ko": title, "title_en": ""} if proposal.language == "ko" else {"title_ko": "", "title_en": title}


def _results_for_proposals(proposal_ids) -> dict[int, int]:
    """For each proposal id that some result links, the oldest such result's id."""
    rows = db.session.execute(
        select(result_proposals.c.proposal_id, result_proposals.c.result_id)
        .where(result_proposals.c.proposal_id.in_(list(proposal_ids))).order_by(result_proposals.c.result_id))
    found: dict[int, int] = {}
    for proposal_id, result_id in rows:
        found.setdefault(proposal_id, result_id)
    return found


def _from_proposal(actor: User, proposal: Proposal, process: Process) -> Result:
    data = ResultData(**_title_of(proposal), description_ko="", description_en="", starts_on=None, ends_on=None,
                      parent_id=None, proposal_ids=frozenset({proposal.id}),
                      plan_item_ids=frozenset(item.id for item in proposal.plan_items))
    return create_result(actor, process.city, data, process=process)


def result_from_proposal(actor: User, proposal: Proposal) -> tuple[Result, bool]:
    """The result that delivers an accepted (or implemented) proposal, created once: (result, created). The
    proposal's row is locked on PostgreSQL, so two clicks at once make one result."""
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    if proposal.state not in ANSWERED_FOR_RESULTS:
        raise NotAcceptedYet()
    existing = _results_for_proposals([proposal.id]).get(proposal.id)
    if existing is not None:
        return db.session.get(Result, existing), False
    return _from_proposal(actor, proposal, proposal.process), True


def results_from_budget(actor: User, process: Process) -> tuple[list[Result], int]:
    """One result per winning project of the certified budget, linked to its proposal and the process. A
    project that already has a result is skipped: (new results, projects skipped). The outcome row is locked on
    PostgreSQL, so two clicks at once do not make the results twice."""
    outcome = db.session.scalar(
        select(BudgetOutcome).where(BudgetOutcome.process_id == process.id).with_for_update())
    if outcome is None:
        raise NotCertified()
    winner_ids = [int(pid) for pid in outcome.winner_ids]
    have = _results_for_proposals(winner_ids)
    by_id = {p.id: p for p in db.session.scalars(
        select(Proposal).where(Proposal.id.in_(winner_ids), Proposal.process_id == process.id)
        .options(selectinload(Proposal.plan_items)))}
    created = [_from_proposal(actor, by_id[pid], process) for pid in winner_ids if pid in by_id and pid not in have]
    return created, len(winner_ids) - len(created)


# Progress -------------------------------------------------------------------------------------------------

def has_children(result: Result) -> bool:
    return db.session.scalar(select(Result.id).where(Result.parent_id == result.id).limit(1)) is not None


def city_today(zone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(zone)).date()


def update_moment(on: date, zone: str, now: datetime | None = None) -> datetime:
    """An update dated today is stamped now; one dated earlier, at noon that day in the city (so the timeline
    keeps the order in which things happened)."""
    now = now or utcnow()
    if on >= city_today(zone, now):
        return now
    return local_to_utc(datetime.combine(on, time(12, 0)), zone)


def add_update(actor: User, result: Result, data: UpdateData, zone: str, now: datetime | None = None) -> ResultUpdate:
    """A dated step in the result's timeline. The latest update gives the result its status and (for a result
    without parts) its progress; an update dated before the latest only fills in the history."""
    if data.progress is not None and has_children(result):
        raise DerivedProgress()
    moment = update_moment(data.on, zone, now)
    update = ResultUpdate(result_id=result.id, at=moment, status=data.status, progress=data.progress,
                          text_ko=data.text_ko.strip(), text_en=data.text_en.strip(), author_id=actor.id)
    latest = db.session.scalar(select(ResultUpdate.at).where(ResultUpdate.result_id == result.id)
                               .order_by(ResultUpdate.at.desc()).limit(1))
    db.session.add(update)
    db.session.flush()
    before = {"status": result.status, "progress": result.progress}
    if latest is None or moment >= latest:
        result.status = data.status
        if data.progress is not None:
            result.progress = data.progress
    db.session.flush()
    record(actor, "result.progress", AuditTarget.RESULT, result.id, city_id=result.city_id,
           changes={"update": [None, update.id], "at": [None, moment],
                    **diff(before, {"status": result.status, "progress": result.progress})})
    db.session.expire(result, ["updates"])
    return update


def parent_ids(city: City) -> set[int]:
    """The results of the city that have parts."""
    return set(db.session.scalars(select(Result.parent_id).where(Result.city_id == city.id,
                                                                 Result.parent_id.is_not(None)).distinct()))


def progress_by_result(city: City) -> dict[int, Fraction | None]:
    """Every result's progress in the city, parents derived from their parts: one query."""
    rows = db.session.execute(select(Result.id, Result.parent_id, Result.status, Result.progress)
                              .where(Result.city_id == city.id)).all()
    return derived_progress({rid: ResultNode(progress=progress, cancelled=status == ResultStatus.CANCELLED,
                                             parent=parent) for rid, parent, status, progress in rows})


# Results and SDG goals ------------------------------------------------------------------------------------

def goal_links(city: City):
    """(result id, goal number) for every result of the city and every goal it serves through its own targets,
    its plan items' targets or its proposals' targets: one query."""
    own = (select(result_targets.c.result_id, SdgTarget.goal_number)
           .join(SdgTarget, SdgTarget.code == result_targets.c.sdg_target_code))
    by_item = (select(result_plan_items.c.result_id, SdgTarget.goal_number)
               .join(plan_item_targets, plan_item_targets.c.plan_item_id == result_plan_items.c.plan_item_id)
               .join(SdgTarget, SdgTarget.code == plan_item_targets.c.sdg_target_code))
    by_proposal = (select(result_proposals.c.result_id, SdgTarget.goal_number)
                   .join(proposal_targets, proposal_targets.c.proposal_id == result_proposals.c.proposal_id)
                   .join(SdgTarget, SdgTarget.code == proposal_targets.c.sdg_target_code))
    links = union(own, by_item, by_proposal).subquery()
    return select(links.c.result_id, links.c.goal_number).join(Result, Result.id == links.c.result_id).where(
        Result.city_id == city.id)


def goals_by_result(city: City) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for result_id, goal in db.session.execute(goal_links(city)):
        found.setdefault(result_id, set()).add(goal)
    return found


def result_ids_for_goal(city: City, goal: int):
    links = goal_links(city).subquery()
    return select(links.c.result_id).where(links.c.goal_number == goal)


@dataclass(frozen=True)
class CityProgress:
    figures: dict[int, GoalFigures]
    progress: dict[int, Fraction | None]
    total: int
    average: Fraction | None  # over every result neither cancelled nor without progress to report


def city_progress(city: City) -> CityProgress:
    """The progress page's figures, in three queries whatever the number of results."""
    rows = db.session.execute(select(Result.id, Result.parent_id, Result.status, Result.progress)
                              .where(Result.city_id == city.id)).all()
    progress = derived_progress({rid: ResultNode(progress=value, cancelled=status == ResultStatus.CANCELLED,
                                                 parent=parent) for rid, parent, status, value in rows})
    links = db.session.execute(goal_links(city)).all()
    figures = goal_figures(((rid, goal) for rid, goal in links), progress,
                           cancelled=[r.id for r in rows if r.status == ResultStatus.CANCELLED],
                           completed=[r.id for r in rows if r.status == ResultStatus.COMPLETED])
    measured = [progress[r.id] for r in rows if r.status != ResultStatus.CANCELLED and progress[r.id] is not None]
    return CityProgress(figures=figures, progress=progress, total=len(rows),
                        average=sum(measured, Fraction(0)) / len(measured) if measured else None)
