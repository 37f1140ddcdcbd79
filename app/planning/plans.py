"""Plans and what hangs off them: plan items linked to SDG targets and the city's local targets, indicators with
dated readings. Writes flush and audit, never commit (the route commits). Reads gather, in a fixed number of
queries, everything citizens said and chose about a plan item, and everything linked to an SDG goal."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.audit import diff, record
from app.extensions import db
from app.models import (
    AuditTarget,
    City,
    Debate,
    Indicator,
    IndicatorReading,
    LocalTarget,
    Plan,
    PlanItem,
    Process,
    Proposal,
    Result,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
)
from app.models.accountability import result_plan_items, result_targets
from app.models.plans import plan_item_local_targets, plan_item_targets
from app.models.proposals import proposal_plan_items, proposal_targets
from app.models.voting import BudgetOutcome


class DuplicateCode(Exception):
    """Another row already uses this code (a plan item in its plan, a local target in its city)."""


class DuplicateReading(Exception):
    """The indicator has a reading on this date already."""


class CodeDoesNotExtend(Exception):
    """A local target's code must extend its global target's code (the database checks it too)."""


def _flush_unique(error: type[Exception]) -> None:
    """Flush in a savepoint: a unique constraint (or a race) ends in `error`, never in a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as integrity:
        raise error() from integrity


# Plans ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanData:
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    start_year: int | None
    end_year: int | None


def _plan_fields(plan: Plan) -> dict:
    return {name: getattr(plan, name) for name in PlanData.__dataclass_fields__}


def create_plan(actor, city: City, data: PlanData) -> Plan:
    plan = Plan(city_id=city.id, **data.__dict__)
    db.session.add(plan)
    db.session.flush()
    record(actor, "plan.create", AuditTarget.PLAN, plan.id, city_id=city.id, changes=_plan_fields(plan))
    return plan


def update_plan(actor, plan: Plan, data: PlanData) -> dict:
    before = _plan_fields(plan)
    for name, value in data.__dict__.items():
        setattr(plan, name, value)
    db.session.flush()
    changes = diff(before, _plan_fields(plan))
    if changes:
        record(actor, "plan.update", AuditTarget.PLAN, plan.id, city_id=plan.city_id, changes=changes)
    return changes


# Plan items ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanItemData:
    code: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    position: int
    sdg_target_codes: frozenset[str] = frozenset()
    local_target_ids: frozenset[int] = frozenset()


def _item_fields(item: PlanItem) -> dict:
    return {
        "code": item.code, "title_ko": item.title_ko, "title_en": item.title_en,
        "description_ko": item.description_ko, "description_en": item.description_en, "position": item.position,
        "sdg_targets": sorted(t.code for t in item.sdg_targets),
        "local_targets": sorted(t.code for t in item.local_targets),
    }


def _apply_item(item: PlanItem, city_id: int, data: PlanItemData) -> None:
    with db.session.no_autoflush:  # the unique code is checked by _flush_unique, not by a lookup's autoflush
        _set_item(item, city_id, data)


def _set_item(item: PlanItem, city_id: int, data: PlanItemData) -> None:
    item.code = data.code
    item.title_ko, item.title_en = data.title_ko, data.title_en
    item.description_ko, item.description_en = data.description_ko, data.description_en
    item.position = data.position
    item.sdg_targets = list(db.session.scalars(
        select(SdgTarget).where(SdgTarget.code.in_(data.sdg_target_codes)))) if data.sdg_target_codes else []
    # Only this city's local targets can be linked, whatever ids the form carried.
    item.local_targets = list(db.session.scalars(select(LocalTarget).where(
        LocalTarget.id.in_(data.local_target_ids), LocalTarget.city_id == city_id))) if data.local_target_ids else []


def create_plan_item(actor, plan: Plan, data: PlanItemData) -> PlanItem:
    item = PlanItem(plan_id=plan.id, code=data.code, title_ko=data.title_ko, title_en=data.title_en)
    db.session.add(item)
    _apply_item(item, plan.city_id, data)
    _flush_unique(DuplicateCode)
    record(actor, "plan_item.create", AuditTarget.PLAN_ITEM, item.id, city_id=plan.city_id,
           changes={"plan_id": plan.id, **_item_fields(item)})
    return item


def update_plan_item(actor, item: PlanItem, data: PlanItemData) -> dict:
    before = _item_fields(item)
    _apply_item(item, item.plan.city_id, data)
    _flush_unique(DuplicateCode)
    changes = diff(before, _item_fields(item))
    if changes:
        record(actor, "plan_item.update", AuditTarget.PLAN_ITEM, item.id, city_id=item.plan.city_id,
               changes=changes)
    return changes


# Local targets -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LocalTargetData:
    sdg_target_code: str
    code: str
    title: str
    description: str


def code_extends(code: str, global_code: str) -> bool:
    """What the database's CHECK (code LIKE sdg_target_code || '.%') accepts, minus an empty own part."""
    return code.startswith(global_code + ".") and len(code) > len(global_code) + 1


def _local_fields(target: LocalTarget) -> dict:
    return {name: getattr(target, name) for name in LocalTargetData.__dataclass_fields__}


def _apply_local(target: LocalTarget, data: LocalTargetData) -> None:
    if not code_extends(data.code, data.sdg_target_code):
        raise CodeDoesNotExtend()
    for name, value in data.__dict__.items():
        setattr(target, name, value)


def create_local_target(actor, city: City, data: LocalTargetData) -> LocalTarget:
    target = LocalTarget(city_id=city.id)
    _apply_local(target, data)
    db.session.add(target)
    _flush_unique(DuplicateCode)
    record(actor, "local_target.create", AuditTarget.LOCAL_TARGET, target.id, city_id=city.id,
           changes=_local_fields(target))
    return target


def update_local_target(actor, target: LocalTarget, data: LocalTargetData) -> dict:
    before = _local_fields(target)
    _apply_local(target, data)
    _flush_unique(DuplicateCode)
    changes = diff(before, _local_fields(target))
    if changes:
        record(actor, "local_target.update", AuditTarget.LOCAL_TARGET, target.id, city_id=target.city_id,
               changes=changes)
    return changes


def local_targets_of(city: City) -> list[LocalTarget]:
    return list(db.session.scalars(select(LocalTarget).where(LocalTarget.city_id == city.id)
                                   .options(joinedload(LocalTarget.sdg_target)).order_by(LocalTarget.code)))


# Indicators and readings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorData:
    name_ko: str
    name_en: str
    unit: str
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    target_year: int | None
    sdg_indicator_code: str | None
    position: int


FOUR_PLACES = Decimal("0.0001")


def _stored(value: Decimal | None) -> Decimal | None:
    """A value as the Numeric(18, 4) column keeps it, so an unchanged value never shows up as a change."""
    return None if value is None else value.quantize(FOUR_PLACES)


def _indicator_fields(indicator: Indicator) -> dict:
    fields = {name: getattr(indicator, name) for name in IndicatorData.__dataclass_fields__}
    for name in ("baseline_value", "target_value"):
        fields[name] = _stored(fields[name])
    return fields


def official_indicators_for(item: PlanItem) -> list[SdgIndicator]:
    """The UN indicators an item's indicator may report on: those of the item's global targets and of the
    global targets its local targets extend."""
    codes = {t.code for t in item.sdg_targets} | {t.sdg_target_code for t in item.local_targets}
    if not codes:
        return []
    return list(db.session.scalars(select(SdgIndicator).where(SdgIndicator.target_code.in_(codes))
                                   .order_by(SdgIndicator.position)))


def create_indicator(actor, item: PlanItem, data: IndicatorData) -> Indicator:
    indicator = Indicator(plan_item_id=item.id, **data.__dict__)
    db.session.add(indicator)
    db.session.flush()
    record(actor, "indicator.create", AuditTarget.INDICATOR, indicator.id, city_id=item.plan.city_id,
           changes={"plan_item_id": item.id, **_indicator_fields(indicator)})
    return indicator


def update_indicator(actor, indicator: Indicator, data: IndicatorData) -> dict:
    before = _indicator_fields(indicator)
    for name, value in data.__dict__.items():
        setattr(indicator, name, value)
    db.session.flush()
    changes = diff(before, _indicator_fields(indicator))
    if changes:
        record(actor, "indicator.update", AuditTarget.INDICATOR, indicator.id,
               city_id=indicator.plan_item.plan.city_id, changes=changes)
    return changes


@dataclass(frozen=True)
class ReadingData:
    measured_on: date
    value: Decimal
    note: str = ""


def add_reading(actor, indicator: Indicator, data: ReadingData) -> IndicatorReading:
    """One reading per date: the unique constraint decides, so a double submit ends in one row."""
    reading = IndicatorReading(indicator_id=indicator.id, measured_on=data.measured_on, value=data.value,
                               note=data.note, recorded_by_id=getattr(actor, "id", None))
    db.session.add(reading)
    _flush_unique(DuplicateReading)
    record(actor, "indicator.reading_add", AuditTarget.INDICATOR, indicator.id,
           city_id=indicator.plan_item.plan.city_id,
           changes={"reading_id": reading.id, "measured_on": data.measured_on, "value": _stored(data.value),
                    "note": data.note})
    return reading


def remove_reading(actor, reading: IndicatorReading, indicator: Indicator) -> None:
    record(actor, "indicator.reading_remove", AuditTarget.INDICATOR, indicator.id,
           city_id=indicator.plan_item.plan.city_id,
           changes={"reading_id": reading.id, "measured_on": reading.measured_on, "value": reading.value,
                    "note": reading.note})
    db.session.delete(reading)
    db.session.flush()


# Reading: lists ------------------------------------------------------------------------------------------

def plans_of(city: City) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.city_id == city.id)
                                   .order_by(Plan.start_year.desc(), Plan.id.desc())))


def plan_with_items(plan_id: int, city: City) -> Plan | None:
    return db.session.scalar(
        select(Plan).where(Plan.id == plan_id, Plan.city_id == city.id)
        .options(selectinload(Plan.items).selectinload(PlanItem.sdg_targets),
                 selectinload(Plan.items).selectinload(PlanItem.local_targets),
                 selectinload(Plan.items).selectinload(PlanItem.indicators)))


def item_in_city(item_id: int, city: City, *loads) -> PlanItem | None:
    return db.session.scalar(select(PlanItem).join(Plan).where(PlanItem.id == item_id, Plan.city_id == city.id)
                             .options(contains_eager(PlanItem.plan), *loads))


def indicator_in_city(indicator_id: int, city: City) -> Indicator | None:
    return db.session.scalar(
        select(Indicator).join(PlanItem).join(Plan).where(Indicator.id == indicator_id, Plan.city_id == city.id)
        .options(contains_eager(Indicator.plan_item).contains_eager(PlanItem.plan),
                 selectinload(Indicator.readings)))


# Reading: the plan item page -----------------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 200, 48, 4


@dataclass(frozen=True)
class IndicatorView:
    indicator: Indicator
    readings: list[IndicatorReading]

    @property
    def latest(self) -> IndicatorReading | None:
        return self.readings[-1] if self.readings else None

    @property
    def sparkline(self) -> str:
        """SVG polyline points of the readings over time (empty under two readings), scaled to include the
        baseline and target so the line shows how far along it is."""
        if len(self.readings) < 2:
            return ""
        values = [r.value for r in self.readings]
        scale = values + [v for v in (self.indicator.baseline_value, self.indicator.target_value) if v is not None]
        low, high = min(scale), max(scale)
        first, last = self.readings[0].measured_on, self.readings[-1].measured_on
        days = max((last - first).days, 1)
        span = (high - low) or Decimal(1)
        inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
        points = []
        for reading in self.readings:
            x = SPARK_PAD + inner_w * (reading.measured_on - first).days / days
            y = SPARK_PAD + inner_h * float((high - reading.value) / span)
            points.append(f"{x:.1f},{y:.1f}")
        return " ".join(points)


@dataclass(frozen=True)
class LinkedProposal:
    proposal: Proposal
    budget_winner: bool


@dataclass(frozen=True)
class ResultView:
    result: Result

    @property
    def progress(self) -> Decimal:
        """A parent's progress is its children's average (app/models/accountability.py), never its own."""
        children = self.result.children
        if children:
            return sum((c.progress for c in children), Decimal(0)) / len(children)
        return self.result.progress


@dataclass(frozen=True)
class PlanItemPage:
    item: PlanItem
    indicators: list[IndicatorView]
    proposals: list[LinkedProposal]
    debates: list[Debate]
    results: list[ResultView]
    # Statements and the shared vision do not exist yet: when they do, the vision's statements of the plan's
    # processes belong here too.

    @property
    def budget_winners(self) -> list[Proposal]:
        return [p.proposal for p in self.proposals if p.budget_winner]


def plan_item_page(item_id: int, city: City) -> PlanItemPage | None:
    """Everything linked to one plan item, in a fixed number of queries whatever the number of rows."""
    item = item_in_city(item_id, city,
                        selectinload(PlanItem.sdg_targets).joinedload(SdgTarget.goal),
                        selectinload(PlanItem.local_targets).joinedload(LocalTarget.sdg_target),
                        selectinload(PlanItem.indicators).selectinload(Indicator.readings))
    if item is None:
        return None
    linked = select(proposal_plan_items.c.proposal_id).where(proposal_plan_items.c.plan_item_id == item.id)
    proposals = list(db.session.scalars(
        select(Proposal).where(Proposal.id.in_(linked), Proposal.hidden_at.is_(None))
        .order_by(Proposal.support_count.desc(), Proposal.id)))
    winners: set[int] = set()
    if proposals:
        for ids in db.session.scalars(select(BudgetOutcome.winner_ids).where(
                BudgetOutcome.process_id.in_({p.process_id for p in proposals}))):
            winners.update(int(i) for i in ids or ())
    debates = list(db.session.scalars(
        select(Debate).join(Process).where(Process.plan_id == item.plan_id, Process.city_id == city.id,
                                           Debate.hidden_at.is_(None))
        .options(contains_eager(Debate.process)).order_by(Debate.created_at)))
    results = list(db.session.scalars(
        select(Result).where(Result.id.in_(select(result_plan_items.c.result_id)
                                           .where(result_plan_items.c.plan_item_id == item.id)))
        .options(selectinload(Result.children)).order_by(Result.id)))
    return PlanItemPage(
        item=item,
        indicators=[IndicatorView(i, list(i.readings)) for i in item.indicators],
        proposals=[LinkedProposal(p, p.id in winners) for p in proposals],
        debates=debates,
        results=[ResultView(r) for r in results],
    )


# Reading: SDG pages --------------------------------------------------------------------------------------

def goals_with_counts() -> list[tuple[SdgGoal, int, int]]:
    """The 17 goals, each with the number of plan items and of proposals linked to its targets (all cities)."""
    goals = list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)))
    items = dict(db.session.execute(
        select(SdgTarget.goal_number, func.count(func.distinct(plan_item_targets.c.plan_item_id)))
        .join(plan_item_targets, plan_item_targets.c.sdg_target_code == SdgTarget.code)
        .group_by(SdgTarget.goal_number)).all())
    proposals = dict(db.session.execute(
        select(SdgTarget.goal_number, func.count(func.distinct(Proposal.id)))
        .join(proposal_targets, proposal_targets.c.sdg_target_code == SdgTarget.code)
        .join(Proposal, Proposal.id == proposal_targets.c.proposal_id)
        .where(Proposal.hidden_at.is_(None)).group_by(SdgTarget.goal_number)).all())
    return [(g, items.get(g.number, 0), proposals.get(g.number, 0)) for g in goals]


@dataclass
class CityGroup:
    city: City
    local_targets: list[LocalTarget] = field(default_factory=list)
    plan_items: list[PlanItem] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    results: list[ResultView] = field(default_factory=list)


@dataclass(frozen=True)
class GoalPage:
    goal: SdgGoal
    cities: list[CityGroup]
    # Practices (knowledge sharing between cities) do not exist yet: when they do, they are listed by city too.


def goal_page(number: int, city: City | None = None) -> GoalPage | None:
    """A goal's targets with their indicators, and what is linked to those targets, grouped by city (one city
    when `city` is given). A fixed number of queries."""
    goal = db.session.scalar(select(SdgGoal).where(SdgGoal.number == number)
                             .options(selectinload(SdgGoal.targets).selectinload(SdgTarget.indicators)))
    if goal is None:
        return None
    codes = [t.code for t in goal.targets]

    local_query = select(LocalTarget).where(LocalTarget.sdg_target_code.in_(codes)).order_by(LocalTarget.code)
    item_ids = select(plan_item_targets.c.plan_item_id).where(plan_item_targets.c.sdg_target_code.in_(codes))
    item_ids_local = (select(plan_item_local_targets.c.plan_item_id)
                      .join(LocalTarget, LocalTarget.id == plan_item_local_targets.c.local_target_id)
                      .where(LocalTarget.sdg_target_code.in_(codes)))
    item_query = (select(PlanItem).join(Plan).where(or_(PlanItem.id.in_(item_ids), PlanItem.id.in_(item_ids_local)))
                  .options(contains_eager(PlanItem.plan), selectinload(PlanItem.sdg_targets))
                  .order_by(Plan.id, PlanItem.position, PlanItem.id))
    proposal_ids = select(proposal_targets.c.proposal_id).where(proposal_targets.c.sdg_target_code.in_(codes))
    # The city comes as a column: loading the process would load its phases too.
    proposal_query = (select(Proposal, Process.city_id).join(Process)
                      .where(Proposal.id.in_(proposal_ids), Proposal.hidden_at.is_(None))
                      .options(selectinload(Proposal.sdg_targets))
                      .order_by(Proposal.support_count.desc(), Proposal.id))
    result_ids = select(result_targets.c.result_id).where(result_targets.c.sdg_target_code.in_(codes))
    result_ids_items = (select(result_plan_items.c.result_id)
                        .where(or_(result_plan_items.c.plan_item_id.in_(item_ids),
                                   result_plan_items.c.plan_item_id.in_(item_ids_local))))
    result_query = (select(Result).where(or_(Result.id.in_(result_ids), Result.id.in_(result_ids_items)))
                    .options(selectinload(Result.children)).order_by(Result.id))
    if city is not None:
        local_query = local_query.where(LocalTarget.city_id == city.id)
        item_query = item_query.where(Plan.city_id == city.id)
        proposal_query = proposal_query.where(Process.city_id == city.id)
        result_query = result_query.where(Result.city_id == city.id)

    groups: dict[int, CityGroup] = {}
    rows = {
        "local_targets": [(t.city_id, t) for t in db.session.scalars(local_query)],
        "plan_items": [(i.plan.city_id, i) for i in db.session.scalars(item_query)],
        "proposals": [(city_id, p) for p, city_id in db.session.execute(proposal_query)],
        "results": [(r.city_id, ResultView(r)) for r in db.session.scalars(result_query)],
    }
    city_ids = {city_id for pairs in rows.values() for city_id, _ in pairs}
    cities = {city.id: city} if city is not None else {}
    missing = city_ids - set(cities)
    if missing:
        cities.update({c.id: c for c in db.session.scalars(select(City).where(City.id.in_(missing)))})
    by_city: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for kind, pairs in rows.items():
        for city_id, row in pairs:
            by_city[city_id][kind].append(row)
    for city_id, kinds in by_city.items():
        groups[city_id] = CityGroup(cities[city_id], **kinds)
    ordered = sorted(groups.values(), key=lambda group: group.city.name_en)
    return GoalPage(goal=goal, cities=ordered)
