"""The evidence of a shared vision, assembled from what a process holds: who took part, where people agree,
each opinion group's outlook, the most supported proposals by SDG goal, what votes decided, the strongest
arguments, recurring themes and what became of it all.

The result is plain JSON kept with the draft (`VisionSummary.evidence`), so a published version keeps the
evidence it was published with. Every item names what it stands on — `{"kind": "statement", "id": 7, …}`,
kinds: statement, proposal, comment, result, budget, poll, map, process — with its figures and, for
text, a copy of it. Only what the public sees is gathered: published statements, proposals neither hidden
nor withdrawn, comments neither hidden nor deleted, nothing by members blocked in the city; results of votes
only once they are public. `withheld` tells which items have been hidden since, so pages leave them out."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import bleach
from sqlalchemy import case, or_, select

from app.extensions import db
from app.facilitation.dashboard import activity_counts, inclusion
from app.markdown import render_markdown
from app.methods.themes import themes_by_language
from app.models import (
    Comment,
    Debate,
    Membership,
    Process,
    Proposal,
    ProposalState,
    Result,
    SdgGoal,
    SdgTarget,
    Statement,
    StatementState,
    StatementVote,
    proposal_targets,
    utcnow,
)
from app.models.accountability import result_proposals
from app.planning.results import progress_by_result
from app.vision.opinion import current_map, group_letter
from app.voting import budget_services, poll_services

EVIDENCE_FORMAT = 1
SECTIONS = ("participation", "consensus", "groups", "proposals", "votes", "arguments", "themes", "results")
TOP_PROPOSALS = 10
TOP_ARGUMENTS = 3  # per side
TOP_THEMES = 10  # per language
THEME_SOURCES = 3
EXCERPT = 280
# Themes read at most this many of the newest texts of each kind: enough to find what recurs, bounded in time.
THEME_TEXTS_PER_KIND = 3000


def assemble(process: Process, now: datetime | None = None) -> dict:
    """The evidence of the process as it stands now."""
    now = now or utcnow()
    blocked = _blocked_users(process)
    return {
        "format": EVIDENCE_FORMAT,
        "generated_at": now.isoformat(),
        "participation": participation(process, now),
        **_opinion_sections(process),
        "proposals": proposals_by_goal(process, blocked),
        "votes": votes(process, now),
        "arguments": arguments(process, blocked),
        "themes": themes(process, blocked),
        "results": results(process),
    }


def _blocked_users(process: Process) -> frozenset[int]:
    return frozenset(db.session.scalars(select(Membership.user_id).where(
        Membership.city_id == process.city_id, Membership.blocked_at.is_not(None))))


def _both(ko: str, en: str) -> dict:
    return {"ko": ko or "", "en": en or ""}


def plain_excerpt(markdown_text: str, limit: int = EXCERPT) -> str:
    """The text of a Markdown body without its markup, cut at a word near `limit` characters."""
    text = " ".join(bleach.clean(render_markdown(markdown_text), tags=set(), strip=True).split())
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + "…"


# Who took part ----------------------------------------------------------------------------------------

def participation(process: Process, now: datetime) -> dict:
    """How many took part, members and imported voters apart, in each way, by district and by age band
    against the census (the facilitators' inclusion monitor, with statement votes and proposals counted)."""
    statement_voters = select(StatementVote.participant_id).where(StatementVote.process_id == process.id)
    proposers = (select(Membership.id).join(Proposal, Proposal.author_id == Membership.user_id)
                 .where(Membership.city_id == process.city_id, Proposal.process_id == process.id))
    found = inclusion(process, now, more_voters=(statement_voters,), more_members=(proposers,))

    def group_rows(comparison, describe):
        return [{**describe(row.key), "people": row.participants, "share": round(row.participant_share, 1),
                 "census_share": round(row.census_share, 1), "gap": round(row.gap, 1),
                 "under_represented": row.under_represented} for row in comparison.rows]

    districts = found.district_names
    return {
        "kind": "process", "id": process.id,
        "people": found.participants,
        "members": found.participants - found.without_membership,
        "imported": found.without_membership,
        "activities": activity_counts(process),
        "census_set": found.census_set,
        "districts": group_rows(found.districts, lambda key: {
            "district_id": key, "name": _both(districts[key].name_ko, districts[key].name_en)}),
        "districts_unknown": found.districts.unknown,
        "age_bands": group_rows(found.ages, lambda key: {
            "label": found.bands[key].label, "min_age": found.bands[key].min_age,
            "max_age": found.bands[key].max_age}),
        "ages_unknown": found.ages.unknown,
    }


# The opinion map ----------------------------------------------------------------------------------------

def _share(entry: dict) -> float:
    votes = entry.get("votes") or 0
    backing = entry.get("agree" if entry.get("direction") == "agree" else "disagree") or 0
    return round(100.0 * backing / votes, 1) if votes else 0.0


def _statement_item(entry: dict, statements: dict[int, Statement]) -> dict | None:
    statement = statements.get(int(entry["statement_id"]))
    if statement is None:
        return None
    return {"kind": "statement", "id": statement.id, "text": statement.body, "language": statement.language or "",
            "direction": entry.get("direction", "agree"), "agree": int(entry.get("agree", 0)),
            "disagree": int(entry.get("disagree", 0)), "passed": int(entry.get("passed", 0)),
            "votes": int(entry.get("votes", 0)), "share": _share(entry)}


def _opinion_sections(process: Process) -> dict:
    """Consensus statements and each group's representative statements, from the process's opinion map."""
    opinion = current_map(process)
    if opinion is None or not opinion.data:
        return {"consensus": {"map": None, "items": []}, "groups": {"map": None, "items": []}}
    data = opinion.data
    wanted = {int(e["statement_id"]) for e in data.get("consensus", [])}
    for group in data.get("groups", []):
        wanted |= {int(e["statement_id"]) for e in group.get("representative", [])}
    statements = {s.id: s for s in db.session.scalars(select(Statement).where(
        Statement.id.in_(wanted), Statement.process_id == process.id,
        Statement.state == StatementState.PUBLISHED))} if wanted else {}
    about = {"kind": "map", "id": process.id, "computed_at": opinion.computed_at.isoformat(),
             "participants": opinion.participants_clustered, "votes": opinion.vote_count,
             "groups": int(data.get("k") or len(data.get("groups", [])))}
    consensus = [item for e in data.get("consensus", []) if (item := _statement_item(e, statements))]
    groups = []
    for position, group in enumerate(data.get("groups", [])):
        items = [item for e in group.get("representative", []) if (item := _statement_item(e, statements))]
        groups.append({"group": int(group.get("id", position)), "label": group_letter(int(group.get("id", position))),
                       "size": int(group.get("size", 0)), "items": items})
    return {"consensus": {"map": about, "items": consensus}, "groups": {"map": about, "items": groups}}


# Proposals by SDG goal ----------------------------------------------------------------------------------

def _public_proposals(process: Process, blocked: frozenset[int]):
    query = select(Proposal).where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None),
                                   Proposal.state != ProposalState.WITHDRAWN)
    if blocked:
        query = query.where(or_(Proposal.author_id.is_(None), Proposal.author_id.not_in(blocked)))
    return query


def proposals_by_goal(process: Process, blocked: frozenset[int]) -> dict:
    """The most supported proposals, under each SDG goal their targets belong to (a proposal serving two goals
    appears under both), then those linked to no goal."""
    top = list(db.session.scalars(_public_proposals(process, blocked).where(Proposal.support_count > 0)
                                  .order_by(Proposal.support_count.desc(), Proposal.id).limit(TOP_PROPOSALS)))
    targets: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if top:
        for proposal_id, goal, code in db.session.execute(
                select(proposal_targets.c.proposal_id, SdgTarget.goal_number, SdgTarget.code)
                .join(SdgTarget, SdgTarget.code == proposal_targets.c.sdg_target_code)
                .where(proposal_targets.c.proposal_id.in_([p.id for p in top]))
                .order_by(SdgTarget.position)):
            targets[proposal_id].append((goal, code))
    numbers = sorted({goal for links in targets.values() for goal, _code in links})
    goals = {g.number: g for g in db.session.scalars(select(SdgGoal).where(SdgGoal.number.in_(numbers)))} \
        if numbers else {}
    grouped: dict[int | None, list[dict]] = defaultdict(list)
    for proposal in top:
        item = {"kind": "proposal", "id": proposal.id, "title": proposal.title, "language": proposal.language,
                "supports": proposal.support_count, "state": proposal.state,
                "targets": [code for _goal, code in targets.get(proposal.id, [])]}
        serves = sorted({goal for goal, _code in targets.get(proposal.id, [])})
        for goal in serves or [None]:
            grouped[goal].append(item)
    items = [{"goal": number, "name": _both(goals[number].short_ko, goals[number].short_en),
              "colour": goals[number].colour, "items": grouped[number]} for number in numbers]
    if grouped.get(None):
        items.append({"goal": None, "name": None, "colour": None, "items": grouped[None]})
    return {"items": items}


# Votes --------------------------------------------------------------------------------------------------

def _money(value) -> str:
    return str(Decimal(value).normalize()) if value is not None else ""


def budget_outcome(process: Process, now: datetime) -> dict | None:
    """The certified budget outcome, else the computed one once the vote is over (when it is public)."""
    if process.budget is None:
        return None
    certified = budget_services.certified_outcome(process)
    if certified is not None:
        winner_ids, ballots, rule = list(certified.winner_ids), certified.ballots_counted, certified.rule
    elif budget_services.voting_over(process, now):
        outcome = budget_services.compute(process)
        winner_ids, ballots, rule = outcome.winner_ids, outcome.count.ballots, outcome.rule
    else:
        return None
    by_id = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(winner_ids)))} \
        if winner_ids else {}
    winners = [{"kind": "proposal", "id": pid, "title": by_id[pid].title, "language": by_id[pid].language,
                "cost": _money(by_id[pid].cost)} for pid in winner_ids if pid in by_id]
    return {"kind": "budget", "id": process.id, "certified": certified is not None, "rule": rule,
            "ballots": ballots, "amount": _money(process.budget.amount), "currency": process.budget.currency,
            "total_cost": _money(sum((by_id[pid].cost or 0 for pid in winner_ids if pid in by_id), Decimal(0))),
            "winners": winners}


def poll_outcomes(process: Process, now: datetime) -> list[dict]:
    """The winner of each poll whose results are public (voting on it has closed), by the poll's method."""
    if not poll_services.voting_over(process, now):
        return []
    found = []
    for poll in poll_services.polls_of(process):
        counted = poll_services.poll_results(poll, now)
        found.append({"kind": "poll", "id": poll.id, "question": _both(poll.question_ko, poll.question_en),
                      "method": poll.method, "ballots": counted.ballots,
                      "winners": [_both(counted.options[i].label_ko, counted.options[i].label_en)
                                  for i in counted.result.winners]})
    return found


def votes(process: Process, now: datetime) -> dict:
    return {"budget": budget_outcome(process, now), "polls": poll_outcomes(process, now)}


# Arguments ----------------------------------------------------------------------------------------------

def _visible_comments(process: Process, blocked: frozenset[int]):
    visible_proposals = select(Proposal.id).where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None))
    visible_debates = select(Debate.id).where(Debate.process_id == process.id, Debate.hidden_at.is_(None))
    query = select(Comment).where(
        Comment.hidden_at.is_(None), Comment.deleted_at.is_(None),
        or_(Comment.proposal_id.in_(visible_proposals), Comment.debate_id.in_(visible_debates)))
    if blocked:
        query = query.where(or_(Comment.author_id.is_(None), Comment.author_id.not_in(blocked)))
    return query


def _on(comment: Comment) -> dict:
    if comment.proposal_id is not None:
        return {"kind": "proposal", "id": comment.proposal_id}
    return {"kind": "debate", "id": comment.debate_id}


def arguments(process: Process, blocked: frozenset[int]) -> dict:
    """The best-scored comments taking each side, on the process's proposals and debates (a score below zero
    is no strength)."""
    sides = {}
    for stance in ("for", "against"):
        rows = list(db.session.scalars(
            _visible_comments(process, blocked).where(Comment.stance == stance, Comment.score >= 0)
            .order_by(Comment.score.desc(), Comment.up_votes.desc(), Comment.created_at, Comment.id)
            .limit(TOP_ARGUMENTS)))
        titles = _thread_titles(rows)
        sides[stance] = [{"kind": "comment", "id": c.id, "text": plain_excerpt(c.body), "language": c.language,
                          "score": c.score, "up": c.up_votes, "down": c.down_votes,
                          "on": {**_on(c), "title": titles[(_on(c)["kind"], _on(c)["id"])]}} for c in rows]
    return {"for": sides["for"], "against": sides["against"]}


def _thread_titles(comments: list[Comment]) -> dict[tuple[str, int], dict | str]:
    proposal_ids = {c.proposal_id for c in comments if c.proposal_id is not None}
    debate_ids = {c.debate_id for c in comments if c.debate_id is not None}
    titles: dict[tuple[str, int], dict | str] = {}
    if proposal_ids:
        for pid, title in db.session.execute(select(Proposal.id, Proposal.title).where(Proposal.id.in_(proposal_ids))):
            titles[("proposal", pid)] = title
    if debate_ids:
        for did, ko, en in db.session.execute(select(Debate.id, Debate.title_ko, Debate.title_en)
                                              .where(Debate.id.in_(debate_ids))):
            titles[("debate", did)] = _both(ko, en)
    return titles


# Themes -------------------------------------------------------------------------------------------------

def _theme_texts(process: Process, blocked: frozenset[int]) -> list[tuple[dict, str]]:
    """(reference, text) for the newest public proposals, statements and comments of the process."""
    texts: list[tuple[dict, str]] = []
    proposals = _public_proposals(process, blocked).with_only_columns(Proposal.id, Proposal.title, Proposal.body)
    for pid, title, body in db.session.execute(
            proposals.order_by(Proposal.created_at.desc()).limit(THEME_TEXTS_PER_KIND)):
        texts.append(({"kind": "proposal", "id": pid}, f"{title}\n{body}"))
    statements = select(Statement.id, Statement.body).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED)
    if blocked:
        statements = statements.where(or_(Statement.author_id.is_(None), Statement.author_id.not_in(blocked)))
    for sid, body in db.session.execute(statements.order_by(Statement.id.desc()).limit(THEME_TEXTS_PER_KIND)):
        texts.append(({"kind": "statement", "id": sid}, body))
    comments = _visible_comments(process, blocked).with_only_columns(
        Comment.id, Comment.proposal_id, Comment.debate_id, Comment.body)
    for cid, proposal_id, debate_id, body in db.session.execute(
            comments.order_by(Comment.created_at.desc()).limit(THEME_TEXTS_PER_KIND)):
        on = {"kind": "proposal", "id": proposal_id} if proposal_id is not None else {"kind": "debate", "id": debate_id}
        texts.append(({"kind": "comment", "id": cid, "on": on}, body))
    return texts


def themes(process: Process, blocked: frozenset[int]) -> dict:
    """Recurring keywords, per language, each with the texts that use it most."""
    texts = _theme_texts(process, blocked)
    found = themes_by_language([text for _ref, text in texts], top=TOP_THEMES)
    items = []
    for language in ("ko", "en"):
        for theme in found[language]:
            items.append({"term": theme.term, "language": language, "weight": theme.weight, "count": theme.count,
                          "sources": [texts[d][0] for d in theme.documents[:THEME_SOURCES]]})
    return {"texts": len(texts), "items": items}


# Results ------------------------------------------------------------------------------------------------

def results(process: Process) -> dict:
    """What the city delivers from the process: its results, and results made from its proposals (top-level
    results only: a part shows on its parent's page)."""
    from_proposals = select(result_proposals.c.result_id).where(
        result_proposals.c.proposal_id.in_(select(Proposal.id).where(Proposal.process_id == process.id)))
    rows = list(db.session.scalars(select(Result).where(
        Result.city_id == process.city_id, Result.parent_id.is_(None),
        or_(Result.process_id == process.id, Result.id.in_(from_proposals))).order_by(Result.id)))
    progress = progress_by_result(process.city) if rows else {}
    return {"items": [{"kind": "result", "id": r.id, "title": _both(r.title_ko, r.title_en), "status": r.status,
                       "progress": None if progress.get(r.id) is None else round(float(progress[r.id]), 1)}
                      for r in rows]}


# What has been hidden since -----------------------------------------------------------------------------

def references(evidence: dict):
    """Every (kind, id) the evidence stands on."""
    def walk(node):
        if isinstance(node, dict):
            if node.get("kind") in ("statement", "proposal", "comment") and "id" in node:
                yield node["kind"], int(node["id"])
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    return set(walk(evidence or {}))


def withheld(evidence: dict, city_id: int) -> set[tuple[str, int]]:
    """The statements, proposals and comments of the evidence that the public no longer sees (rejected,
    hidden, withdrawn, deleted, by a member blocked since, or — for a comment — in a thread hidden since):
    three queries at most."""
    refs = references(evidence)
    wanted = {kind: [i for k, i in refs if k == kind] for kind in ("statement", "proposal", "comment")}
    blocked = select(Membership.user_id).where(Membership.city_id == city_id, Membership.blocked_at.is_not(None))
    hidden_proposals = select(Proposal.id).where(Proposal.hidden_at.is_not(None))
    hidden_debates = select(Debate.id).where(Debate.hidden_at.is_not(None))
    gone: set[tuple[str, int]] = set()
    checks = (
        ("statement", Statement, or_(Statement.state != StatementState.PUBLISHED, Statement.author_id.in_(blocked))),
        ("proposal", Proposal, or_(Proposal.hidden_at.is_not(None), Proposal.state == ProposalState.WITHDRAWN,
                                   Proposal.author_id.in_(blocked))),
        ("comment", Comment, or_(Comment.hidden_at.is_not(None), Comment.deleted_at.is_not(None),
                                 Comment.author_id.in_(blocked), Comment.proposal_id.in_(hidden_proposals),
                                 Comment.debate_id.in_(hidden_debates))),
    )
    for kind, model, hidden in checks:
        if wanted[kind]:
            shown = dict(db.session.execute(select(model.id, case((hidden, False), else_=True))
                                            .where(model.id.in_(wanted[kind]))).all())
            gone |= {(kind, i) for i in wanted[kind] if not shown.get(i, False)}
    return gone


def redact(evidence: dict, gone: set[tuple[str, int]]) -> dict:
    """A copy of the evidence in which the items no longer public keep their kind, id and figures but lose
    their text (and a comment the title of its thread), marked `"withheld": true`."""
    def walk(node):
        if isinstance(node, dict):
            copy = {key: walk(value) for key, value in node.items()}
            if (copy.get("kind"), copy.get("id")) in gone:
                copy["withheld"] = True
                for key in ("text", "title"):
                    if key in copy:
                        copy[key] = ""
                if isinstance(copy.get("on"), dict):
                    copy["on"] = {**copy["on"], "title": ""}
            return copy
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(evidence or {})
