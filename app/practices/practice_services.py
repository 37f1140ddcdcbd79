"""Practices: written by a city's planners (fresh, or prefilled from one of its results or processes), published
to every city on the instance or withdrawn; the library's search; a practice's evidence from Madang.
Services flush and write the audit event; the route commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from app import permissions
from app.audit import diff, record
from app.extensions import db
from app.markdown import render_markdown
from app.models import (
    AuditTarget,
    City,
    Indicator,
    IndicatorReading,
    Membership,
    Organization,
    OrganizationMember,
    Plan,
    PlanItem,
    Practice,
    PracticeIndicator,
    PracticeState,
    Process,
    Proposal,
    Result,
    SdgTarget,
    User,
    practice_targets,
    utcnow,
)
from app.proposals.services import search_key

MAX_INDICATORS = 10

# City size bands by population: (key, lowest, below).
SIZE_BANDS = (
    ("small", None, 100_000),
    ("medium", 100_000, 1_000_000),
    ("large", 1_000_000, 5_000_000),
    ("mega", 5_000_000, None),
)


class ForeignLink(Exception):
    """A target, organization or source that is not the practice's city's (or does not exist)."""


class WrongState(Exception):
    pass


@dataclass(frozen=True)
class IndicatorRow:
    name_ko: str
    name_en: str
    unit: str = ""
    baseline: Decimal | None = None
    value: Decimal | None = None
    year: int | None = None
    indicator_id: int | None = None


@dataclass(frozen=True)
class PracticeData:
    theme: str
    title_ko: str = ""
    title_en: str = ""
    summary_ko: str = ""
    summary_en: str = ""
    obstacles_ko: str = ""
    obstacles_en: str = ""
    success_factors_ko: str = ""
    success_factors_en: str = ""
    budget: Decimal | None = None
    currency: str | None = None
    staff: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    partners_text: str = ""
    contact_name: str = ""
    contact_email: str = ""
    target_codes: frozenset[str] = frozenset()
    organization_ids: frozenset[int] = frozenset()
    indicators: tuple[IndicatorRow, ...] = field(default_factory=tuple)


# What a practice may link to -------------------------------------------------------------------------------

def city_organizations(city: City) -> list[Organization]:
    """Organizations of the city, and those any member of the city belongs to."""
    member_ids = select(Membership.user_id).where(Membership.city_id == city.id)
    org_ids = select(OrganizationMember.organization_id).where(OrganizationMember.user_id.in_(member_ids))
    return list(db.session.scalars(select(Organization).where(
        or_(Organization.city_id == city.id, Organization.id.in_(org_ids))).order_by(Organization.name)))


def city_result(city: City, result_id) -> Result | None:
    result = db.session.get(Result, result_id) if isinstance(result_id, int) else None
    return result if result is not None and result.city_id == city.id else None


def city_process(city: City, process_id) -> Process | None:
    process = db.session.get(Process, process_id) if isinstance(process_id, int) else None
    return process if process is not None and process.city_id == city.id else None


def _latest_reading(indicator: Indicator) -> IndicatorReading | None:
    return indicator.readings[-1] if indicator.readings else None


def prefill_from_result(result: Result) -> dict:
    """Form data from a result: its title and description, targets (its own, its plan items' and proposals'),
    period, and its indicators with their latest readings."""
    codes = {t.code for t in result.sdg_targets}
    for item in result.plan_items:
        codes |= {t.code for t in item.sdg_targets}
    for proposal in result.proposals:
        codes |= {t.code for t in proposal.sdg_targets}
    indicators = []
    for indicator in result.indicators[:MAX_INDICATORS]:
        latest = _latest_reading(indicator)
        indicators.append({
            "name_ko": indicator.name_ko, "name_en": indicator.name_en, "unit": indicator.unit,
            "baseline": indicator.baseline_value, "value": latest.value if latest else None,
            "year": latest.measured_on.year if latest else None, "indicator_id": indicator.id})
    return {"title_ko": result.title_ko, "title_en": result.title_en, "summary_ko": result.description_ko,
            "summary_en": result.description_en, "starts_on": result.starts_on, "ends_on": result.ends_on,
            "sdg_targets": sorted(codes), "indicators": indicators}


def prefill_from_process(process: Process) -> dict:
    """Form data from a process: its title and description, and the targets of its proposals and plan."""
    codes: set[str] = set()
    proposals = db.session.scalars(select(Proposal).where(Proposal.process_id == process.id)
                                   .options(selectinload(Proposal.sdg_targets)))
    for proposal in proposals:
        codes |= {t.code for t in proposal.sdg_targets}
    if process.plan_id:
        for item in db.session.scalars(select(PlanItem).where(PlanItem.plan_id == process.plan_id)
                                       .options(selectinload(PlanItem.sdg_targets))):
            codes |= {t.code for t in item.sdg_targets}
    return {"title_ko": process.title_ko, "title_en": process.title_en, "summary_ko": process.description_ko,
            "summary_en": process.description_en, "sdg_targets": sorted(codes), "indicators": []}


# Writing ----------------------------------------------------------------------------------------------------

def _snapshot(practice: Practice) -> dict:
    return {
        "theme": practice.theme, "title_ko": practice.title_ko, "title_en": practice.title_en,
        "summary_ko": practice.summary_ko, "summary_en": practice.summary_en,
        "obstacles_ko": practice.obstacles_ko, "obstacles_en": practice.obstacles_en,
        "success_factors_ko": practice.success_factors_ko, "success_factors_en": practice.success_factors_en,
        "budget": practice.budget, "currency": practice.currency, "staff": practice.staff,
        "starts_on": practice.starts_on, "ends_on": practice.ends_on, "partners_text": practice.partners_text,
        "contact_name": practice.contact_name, "contact_email": practice.contact_email,
        "sdg_targets": sorted(t.code for t in practice.sdg_targets),
        "organizations": sorted(o.id for o in practice.organizations),
        "indicators": [[i.name_ko, i.name_en, i.unit, i.baseline, i.value, i.year] for i in practice.indicators],
    }


def _apply(practice: Practice, city: City, data: PracticeData) -> None:
    for name in ("title_ko", "title_en", "summary_ko", "summary_en", "obstacles_ko", "obstacles_en",
                 "success_factors_ko", "success_factors_en", "partners_text", "contact_name", "contact_email"):
        setattr(practice, name, (getattr(data, name) or "").strip())
    for name in ("summary", "obstacles", "success_factors"):
        for lang in ("ko", "en"):
            setattr(practice, f"{name}_html_{lang}", render_markdown(getattr(practice, f"{name}_{lang}")))
    practice.theme = data.theme
    practice.budget = data.budget
    practice.currency = (data.currency or "").upper() or None if data.budget is not None else None
    practice.staff = data.staff
    practice.starts_on, practice.ends_on = data.starts_on, data.ends_on
    codes = sorted(data.target_codes)
    targets = list(db.session.scalars(select(SdgTarget).where(SdgTarget.code.in_(codes)))) if codes else []
    if len(targets) != len(codes):
        raise ForeignLink()
    practice.sdg_targets = targets
    allowed = {o.id: o for o in city_organizations(city)}
    if not set(data.organization_ids) <= set(allowed):
        raise ForeignLink()
    practice.organizations = [allowed[i] for i in sorted(data.organization_ids)]
    if len(data.indicators) > MAX_INDICATORS:
        raise ForeignLink()
    indicator_ids = {row.indicator_id for row in data.indicators if row.indicator_id}
    if indicator_ids:
        own = set(db.session.scalars(select(Indicator.id).join(PlanItem).join(Plan).where(
            Indicator.id.in_(indicator_ids), Plan.city_id == city.id)))
        if own != indicator_ids:
            raise ForeignLink()
    practice.indicators = [
        PracticeIndicator(name_ko=row.name_ko.strip(), name_en=row.name_en.strip(), unit=row.unit.strip(),
                          baseline=row.baseline, value=row.value, year=row.year, indicator_id=row.indicator_id,
                          position=position)
        for position, row in enumerate(data.indicators)]
    practice.search_text = search_key("\n".join([
        practice.title_ko, practice.title_en, practice.summary_ko, practice.summary_en, practice.obstacles_ko,
        practice.obstacles_en, practice.success_factors_ko, practice.success_factors_en, practice.partners_text]))


def create_practice(actor: User, city: City, data: PracticeData, *, source_result: Result | None = None,
                    source_process: Process | None = None) -> Practice:
    if source_result is not None and source_result.city_id != city.id:
        raise ForeignLink()
    if source_process is not None and source_process.city_id != city.id:
        raise ForeignLink()
    if source_result is not None and source_process is None and source_result.process_id:
        source_process = db.session.get(Process, source_result.process_id)
    practice = Practice(city_id=city.id, author_id=actor.id, contact_user_id=actor.id,
                        state=PracticeState.DRAFT, source_result_id=source_result.id if source_result else None,
                        source_process_id=source_process.id if source_process else None)
    db.session.add(practice)
    _apply(practice, city, data)
    if not practice.contact_name:
        practice.contact_name = actor.name
    if not practice.contact_email:
        practice.contact_email = actor.email
    db.session.flush()
    record(actor, "practice.create", AuditTarget.PRACTICE, practice.id, city_id=city.id,
           changes=diff({}, _snapshot(practice)))
    return practice


def update_practice(actor: User, practice: Practice, data: PracticeData) -> Practice:
    before = _snapshot(practice)
    _apply(practice, practice.city, data)
    db.session.flush()
    changes = diff(before, _snapshot(practice))
    if changes:
        record(actor, "practice.edit", AuditTarget.PRACTICE, practice.id, city_id=practice.city_id,
               changes=changes)
    return practice


def publish_practice(actor: User, practice: Practice) -> Practice:
    if practice.state == PracticeState.PUBLISHED:
        raise WrongState()
    before = practice.state
    practice.state = PracticeState.PUBLISHED
    practice.published_at = utcnow()
    db.session.flush()
    record(actor, "practice.publish", AuditTarget.PRACTICE, practice.id, city_id=practice.city_id,
           changes={"state": [before, PracticeState.PUBLISHED.value]})
    return practice


def withdraw_practice(actor: User, practice: Practice) -> Practice:
    if practice.state != PracticeState.PUBLISHED:
        raise WrongState()
    practice.state = PracticeState.WITHDRAWN
    db.session.flush()
    record(actor, "practice.withdraw", AuditTarget.PRACTICE, practice.id, city_id=practice.city_id,
           changes={"state": [PracticeState.PUBLISHED.value, PracticeState.WITHDRAWN.value]})
    return practice


# Reading ----------------------------------------------------------------------------------------------------

def can_see(user, practice: Practice) -> bool:
    """Published practices are for everyone; drafts and withdrawn ones for their city's planners."""
    return practice.state == PracticeState.PUBLISHED or permissions.can_edit_practice(user, practice)


def load_practice(practice_id: int) -> Practice | None:
    return db.session.get(Practice, practice_id, options=[
        selectinload(Practice.sdg_targets), selectinload(Practice.organizations),
        selectinload(Practice.indicators), selectinload(Practice.city)])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class LibraryFilters:
    q: str = ""
    goal: int | None = None
    target: str = ""
    theme: str = ""
    region: str = ""
    size: str = ""


def size_condition(key: str):
    for band, low, high in SIZE_BANDS:
        if band == key:
            parts = [City.population.is_not(None)]
            if low is not None:
                parts.append(City.population >= low)
            if high is not None:
                parts.append(City.population < high)
            return and_(*parts)
    return None


def library_query(filters: LibraryFilters) -> Select:
    """Published practices of every city, newest first, filtered."""
    query = (select(Practice).join(City, City.id == Practice.city_id)
             .where(Practice.state == PracticeState.PUBLISHED)
             .options(selectinload(Practice.sdg_targets), selectinload(Practice.city))
             .order_by(Practice.published_at.desc(), Practice.id.desc()))
    words = search_key(filters.q).split()
    for word in words:  # every word, anywhere: Korean words match inside longer ones (particles, compounds)
        query = query.where(Practice.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    if filters.target:
        query = query.where(Practice.id.in_(select(practice_targets.c.practice_id)
                                            .where(practice_targets.c.sdg_target_code == filters.target)))
    elif filters.goal:
        query = query.where(Practice.id.in_(select(practice_targets.c.practice_id).join(SdgTarget)
                                            .where(SdgTarget.goal_number == filters.goal)))
    if filters.theme:
        query = query.where(Practice.theme == filters.theme)
    if filters.region:
        query = query.where(City.region == filters.region)
    condition = size_condition(filters.size) if filters.size else None
    if condition is not None:
        query = query.where(condition)
    return query


def regions() -> list[str]:
    return [r for r in db.session.scalars(select(City.region).distinct().where(City.region != "")
                                          .order_by(City.region))]


def city_practices(city: City, include_drafts: bool) -> list[Practice]:
    query = (select(Practice).where(Practice.city_id == city.id)
             .options(selectinload(Practice.sdg_targets), selectinload(Practice.city))
             .order_by(Practice.updated_at.desc(), Practice.id.desc()))
    if not include_drafts:
        query = query.where(Practice.state == PracticeState.PUBLISHED)
    return list(db.session.scalars(query))


def practices_for_goal(number: int, city: City | None = None) -> list[Practice]:
    """Published practices with a target under this goal (of one city when given)."""
    query = (select(Practice).where(Practice.state == PracticeState.PUBLISHED, Practice.id.in_(
        select(practice_targets.c.practice_id).join(SdgTarget).where(SdgTarget.goal_number == number)))
        .options(selectinload(Practice.sdg_targets), selectinload(Practice.city))
        .order_by(Practice.published_at.desc(), Practice.id.desc()))
    if city is not None:
        query = query.where(Practice.city_id == city.id)
    return list(db.session.scalars(query))


@dataclass
class Evidence:
    process: Process | None
    vision_published: bool
    results: list[Result]
    progress: dict
    indicators: list[tuple[Indicator, IndicatorReading | None]]


def evidence(practice: Practice) -> Evidence | None:
    """What Madang knows of where the practice came from: the source process (and whether its vision is
    published), its results (or the source result) with progress, and their indicators' latest readings."""
    if practice.source_process_id is None and practice.source_result_id is None:
        return None
    from app.planning.results import progress_by_result
    from app.vision.summaries import latest_published

    process = db.session.get(Process, practice.source_process_id) if practice.source_process_id else None
    results: dict[int, Result] = {}
    if practice.source_result_id:
        source = db.session.get(Result, practice.source_result_id)
        if source is not None:
            results[source.id] = source
    if process is not None:
        for result in db.session.scalars(select(Result).where(Result.process_id == process.id).order_by(Result.id)):
            results.setdefault(result.id, result)
    indicators: dict[int, Indicator] = {}
    for result in results.values():
        for indicator in result.indicators:
            indicators.setdefault(indicator.id, indicator)
    city = practice.city
    return Evidence(process=process, vision_published=process is not None and latest_published(process) is not None,
                    results=list(results.values()), progress=progress_by_result(city) if results else {},
                    indicators=[(i, _latest_reading(i)) for i in indicators.values()])
