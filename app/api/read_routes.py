"""Reading: every public resource, as an anonymous visitor of the web pages sees it. Each list reuses the web's
own query and visibility rules (hidden content, blocked authors, published statements and visions only)."""
from __future__ import annotations

from flask import abort, g, jsonify, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from app.api import bp, listing, serializers as show
from app.api.registry import Param, operation
from app.extensions import db
from app.models import (
    City,
    Comment,
    Debate,
    Indicator,
    Plan,
    PlanItem,
    Process,
    Proposal,
    ProposalState,
    Result,
    ResultStatus,
    SdgGoal,
    Statement,
    StatementState,
    proposal_plan_items,
    proposal_targets,
    utcnow,
)
from app.views import load_city


@bp.url_value_preprocessor
def _pull_city(endpoint, values):
    if values is not None and "city_slug" in values:
        load_city(values.pop("city_slug"))


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}Page"}


def _in_city(model, ident: int, city_of):
    row = db.session.get(model, ident)
    if row is None or city_of(row) != g.city.id:
        abort(404)
    return row


def _blocked() -> frozenset[int]:
    from app.moderation.services import blocked_user_ids

    return blocked_user_ids(g.city)


# Cities and processes -----------------------------------------------------------------------------------

@bp.route("/cities")
@operation(summary="List the cities", tag="Cities", response=_page("City"), paginated=True)
def cities():
    return jsonify(listing.page_of(select(City).order_by(City.slug), show.city))


@bp.route("/cities/<city_slug>")
@operation(summary="One city, with the licence of its open data", tag="Cities", response=_ref("City"))
def city():
    return jsonify(show.city(g.city))


@bp.route("/cities/<city_slug>/processes")
@operation(summary="The processes of a city, with their phases", tag="Processes", response=_page("Process"),
           paginated=True)
def processes():
    now = utcnow()
    query = select(Process).where(Process.city_id == g.city.id).order_by(Process.created_at.desc(), Process.id.desc())
    return jsonify(listing.page_of(query, lambda p: show.process(p, now)))


@bp.route("/cities/<city_slug>/processes/<int:process_id>")
@operation(summary="One process, with its phases", tag="Processes", response=_ref("Process"))
def process(process_id: int):
    return jsonify(show.process(_in_city(Process, process_id, lambda p: p.city_id)))


# Proposals ----------------------------------------------------------------------------------------------

PROPOSAL_SORTS = ("newest", "oldest", "supports")

PROPOSAL_PARAMS = (
    Param("state", {"type": "string", "enum": [s.value for s in ProposalState]}, "Only proposals in this state.",
          "published"),
    Param("goal", {"type": "integer", "minimum": 1, "maximum": 17}, "Only proposals linked to a target of this SDG "
          "goal.", 11),
    Param("target", {"type": "string", "maxLength": 8}, "Only proposals linked to this SDG target (a code).", "11.2"),
    Param("plan_item", {"type": "integer", "minimum": 1}, "Only proposals linked to this plan item (an id).", 1),
    Param("district", {"type": "integer", "minimum": 1}, "Only proposals about this district (an id).", 1),
    Param("q", {"type": "string", "maxLength": 100}, "Words the title or text contains.", "bike"),
    Param("sort", {"type": "string", "enum": list(PROPOSAL_SORTS), "default": "newest"}, "The order.", "supports"),
)


def _proposal_filters():
    from app.proposals import services

    return services.ProposalFilters(
        include_hidden=False, blocked_authors=_blocked(), q=listing.text_arg("q", 100),
        goal=listing.int_arg("goal", 1, 17), district_id=listing.int_arg("district", 1, 2**31 - 1),
        state=listing.choice_arg("state", [s.value for s in ProposalState]),
        sort=listing.choice_arg("sort", PROPOSAL_SORTS) or "newest")


@bp.route("/cities/<city_slug>/processes/<int:process_id>/proposals")
@operation(summary="The proposals of a process", tag="Proposals", response=_page("Proposal"), paginated=True,
           params=PROPOSAL_PARAMS,
           description="Hidden proposals and those of authors blocked in the city are left out, as on the web.")
def proposals(process_id: int):
    from app.proposals import services

    process = _in_city(Process, process_id, lambda p: p.city_id)
    query = services.proposals_query(process, _proposal_filters())
    target = listing.text_arg("target", 8)
    if target:
        query = query.where(exists().where(proposal_targets.c.proposal_id == Proposal.id,
                                           proposal_targets.c.sdg_target_code == target))
    item = listing.int_arg("plan_item", 1, 2**31 - 1)
    if item:
        query = query.where(exists().where(proposal_plan_items.c.proposal_id == Proposal.id,
                                           proposal_plan_items.c.plan_item_id == item))
    query = query.options(selectinload(Proposal.plan_items), selectinload(Proposal.organization))
    slug = g.city.slug
    return jsonify(listing.page_of(query, lambda p: show.proposal(p, slug)))


def public_proposal(proposal_id: int) -> Proposal:
    """A proposal of this city that the public may read: not hidden, its author not blocked here (else 404)."""
    proposal = _in_city(Proposal, proposal_id, lambda p: p.process.city_id)
    if proposal.hidden_at is not None or (proposal.author_id is not None and proposal.author_id in _blocked()):
        abort(404)
    return proposal


@bp.route("/cities/<city_slug>/proposals/<int:proposal_id>")
@operation(summary="One proposal", tag="Proposals", response=_ref("Proposal"))
def proposal(proposal_id: int):
    return jsonify(show.proposal(public_proposal(proposal_id), g.city.slug))


# Comments and debates -----------------------------------------------------------------------------------

def _comments(condition):
    blocked = _blocked()
    query = (select(Comment).where(condition).options(joinedload(Comment.author))
             .order_by(Comment.created_at, Comment.id))
    return jsonify(listing.page_of(query, lambda c: show.comment(c, blocked)))


COMMENTS_DESCRIPTION = ("Every comment of the thread, oldest first; replies carry their parent's id (and their "
                        "thread's top-level comment as root_id). A deleted or hidden comment stays as a "
                        "placeholder without author or text, so the thread keeps its shape.")


@bp.route("/cities/<city_slug>/proposals/<int:proposal_id>/comments")
@operation(summary="The comments on a proposal", tag="Comments", response=_page("Comment"), paginated=True,
           description=COMMENTS_DESCRIPTION)
def proposal_comments(proposal_id: int):
    return _comments(Comment.proposal_id == public_proposal(proposal_id).id)


def public_debate(debate_id: int) -> Debate:
    debate = _in_city(Debate, debate_id, lambda d: d.process.city_id)
    if debate.hidden_at is not None:
        abort(404)
    return debate


@bp.route("/cities/<city_slug>/processes/<int:process_id>/debates")
@operation(summary="The debates of a process", tag="Debates", response=_page("Debate"), paginated=True)
def debates(process_id: int):
    process = _in_city(Process, process_id, lambda p: p.city_id)
    now, slug = utcnow(), g.city.slug
    query = (select(Debate).where(Debate.process_id == process.id, Debate.hidden_at.is_(None))
             .order_by(Debate.created_at, Debate.id))
    return jsonify(listing.page_of(query, lambda d: show.debate(d, slug, now)))


@bp.route("/cities/<city_slug>/debates/<int:debate_id>")
@operation(summary="One debate", tag="Debates", response=_ref("Debate"))
def debate(debate_id: int):
    return jsonify(show.debate(public_debate(debate_id), g.city.slug))


@bp.route("/cities/<city_slug>/debates/<int:debate_id>/comments")
@operation(summary="The comments on a debate", tag="Comments", response=_page("Comment"), paginated=True,
           description=COMMENTS_DESCRIPTION)
def debate_comments(debate_id: int):
    return _comments(Comment.debate_id == public_debate(debate_id).id)


# Statements, the opinion map and the vision ----------------------------------------------------------------

@bp.route("/cities/<city_slug>/processes/<int:process_id>/statements")
@operation(summary="The published statements of a process", tag="Statements", response=_page("Statement"),
           paginated=True, description="The most voted on first. Statements waiting for approval and rejected "
                                       "ones are not public.")
def statements(process_id: int):
    from app.vision.statements import published

    process = _in_city(Process, process_id, lambda p: p.city_id)
    return jsonify(listing.page_of(published(process), show.statement))


def public_statement(statement_id: int) -> Statement:
    statement = _in_city(Statement, statement_id, lambda s: db.session.get(Process, s.process_id).city_id)
    if statement.state != StatementState.PUBLISHED:
        abort(404)
    return statement


@bp.route("/cities/<city_slug>/statements/<int:statement_id>")
@operation(summary="One published statement, with its tallies", tag="Statements", response=_ref("Statement"))
def statement(statement_id: int):
    return jsonify(show.statement(public_statement(statement_id)))


@bp.route("/cities/<city_slug>/processes/<int:process_id>/opinion-map")
@operation(summary="The opinion map of a process", tag="Statements", response=_ref("OpinionMap"),
           description="The groups of participants who voted alike (their sizes, never who is in them), each "
                       "group's representative statements, the statements most agree on and those that divide. "
                       "`available` is false while nobody has voted on a published statement.")
def opinion_map(process_id: int):
    from app.vision import opinion

    process = _in_city(Process, process_id, lambda p: p.city_id)
    state = opinion.map_state(process)
    if state.computed:
        db.session.commit()  # kept for the next reader, as the web page does
    return jsonify(_opinion_document(process, state))


def _opinion_document(process: Process, state) -> dict:
    stored = state.opinion_map
    if stored is None:
        return {"process_id": process.id, "available": False, "stale": False, "computed_at": None,
                "participants_clustered": 0, "vote_count": 0, "groups": [], "consensus": [], "divisive": []}
    data = stored.data or {}
    published = set(db.session.scalars(select(Statement.id).where(Statement.process_id == process.id,
                                                                  Statement.state == StatementState.PUBLISHED)))

    def public(entries, keys):
        return [{key: entry.get(key) for key in keys} for entry in entries or ()
                if entry.get("statement_id") in published]

    statement_keys = ("statement_id", "direction", "agree", "disagree", "passed", "votes")
    return {
        "process_id": process.id, "available": True, "stale": state.stale, "computed_at": show.moment(stored.computed_at),
        "participants_clustered": stored.participants_clustered, "vote_count": stored.vote_count,
        "groups": [{"id": group["id"], "size": group["size"],
                    "representative": public(group.get("representative"), statement_keys)}
                   for group in data.get("groups", [])],
        "consensus": public(data.get("consensus"), statement_keys),
        "divisive": public(data.get("divisive"), ("statement_id", "score", "agree_shares")),
    }


@bp.route("/cities/<city_slug>/processes/<int:process_id>/vision/versions")
@operation(summary="The published versions of a process's shared vision", tag="Vision",
           response=_page("VisionVersion"), paginated=True)
def vision_versions(process_id: int):
    from app.vision import summaries

    process = _in_city(Process, process_id, lambda p: p.city_id)
    return jsonify(listing.list_of(summaries.published_versions(process), lambda s: {
        "version": s.version, "title": s.title, "language": s.language, "published_at": show.moment(s.published_at)}))


@bp.route("/cities/<city_slug>/processes/<int:process_id>/vision")
@operation(summary="A published version of the shared vision (the latest by default)", tag="Vision",
           response=_ref("Vision"),
           params=(Param("version", {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                         "A published version number; the latest without it.", 1),),
           description="The same document as the vision's JSON download on the web (plus a `self` link): the "
                       "facilitators' text and the evidence as the public may see it now.")
def vision(process_id: int):
    from app.vision import summaries
    from app.vision.document import vision_document

    process = _in_city(Process, process_id, lambda p: p.city_id)
    number = listing.int_arg("version", 1, 999_999_999)
    summary = summaries.latest_published(process) if number is None else summaries.published_version(process, number)
    if summary is None:
        abort(404)
    document = vision_document(summary)
    document["links"]["self"] = url_for("api.vision", city_slug=g.city.slug, process_id=process.id,
                                        version=summary.version, _external=True)
    return jsonify(document)


# Plans and results ---------------------------------------------------------------------------------------

@bp.route("/cities/<city_slug>/plans")
@operation(summary="The plans of a city", tag="Plans", response=_page("Plan"), paginated=True)
def plans():
    from app.planning.plans import plans_of

    slug = g.city.slug
    return jsonify(listing.list_of(plans_of(g.city), lambda p: show.plan(p, slug)))


@bp.route("/cities/<city_slug>/plans/<int:plan_id>")
@operation(summary="One plan, with its items", tag="Plans", response=_ref("PlanWithItems"))
def plan(plan_id: int):
    from app.planning.plans import plan_with_items

    found = plan_with_items(plan_id, g.city)
    if found is None:
        abort(404)
    return jsonify(show.plan(found, g.city.slug, items=True))


@bp.route("/cities/<city_slug>/plan-items/<int:item_id>")
@operation(summary="One plan item, with its indicators and their readings", tag="Plans",
           response=_ref("PlanItemDetails"))
def plan_item(item_id: int):
    from app.planning.plans import item_in_city

    item = item_in_city(item_id, g.city, selectinload(PlanItem.sdg_targets), selectinload(PlanItem.local_targets),
                        selectinload(PlanItem.indicators).selectinload(Indicator.readings))
    if item is None:
        abort(404)
    return jsonify(show.plan_item(item, g.city.slug, details=True))


RESULT_PARAMS = (
    Param("status", {"type": "string", "enum": [s.value for s in ResultStatus]}, "Only results with this status.",
          "in_progress"),
    Param("goal", {"type": "integer", "minimum": 1, "maximum": 17}, "Only results serving this SDG goal.", 11),
)


@bp.route("/cities/<city_slug>/results")
@operation(summary="The results of a city, with their progress", tag="Results", response=_page("Result"),
           paginated=True, params=RESULT_PARAMS,
           description="Progress is in percent; a result with parts takes the average of its parts.")
def results():
    from app.planning import results as services

    status = listing.choice_arg("status", [s.value for s in ResultStatus])
    goal = listing.int_arg("goal", 1, 17)
    query = select(Result).where(Result.city_id == g.city.id).order_by(Result.id.desc())
    if status:
        query = query.where(Result.status == status)
    if goal:
        query = query.where(Result.id.in_(services.result_ids_for_goal(g.city, goal)))
    progress, goals, slug = services.progress_by_result(g.city), services.goals_by_result(g.city), g.city.slug
    return jsonify(listing.page_of(query, lambda r: show.result(r, slug, progress.get(r.id), goals.get(r.id, set()))))


@bp.route("/cities/<city_slug>/results/<int:result_id>")
@operation(summary="One result, with its updates, indicators and links", tag="Results",
           response=_ref("ResultDetails"))
def result(result_id: int):
    from app.planning import results as services

    found = _in_city(Result, result_id, lambda r: r.city_id)
    linked = [p.id for p in found.proposals]
    visible = set(db.session.scalars(select(Proposal.id).where(Proposal.id.in_(linked), Proposal.hidden_at.is_(None))))
    visible -= {p.id for p in found.proposals if p.author_id in _blocked()}
    return jsonify(show.result(found, g.city.slug, services.progress_by_result(g.city).get(found.id),
                               services.goals_by_result(g.city).get(found.id, set()), details=True,
                               visible_proposals=visible))


# SDGs ----------------------------------------------------------------------------------------------------

@bp.route("/sdg/goals")
@operation(summary="The 17 Sustainable Development Goals", tag="SDGs", response=_page("SdgGoal"), paginated=True)
def sdg_goals():
    return jsonify(listing.page_of(select(SdgGoal).order_by(SdgGoal.number), show.sdg_goal))


@bp.route("/sdg/goals/<int:number>")
@operation(summary="One SDG goal, with its targets", tag="SDGs", response=_ref("SdgGoalWithTargets"))
def sdg_goal(number: int):
    goal = db.session.get(SdgGoal, number, options=[selectinload(SdgGoal.targets)])
    if goal is None:
        abort(404)
    return jsonify(show.sdg_goal(goal, targets=True))
