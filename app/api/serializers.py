"""Rows as the API shows them: exactly what an anonymous visitor of the web pages sees. No e-mail, no staff
drafts, no hidden or rejected content; people by the name the pages show (or null for a deleted account).
Text that staff write in both languages comes as {"ko", "en"}; money and measures as decimal strings;
moments as ISO 8601 in UTC."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import url_for

from app.models import (
    City,
    Comment,
    Debate,
    Indicator,
    Phase,
    Plan,
    PlanItem,
    Process,
    Proposal,
    Result,
    SdgGoal,
    SdgTarget,
    Statement,
    utcnow,
)


def moment(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def decimal(value: Decimal | None) -> str | None:
    """"12.50" → "12.5", "100.00" → "100": the exact value, without float rounding."""
    return None if value is None else format(value.normalize(), "f")


def both(row, name: str) -> dict:
    return {"ko": getattr(row, f"{name}_ko") or "", "en": getattr(row, f"{name}_en") or ""}


def city(row: City) -> dict:
    return {
        "slug": row.slug, "name": both(row, "name"), "default_locale": row.default_locale,
        "time_zone": row.time_zone, "country_code": row.country_code or None, "region": row.region or None,
        "population": row.population, "open_data_licence": str(row.open_data_licence),
        "links": {"self": url_for("api.city", city_slug=row.slug, _external=True),
                  "processes": url_for("api.processes", city_slug=row.slug, _external=True),
                  "page": url_for("cities.home", city_slug=row.slug, _external=True)},
    }


def phase(row: Phase) -> dict:
    return {"id": row.id, "name": both(row, "name"), "description": both(row, "description"),
            "starts_at": moment(row.starts_at), "ends_at": moment(row.ends_at),
            "actions": [action.value for action in row.actions]}


def process(row: Process, now: datetime | None = None) -> dict:
    now = now or utcnow()
    current = row.phase_at(now)
    slug = row.city.slug
    return {
        "id": row.id, "slug": row.slug, "city": slug, "title": both(row, "title"),
        "description_html": both(row, "description_html"), "plan_id": row.plan_id,
        "status": row.status_at(now), "current_phase_id": current.id if current else None,
        "phases": [phase(p) for p in row.phases],
        "links": {"self": url_for("api.process", city_slug=slug, process_id=row.id, _external=True),
                  "proposals": url_for("api.proposals", city_slug=slug, process_id=row.id, _external=True),
                  "page": url_for("cities.process", city_slug=slug, process_id=row.id, _external=True)},
    }


def _author_name(user) -> str | None:
    return user.name if user is not None else None


def proposal(row: Proposal, city_slug: str) -> dict:
    answered = row.answered_at is not None
    return {
        "id": row.id, "process_id": row.process_id, "title": row.title, "body": row.body,
        "body_html": row.body_html, "language": row.language, "state": str(row.state),
        "author": _author_name(row.author),
        "organization": row.organization.name if row.organization is not None else None,
        "district": ({"id": row.district.id, "code": row.district.code, "name": both(row.district, "name")}
                     if row.district is not None else None),
        "cost": decimal(row.cost), "support_count": row.support_count,
        "sdg_targets": [t.code for t in row.sdg_targets], "plan_item_ids": [i.id for i in row.plan_items],
        "created_at": moment(row.created_at), "edited_at": moment(row.edited_at),
        "withdrawn_at": moment(row.withdrawn_at),
        "answer": ({"text": row.answer, "answered_at": moment(row.answered_at)} if answered else None),
        "links": {"self": url_for("api.proposal", city_slug=city_slug, proposal_id=row.id, _external=True),
                  "comments": url_for("api.proposal_comments", city_slug=city_slug, proposal_id=row.id,
                                      _external=True),
                  "page": url_for("proposals.show", city_slug=city_slug, proposal_id=row.id, _external=True)},
    }


def comment(row: Comment, blocked: frozenset[int]) -> dict:
    """A thread keeps its shape: a deleted or hidden comment stays as a placeholder without text or author."""
    if row.deleted_at is not None:
        status = "deleted"
    elif row.hidden_at is not None or row.author_id in blocked:
        status = "hidden"
    else:
        status = "visible"
    shown = status == "visible"
    return {
        "id": row.id, "proposal_id": row.proposal_id, "debate_id": row.debate_id, "parent_id": row.parent_id,
        "root_id": row.root_id, "depth": row.depth, "status": status,
        "author": _author_name(row.author) if shown else None,
        "stance": row.stance if shown else None, "body": row.body if shown else None,
        "body_html": row.body_html if shown else None, "language": row.language if shown else None,
        "up_votes": row.up_votes, "down_votes": row.down_votes, "score": row.score,
        "created_at": moment(row.created_at), "edited_at": moment(row.edited_at) if shown else None,
    }


def debate(row: Debate, city_slug: str, now: datetime | None = None) -> dict:
    now = now or utcnow()
    return {
        "id": row.id, "process_id": row.process_id, "title": both(row, "title"),
        "description_html": both(row, "description_html"), "side_for": both(row, "side_for"),
        "side_against": both(row, "side_against"), "closes_at": moment(row.closes_at),
        "closed": row.is_closed(now), "created_at": moment(row.created_at),
        "links": {"self": url_for("api.debate", city_slug=city_slug, debate_id=row.id, _external=True),
                  "comments": url_for("api.debate_comments", city_slug=city_slug, debate_id=row.id, _external=True),
                  "page": url_for("deliberation.debate", city_slug=city_slug, debate_id=row.id, _external=True)},
    }


def statement(row: Statement) -> dict:
    return {"id": row.id, "process_id": row.process_id, "body": row.body, "language": row.language or None,
            "seeded": row.seeded, "created_at": moment(row.created_at), "agree": row.agree_count,
            "disagree": row.disagree_count, "pass": row.pass_count}


def plan(row: Plan, city_slug: str, items: bool = False) -> dict:
    found = {"id": row.id, "title": both(row, "title"), "description": both(row, "description"),
             "start_year": row.start_year, "end_year": row.end_year,
             "links": {"self": url_for("api.plan", city_slug=city_slug, plan_id=row.id, _external=True),
                       "page": url_for("planning.plan", city_slug=city_slug, plan_id=row.id, _external=True)}}
    if items:
        found["items"] = [plan_item(item, city_slug) for item in row.items]
    return found


def indicator(row: Indicator, readings: bool = True) -> dict:
    found = {"id": row.id, "name": both(row, "name"), "unit": row.unit, "sdg_indicator": row.sdg_indicator_code,
             "baseline_value": decimal(row.baseline_value), "baseline_year": row.baseline_year,
             "target_value": decimal(row.target_value), "target_year": row.target_year}
    if readings:
        found["readings"] = [{"measured_on": day(r.measured_on), "value": decimal(r.value), "note": r.note}
                             for r in row.readings]
    return found


def plan_item(row: PlanItem, city_slug: str, details: bool = False) -> dict:
    found = {"id": row.id, "plan_id": row.plan_id, "code": row.code, "title": both(row, "title"),
             "description": both(row, "description"), "sdg_targets": [t.code for t in row.sdg_targets],
             "local_targets": [{"code": t.code, "sdg_target": t.sdg_target_code, "title": t.title}
                               for t in row.local_targets],
             "links": {"self": url_for("api.plan_item", city_slug=city_slug, item_id=row.id, _external=True),
                       "page": url_for("planning.plan_item", city_slug=city_slug, item_id=row.id, _external=True)}}
    if details:
        found["indicators"] = [indicator(i) for i in row.indicators]
    return found


def result(row: Result, city_slug: str, progress, goals: set[int], details: bool = False,
           visible_proposals: set[int] | None = None) -> dict:
    found = {"id": row.id, "title": both(row, "title"), "status": str(row.status), "process_id": row.process_id,
             "parent_id": row.parent_id, "progress": _percent(progress), "starts_on": day(row.starts_on),
             "ends_on": day(row.ends_on), "sdg_goals": sorted(goals),
             "links": {"self": url_for("api.result", city_slug=city_slug, result_id=row.id, _external=True),
                       "page": url_for("planning.result_show", city_slug=city_slug, result_id=row.id,
                                       _external=True)}}
    if details:
        found.update({
            "description": both(row, "description"), "children_ids": [c.id for c in row.children],
            "proposal_ids": sorted(p.id for p in row.proposals
                                   if visible_proposals is None or p.id in visible_proposals),
            "plan_item_ids": sorted(i.id for i in row.plan_items),
            "indicators": [indicator(i) for i in row.indicators],
            "sdg_targets": [t.code for t in row.sdg_targets],
            "updates": [{"at": moment(u.at), "status": str(u.status), "progress": _percent(u.progress),
                         "text": both(u, "text")} for u in row.updates],
        })
    return found


def _percent(value) -> str | None:
    """Progress in percent as a decimal string with at most two places ("37.5")."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return decimal(value.quantize(Decimal("0.01")))


def sdg_target(row: SdgTarget) -> dict:
    return {"code": row.code, "goal": row.goal_number, "title": row.title_en}


def sdg_goal(row: SdgGoal, targets: bool = False) -> dict:
    found = {"number": row.number, "short": both(row, "short"), "title": row.title_en, "colour": row.colour,
             "links": {"self": url_for("api.sdg_goal", number=row.number, _external=True)}}
    if targets:
        found["targets"] = [sdg_target(t) for t in row.targets]
    return found
