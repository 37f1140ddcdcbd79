"""Moving participatory budgets between platforms in the Pabulib `.pb` format (pabulib.org): import a file as
a process with its projects and ballots (each voter an imported participant), and write a process's anonymised
ballots back out. Personal columns of imported voters (age, sex, …) are not kept."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from app.extensions import db
from app.markdown import render_markdown
from app.methods import pabulib
from app.models import (
    BallotStyle,
    Budget,
    BudgetBallot,
    BudgetBallotItem,
    BudgetOutcome,
    City,
    OutcomeRule,
    Participant,
    Phase,
    PhaseAction,
    Process,
    Proposal,
    ProposalState,
    utcnow,
)
from app.models.voting import random_ballot_id
from app.slugs import slugify, unique_process_slug

# The rule names `.pb` files use, and ours.
PB_RULES = {
    "greedy": OutcomeRule.GREEDY,
    "equalshares": OutcomeRule.MES,
    "equalshares/add1": OutcomeRule.MES_ADD1,
}
OUR_RULES_AS_PB = {
    OutcomeRule.GREEDY: "greedy",
    OutcomeRule.MES: "equalshares",
    OutcomeRule.MES_ADD1: "equalshares/add1",
    OutcomeRule.MES_ADD1_GREEDY: "equalshares/add1 + greedy",
}
TIME_ZONES = {
    "poland": "Europe/Warsaw", "netherlands": "Europe/Amsterdam", "switzerland": "Europe/Zurich",
    "france": "Europe/Paris", "germany": "Europe/Berlin", "south korea": "Asia/Seoul", "korea": "Asia/Seoul",
    "us": "America/New_York", "usa": "America/New_York", "united states": "America/New_York",
}


class ImportProblem(ValueError):
    """A file Madang cannot import, with the line (when there is one) and the problem."""


def rule_from_pb(name: str) -> str:
    name = (name or "").strip().lower().replace(" ", "")
    if name in PB_RULES:
        return PB_RULES[name]
    if "equalshares" in name and "greedy" in name:
        return OutcomeRule.MES_ADD1_GREEDY
    if name.startswith("equalshares/add1"):
        return OutcomeRule.MES_ADD1
    return OutcomeRule.GREEDY if name.startswith("greedy") else OutcomeRule.MES_ADD1_GREEDY


def _number(text: str) -> str:
    value = Decimal(text)
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else format(value.normalize(), "f")


def _city_for(meta: dict[str, str], city_slug: str | None) -> City:
    if city_slug:
        city = db.session.scalar(select(City).where(City.slug == city_slug))
        if city is None:
            raise ImportProblem(f"no city with the slug {city_slug!r}")
        return city
    unit = (meta.get("unit") or "").strip()
    if not unit:
        raise ImportProblem("META names no unit (city); give --city")
    slug = slugify(unit) or "imported"
    city = db.session.scalar(select(City).where(City.slug == slug))
    if city is None:
        zone = TIME_ZONES.get((meta.get("country") or "").strip().lower(), "UTC")
        city = City(slug=slug, name_en=unit[:120], name_ko=unit[:120], default_locale="en", time_zone=zone)
        db.session.add(city)
        db.session.flush()
    return city


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", (text or "").strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, tzinfo=zone)
    except ValueError:
        return None


def import_pb(text: str, city_slug: str | None = None) -> Process:
    """Create a process from a `.pb` file: its budget, its projects (feasible, with their costs and the file's
    ids) and its ballots. Importing the same file again makes a new process. Raises ImportProblem (or
    pabulib.PabulibError naming the line) before anything is written that the caller would keep: the caller
    commits only when this returns."""
    parsed = pabulib.parse(text)
    meta = parsed.meta
    vote_type = (meta.get("vote_type") or "approval").strip().lower()
    styles = {"approval": BallotStyle.APPROVAL, "cumulative": BallotStyle.CUMULATIVE, "ordinal": BallotStyle.ORDINAL}
    if vote_type not in styles:
        raise ImportProblem(f"vote_type {vote_type!r} is not one Madang reads (approval, cumulative, ordinal)")
    try:
        amount = Decimal(meta["budget"])
    except Exception:  # noqa: BLE001 - parse() checked it; keep a clear message anyway
        raise ImportProblem("META budget is missing or not a number") from None
    city = _city_for(meta, city_slug)
    zone = ZoneInfo(city.time_zone)
    description = (meta.get("description") or "").strip() or f"{meta.get('unit', '')} {meta.get('instance', '')}"
    unit, instance = meta.get("unit", "").strip(), meta.get("instance", "").strip()
    process = Process(
        slug=unique_process_slug(f"{unit}-{instance}", description), city_id=city.id,
        title_en=description[:200], description_en=_describe(meta), description_html_en=render_markdown(_describe(meta)),
    )
    db.session.add(process)
    db.session.flush()
    begin, end = _day(meta.get("date_begin", ""), zone), _day(meta.get("date_end", ""), zone)
    if begin and end and begin <= end:
        phase = Phase(process_id=process.id, name_en="Vote", name_ko="투표", starts_at=begin,
                      ends_at=end + timedelta(days=1))
        phase.set_actions([PhaseAction.BUDGET_VOTE])
        db.session.add(phase)
    style = styles[vote_type]
    max_points = meta.get("max_sum_points") or meta.get("max_points")
    db.session.add(Budget(
        process_id=process.id, amount=amount, currency=(meta.get("currency") or "EUR").strip()[:3].upper(),
        ballot_style=style,
        # Ordinal ballots are counted greedily by Borda score unless the file names an equal-shares rule.
        rule=OutcomeRule.GREEDY if style == BallotStyle.ORDINAL and "equalshares" not in meta.get("rule", "").lower()
        else rule_from_pb(meta.get("rule", "")),
        min_projects=int(meta["min_length"]) if (meta.get("min_length") or "").isdigit() else None,
        max_projects=int(meta["max_length"]) if (meta.get("max_length") or "").isdigit() and
        int(meta["max_length"]) >= 1 else None,
        points_total=(int(max_points) if (max_points or "").isdigit() and int(max_points) >= 1 else 10 ** 6)
        if style == BallotStyle.CUMULATIVE else None,
        points_max=int(meta["max_points"]) if style == BallotStyle.CUMULATIVE and
        (meta.get("max_points") or "").isdigit() and int(meta["max_points"]) >= 1 else None,
    ))
    now = utcnow()
    proposal_ids: dict[str, int] = {}
    for row in parsed.projects:
        pid = row["project_id"]
        name = (row.get("name") or "").strip() or f"Project {pid}"
        body = "\n\n".join(v for v in ((row.get("description") or "").strip(),
                                       f"Category: {row['category']}" if row.get("category") else "") if v) or name
        proposal = Proposal(
            process_id=process.id, author_id=None, title=name[:150], body=body, body_html=render_markdown(body),
            language="en", cost=Decimal(row["cost"]), state=ProposalState.PUBLISHED, external_id=pid[:64],
            search_text=(name + "\n" + body).casefold(), feasible=True, feasibility_reviewed_at=now,
        )
        db.session.add(proposal)
        db.session.flush()
        proposal_ids[pid] = proposal.id
    source = f"pabulib/{process.slug}"
    db.session.execute(insert(Participant), [
        {"city_id": city.id, "source": source, "external_id": row["voter_id"][:120], "created_at": now}
        for row in parsed.votes
    ])
    participants = dict(db.session.execute(
        select(Participant.external_id, Participant.id).where(Participant.city_id == city.id,
                                                              Participant.source == source)).all())
    ballots, items = [], []
    for row in parsed.votes:
        ballot_id = random_ballot_id()
        ballots.append({"id": ballot_id, "process_id": process.id,
                        "participant_id": participants[row["voter_id"][:120]], "updated_at": now})
        chosen = [p for p in (row.get("vote") or "").split(",") if p.strip()]
        points = [p for p in (row.get("points") or "").split(",") if p.strip()]
        for position, pid in enumerate(p.strip() for p in chosen):
            item = {"ballot_id": ballot_id, "proposal_id": proposal_ids[pid], "points": 1, "rank": None}
            if style == BallotStyle.CUMULATIVE and points:
                item["points"] = int(points[position])
            if style == BallotStyle.ORDINAL:
                item["rank"] = position + 1
            items.append(item)
    if ballots:
        db.session.execute(insert(BudgetBallot), ballots)
    for start in range(0, len(items), 20000):
        db.session.execute(insert(BudgetBallotItem), items[start:start + 20000])
    db.session.flush()
    db.session.refresh(process)
    return process


def _describe(meta: dict[str, str]) -> str:
    parts = [f"Imported from a Pabulib file ({meta.get('country', '').strip()} {meta.get('unit', '').strip()}, "
             f"{meta.get('instance', '').strip()})."]
    for key in ("comment", "acknowledgments"):
        if meta.get(key):
            parts.append(meta[key].strip())
    return "\n\n".join(p for p in parts if p)


def process_to_pb(process: Process, selected: set[int] | None = None, rule: str | None = None) -> str:
    """The process's budget and anonymised ballots as a `.pb` file: voters numbered 1…n in an order that tells
    nothing (the ballots' random ids), no personal data; `selected` (proposal ids) marks the winners, by
    default those of the certified outcome if there is one."""
    from app.voting.budget_services import _ballot_rows, ballot_projects, project_key

    budget = process.budget
    projects = ballot_projects(process)
    on_ballot = {p.id for p in projects}
    rows = _ballot_rows(process)
    votes_per_project = {p.id: 0 for p in projects}
    style = BallotStyle(budget.ballot_style)
    vote_type = {BallotStyle.APPROVAL: "approval", BallotStyle.KNAPSACK: "approval",
                 BallotStyle.CUMULATIVE: "cumulative", BallotStyle.ORDINAL: "ordinal"}[style]
    vote_columns = ["voter_id", "vote"] + (["points"] if style == BallotStyle.CUMULATIVE else [])
    votes = []
    keys = {p.id: project_key(p) for p in projects}
    for number, ballot_id in enumerate(sorted(rows), start=1):
        items = [t for t in rows[ballot_id] if t[0] in on_ballot]
        items.sort(key=lambda t: (t[2] or 0, t[0]) if style == BallotStyle.ORDINAL else t[0])
        for pid, _points, _rank in items:
            votes_per_project[pid] += 1
        vote = {"voter_id": str(number), "vote": ",".join(keys[pid] for pid, _p, _r in items)}
        if style == BallotStyle.CUMULATIVE:
            vote["points"] = ",".join(str(points) for _pid, points, _r in items)
        votes.append(vote)
    certified = db.session.get(BudgetOutcome, process.id)
    if selected is None and certified is not None:
        selected = set(certified.winner_ids)
    rule = rule or (certified.rule if certified else budget.rule)
    project_columns = ["project_id", "cost", "votes", "name"] + (["selected"] if selected is not None else [])
    project_rows = []
    for p in projects:
        row = {"project_id": keys[p.id], "cost": _number(str(p.cost)), "votes": str(votes_per_project[p.id]),
               "name": p.title}
        if selected is not None:
            row["selected"] = "1" if p.id in selected else "0"
        project_rows.append(row)
    meta = {
        "description": process.title_en or process.title_ko,
        "country": "",
        "unit": process.city.name_en,
        "instance": process.slug,
        "num_projects": str(len(projects)),
        "num_votes": str(len(votes)),
        "budget": _number(str(budget.amount)),
        "vote_type": vote_type,
        "rule": OUR_RULES_AS_PB[OutcomeRule(rule)],
        "currency": budget.currency,
    }
    if budget.min_projects is not None:
        meta["min_length"] = str(budget.min_projects)
    if budget.max_projects is not None:
        meta["max_length"] = str(budget.max_projects)
    if style == BallotStyle.CUMULATIVE:
        meta["max_sum_points"] = str(budget.points_total)
        if budget.points_max is not None:
            meta["max_points"] = str(budget.points_max)
    meta = {k: v for k, v in meta.items() if v != ""}
    return pabulib.dump(meta, project_columns, project_rows, vote_columns, votes)
