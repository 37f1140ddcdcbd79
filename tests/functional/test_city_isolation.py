"""The cross-city refusal matrix: a role in one city grants nothing in another.

City B is the seeded demo's Seoul (every kind of object exists there: processes with phases, proposals,
comments, debates, polls, a certified budget, plans, items, local targets, indicators and readings, results,
statements, a vision, support tiers, role grants, practices…). City A is a fresh city with one account per role
(citizen, facilitator, planner, moderator, admin). For each A-role the test walks EVERY rule of `app.url_map`,
builds its URL with city B's slug and B's objects, and sends each of the rule's methods (GET, POST with an empty
form: CSRF is off in tests, and a route must refuse before it validates):

- staff-only and management endpoints (everything not allow-listed below) must answer 403 or 404, never 200, a
  redirect or a 422, for GET and POST alike;
- public pages of B (allow-listed) may answer 200, but must not link to B's management pages;
- citizen-level writes (allow-listed) are made by someone who is not a member of B: they must be refused
  (403/404, or a redirect to join the city/log in), and for every POST of every kind the database must not
  change: the row count of every table, and the content of every table except the ones listed as bookkeeping.

The JSON API (/api/v1) never reads the session cookie, so the web walk skips it; a token pass walks every API
rule instead, as each A-role holding a write token: reads of B's public things may answer 200 (in B's URL space),
B's objects are never reached from A's URL space, and every write is refused (403/404/422) and changes nothing.
"""
from __future__ import annotations

import hashlib
import re
from itertools import product

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    City,
    Comment,
    Debate,
    Indicator,
    IndicatorReading,
    LocalTarget,
    Membership,
    Notification,
    Organization,
    Phase,
    Plan,
    PlanItem,
    Poll,
    Practice,
    PracticeQuestion,
    PracticeState,
    Process,
    Proposal,
    Result,
    Role,
    RoleGrant,
    Statement,
    SupportThreshold,
    User,
)
from tests.conftest import login

# Minutes: thousands of requests. Whether a route checks its city is decided in Python, not by the database:
# the SQLite pass is enough.
pytestmark = [pytest.mark.slow, pytest.mark.single_db]

ROLES = ("citizen", Role.FACILITATOR, Role.PLANNER, Role.MODERATOR, Role.ADMIN)

# Not about city B at all: one's own account, static files, the shared SDG pages and libraries.
NOT_CITY_SCOPED = {
    "static", "main.index", "main.healthz", "main.set_language", "main.privacy", "main.terms",
    "auth.account", "auth.confirm", "auth.resend_confirmation", "auth.login", "auth.logout", "auth.change_password",
    "auth.register", "auth.reset_request", "auth.reset_password", "auth.download_data", "auth.delete_account",
    "notifications.index", "notifications.mark_all_read",
    "sdgs.index", "sdgs.goal",
    "practices.library", "practices.organizations", "practices.new_organization",
    "api_tokens.index", "api_tokens.revoke",
}

# Pages of B anyone may read (a GET may answer 200, and must not link to B's management pages).
PUBLIC_READS = {
    "cities.home", "cities.process", "cities.person", "cities.join", "city_practices.city_css",
    "proposals.index", "proposals.show",
    "deliberation.show_comment", "deliberation.debate", "deliberation.reply",
    "voting.show_poll", "voting.poll_results", "voting.budget_results", "voting.budget_ballots_file",
    "voting.residence", "voting.budget_ballot", "voting.verify",
    "vision.statements", "vision.show_statement", "vision.opinion_map", "vision.show_vision", "vision.vision_json",
    "vision.vision_pdf", "vision.vision_print", "vision.vision_versions",
    "planning.plans", "planning.plan", "planning.plan_item", "planning.results_index", "planning.result_show",
    "planning.progress_overview", "planning.progress_goal", "planning.city_goal",
    "city_practices.city_practices", "practices.show", "practices.organization",
    "moderation.flag", "moderation.request_review", "proposals.new", "proposals.withdraw",
    "exports.open_data", "exports.open_data_catalog", "exports.open_data_download",
}

# Citizen-level writes in B: an A-role is not a member of B, so each must be refused, and change nothing.
CITIZEN_WRITES = {
    "proposals.new", "deliberation.comment_on_proposal", "deliberation.comment_on_debate", "deliberation.vote",
    "voting.support", "voting.withdraw_support", "voting.cast_poll_ballot", "voting.budget_ballot",
    "vision.add_statement", "vision.vote_statement", "vision.endorse_vision", "voting.save_residence",
    "voting.verify", "moderation.flag", "moderation.request_review", "proposals.withdraw", "proposals.edit",
}

# Writes across cities that are the point of the feature, or joining B itself: allowed, not checked for "no
# change" (each has its own tests).
CROSS_CITY_WRITES = {
    ("cities.join", "POST"),  # anyone may join another city (and then is a citizen there, not staff)
    ("moderation.flag", "POST"),  # anyone signed in may flag what they can read; B's moderators review it
    ("practices.ask", "POST"),  # a member of any city may ask B about its published practice
    ("deliberation.follow", "POST"),  # following a public proposal or debate
}

# In city A's own URL space, B's objects are not found (404) or refused, public or not; except replicating B's
# published practice into A, which is what the practice library is for (A's planners may).
LEGIT_IN_A = {"city_practices.replicate"}

# Tables that legitimately change on any request (sessions and the like): counted, not fingerprinted; the
# SDG reference data and the (large, append-only) statement votes are counted only, to keep the walk fast.
BOOKKEEPING = {"users", "sdg_goals", "sdg_targets", "sdg_indicators", "statement_votes", "api_tokens"}  # a token notes its last use
OBJECT_ARGUMENTS = {"goal", "number", "city_slug", "name", "fmt"}  # arguments that are not B's rows

MANAGEMENT_LINK = re.compile(r'href="/c/seoul/(manage|moderation|roles|audit)\b')


def _fingerprint(db) -> dict:
    """{table: (row count, digest of every row)} for every table (digest skipped for bookkeeping tables)."""
    result = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            count = conn.execute(select(func.count()).select_from(table)).scalar()
            digest = None
            if table.name not in BOOKKEEPING:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execute(select(table).order_by(*order)).all()
                digest = hashlib.sha1(repr(rows).encode()).hexdigest()
            result[table.name] = (count, digest)
    return result


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _objects_of_b(db, seoul) -> dict[str, list]:
    """Candidate values for each URL argument: ids of B's objects (several where the route may behave differently
    for each, e.g. every process, every moderated kind, a draft and a published practice)."""
    in_b = lambda model: select(model).join(Process, model.process_id == Process.id).where(Process.city_id == seoul.id)  # noqa: E731
    processes = db.session.scalars(select(Process).where(Process.city_id == seoul.id).order_by(Process.id)).all()
    comment = db.session.scalars(select(Comment).join(Proposal, Comment.proposal_id == Proposal.id)
                                 .join(Process, Proposal.process_id == Process.id)
                                 .where(Process.city_id == seoul.id).order_by(Comment.id)).first()
    proposal = db.session.get(Proposal, comment.proposal_id)  # one with a thread
    debate = db.session.scalars(in_b(Debate).order_by(Debate.id)).first()
    poll = db.session.scalars(in_b(Poll)).first()
    tier = db.session.scalars(in_b(SupportThreshold)).first()
    phase = db.session.scalars(in_b(Phase)).first()
    plan = db.session.scalars(select(Plan).where(Plan.city_id == seoul.id)).first()
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)).first()
    indicator = db.session.scalars(select(Indicator).join(PlanItem).where(PlanItem.plan_id == plan.id)).first()
    reading = db.session.scalars(select(IndicatorReading).where(IndicatorReading.indicator_id == indicator.id)).first()
    local = db.session.scalars(select(LocalTarget).where(LocalTarget.city_id == seoul.id)).first()
    result = db.session.scalars(select(Result).where(Result.city_id == seoul.id)).first()
    statement = db.session.scalars(in_b(Statement)).first()
    citizen = db.session.scalar(select(User).where(User.email == "citizen@madang.example"))
    admin_grant = db.session.scalars(select(RoleGrant).join(Membership).where(
        Membership.city_id == seoul.id, RoleGrant.role == Role.ADMIN.value)).first()
    published = db.session.scalars(select(Practice).where(Practice.city_id == seoul.id,
                                                          Practice.state == PracticeState.PUBLISHED)).first()
    planner = db.session.scalar(select(User).where(User.email == "planner@madang.example"))
    # What the seed lacks, made here: a draft practice, a question to B, an organization of B, a notification.
    draft = Practice(city_id=seoul.id, author_id=planner.id, theme="safety", title_en="A draft of Seoul",
                     state=PracticeState.DRAFT)
    db.session.add(draft)
    db.session.flush()
    question = PracticeQuestion(practice_id=published.id, author_id=citizen.id, body="How did you pay for it?")
    organization = Organization(city_id=seoul.id, name="Mapo cycling club", kind="community_group",
                                level="neighbourhood", created_by_id=planner.id)
    db.session.add_all([question, organization])
    db.session.flush()
    note = db.session.scalars(select(Notification).where(Notification.city_id == seoul.id)).first()
    if note is None:
        note = Notification(user_id=planner.id, city_id=seoul.id, kind="practice_question",
                            target_type="practice", target_id=published.id)
        db.session.add(note)
    db.session.commit()
    found = dict(proposal=proposal, debate=debate, comment=comment, poll=poll, tier=tier, phase=phase, item=item,
                 indicator=indicator, reading=reading, local=local, result=result, statement=statement,
                 admin_grant=admin_grant, published=published)
    assert all(found.values()), [name for name, row in found.items() if row is None]
    return {
        "city_slug": ["seoul", "alpha"], "process_id": [p.id for p in processes], "proposal_id": [proposal.id],
        "comment_id": [comment.id], "debate_id": [debate.id], "poll_id": [poll.id], "tier_id": [tier.id],
        "phase_id": [phase.id], "plan_id": [plan.id], "item_id": [item.id], "indicator_id": [indicator.id],
        "reading_id": [reading.id], "target_id": [local.id], "result_id": [result.id],
        "statement_id": [statement.id], "user_id": [citizen.id], "grant_id": [admin_grant.id],
        "practice_id": [published.id, draft.id], "question_id": [question.id],
        "organization_id": [organization.id], "note_id": [note.id], "goal": [11], "number": [11],
        "kind": ["proposal", "comment", "debate"], "ident": sorted({proposal.id, comment.id, debate.id}),
        "name": ["proposals", "statement-votes"], "fmt": ["csv", "xlsx"],  # a dataset and its format
        # Values that must agree with each other in one URL.
        "_pairs": {"poll_id": ("process_id", poll.process_id), "tier_id": ("process_id", tier.process_id),
                   "ident": ("kind", {("proposal", proposal.id), ("comment", comment.id), ("debate", debate.id)})},
    }


def _urls(rule, values: dict) -> list[str]:
    from flask import url_for

    names = sorted(rule.arguments)
    combos = []
    for combo in product(*(values[name] for name in names)):
        args = dict(zip(names, combo))
        pairs = values["_pairs"]
        if "poll_id" in args and "process_id" in args and args["process_id"] != pairs["poll_id"][1]:
            continue
        if "tier_id" in args and "process_id" in args and args["process_id"] != pairs["tier_id"][1]:
            continue
        if "kind" in args and "ident" in args and (args["kind"], args["ident"]) not in pairs["ident"][1]:
            continue
        combos.append(args)
    return [url_for(rule.endpoint, **args) for args in combos]


def _walk(app, client, values, only: set[str] | None = None,
          headers: dict | None = None) -> list[tuple[str, str, str, int, str]]:
    """Every (endpoint, method, url) with its status and what was wrong; [] when everything was refused.
    Each city rule is walked twice: in B's URL space with B's objects, and in A's own URL space with B's object
    ids (the classic cross-tenant bug: a route that loads a row by id without checking its city)."""
    problems, seen = [], 0
    state = _fingerprint(_db)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if endpoint in NOT_CITY_SCOPED or "token" in rule.arguments or "filename" in rule.arguments:
            continue
        if endpoint.startswith("api.") and headers is None:
            continue  # the API ignores the session: walked by the token pass
        if only is not None and endpoint not in only:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{endpoint}: no B object for {missing}: add one to _objects_of_b"
        with app.test_request_context():
            urls = _urls(rule, values)
        assert urls, endpoint
        for url, method in product(urls, sorted(rule.methods - {"HEAD", "OPTIONS"})):
            in_a = url.startswith(("/c/alpha/", "/api/v1/cities/alpha/"))
            if in_a and not (set(rule.arguments) - OBJECT_ARGUMENTS):
                continue  # A's own page about A: not a cross-city request
            seen += 1
            if (endpoint, method) in CROSS_CITY_WRITES or (in_a and endpoint in LEGIT_IN_A):
                continue
            if headers is not None:
                if not endpoint.startswith("api.") or (endpoint, method) in API_NOT_CITY_SCOPED:
                    continue
                response = client.open(url, method=method, headers=headers,
                                       json=_api_body(endpoint) if method != "GET" else None)
                _check_api(problems, endpoint, method, url, response, in_a)
                if method != "GET":
                    after = _fingerprint(_db)
                    if _changed(state, after):
                        problems.append((endpoint, method, url, response.status_code, f"changed {_changed(state, after)}"))
                    state = after
                continue
            response = client.open(url, method=method, data={} if method == "POST" else None)
            status, location = response.status_code, response.headers.get("Location", "")
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            if method == "POST":
                after = _fingerprint(_db)
                changed = _changed(state, after)
                state = after
                if changed:
                    problems.append((endpoint, method, url, status, f"changed {changed}"))
                    continue
            if status >= 500:
                problems.append((endpoint, method, url, status, "server error"))
            elif in_a:
                if status not in (403, 404):
                    problems.append((endpoint, method, url, status, f"B's object reached from A → {location}"))
            elif endpoint in PUBLIC_READS and method == "GET":
                if status not in (200, 403, 404) and not (status == 302 and _is_join_or_back(location)):
                    problems.append((endpoint, method, url, status, f"unexpected status → {location}"))
                elif MANAGEMENT_LINK.search(body):
                    problems.append((endpoint, method, url, status, "links to B's management pages"))
            elif endpoint in CITIZEN_WRITES and method == "POST":
                if status not in (403, 404) and not (status == 302 and _is_join_or_back(location)):
                    problems.append((endpoint, method, url, status, f"not refused → {location}"))
            elif status not in (403, 404):
                problems.append((endpoint, method, url, status, f"not refused → {location}"))
    changed = _changed(state, _fingerprint(_db))
    if changed:
        problems.append(("(a GET)", "GET", "?", 0, f"changed {changed} after the last POST"))
    _walk.requests = seen
    return problems


def _is_join_or_back(location: str) -> bool:
    """A refusal that sends a non-member of B to join it (or back to the public page they came from, with a
    flash saying why); never a login page (they are logged in) and never a management page."""
    return "/auth/login" not in location and not MANAGEMENT_LINK.search(f'href="{location}')


@pytest.fixture
def two_cities(app, make, db):
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed", "demo", "--password", "demo password 2026"])
    assert seeded.exit_code == 0, seeded.output
    seoul = db.session.scalar(select(City).where(City.slug == "seoul"))
    alpha = make.city(slug="alpha", name_en="Alpha", name_ko="알파")
    values = _objects_of_b(db, seoul)
    accounts = {role: make.member(alpha, *([] if role == "citizen" else [role]), email=f"alpha-{role}@example.org")
                for role in ROLES}
    return values, accounts


def test_no_role_of_city_a_reaches_into_city_b(app, two_cities):
    values, accounts = two_cities
    report = {}
    for role, user in accounts.items():
        client = app.test_client()
        login(client, user)
        report[str(role)] = _walk(app, client, values)
    problems = [(role, *p) for role, found in report.items() for p in found]
    print(f"walked {_walk.requests} requests per role × {len(accounts)} roles")
    assert not problems, "\n".join(" | ".join(map(str, p)) for p in problems)
    # The walk covered every rule of the app that is about a city (so a new route is walked automatically).
    assert _walk.requests > 150


def test_the_matrix_catches_a_route_that_forgets_its_city_check(app, two_cities, monkeypatch):
    """The walk is able to fail: a plan loaded by id without its city lets A's planner open and save B's plan
    from A's own URL space; the walk reports it (and the write that went through)."""
    from app.models import Plan
    from app.planning import plans

    values, accounts = two_cities
    monkeypatch.setattr(plans, "plan_with_items", lambda plan_id, city: _db.session.get(Plan, plan_id))
    client = app.test_client()
    login(client, accounts[Role.PLANNER])
    problems = _walk(app, client, values, only={"planning.edit_plan"})
    reported = {(endpoint, method, url.split("/")[2]) for endpoint, method, url, _status, _what in problems}
    assert ("planning.edit_plan", "GET", "alpha") in reported
    assert ("planning.edit_plan", "POST", "alpha") in reported


# The token pass ---------------------------------------------------------------------------------------------

API_NOT_CITY_SCOPED = {("api.cities", "GET"), ("api.sdg_goals", "GET"), ("api.sdg_goal", "GET"),
                       ("api.openapi_document", "GET"), ("api.docs", "GET")}


def _api_body(endpoint: str) -> dict:
    """A valid body for each write, so a refusal is the permission's and not the validator's."""
    if endpoint == "api.create_proposal":
        return {"title": "A proposal from another city", "body": "Written by someone who is not a member here."}
    if endpoint == "api.vote_statement":
        return {"vote": "agree"}
    return {"body": "A comment from another city"}


def _check_api(problems: list, endpoint: str, method: str, url: str, response, in_a: bool) -> None:
    status = response.status_code
    if status >= 500:
        problems.append((endpoint, method, url, status, "server error"))
    elif in_a:
        if status != 404:
            problems.append((endpoint, method, url, status, "B's object reached from A"))
    elif method == "GET":
        if status not in (200, 404):
            problems.append((endpoint, method, url, status, "unexpected status"))
    elif status not in (403, 404, 422):
        problems.append((endpoint, method, url, status, "write not refused"))
    if status >= 400 and response.mimetype != "application/problem+json":
        problems.append((endpoint, method, url, status, "not a problem document"))


def test_no_role_of_city_a_writes_into_city_b_with_a_token(app, two_cities):
    from app.api import tokens

    values, accounts = two_cities
    report = {}
    for role, user in accounts.items():
        _token, text = tokens.create_token(user, "isolation", "write", None)
        _db.session.commit()
        report[str(role)] = _walk(app, app.test_client(), values, headers={"Authorization": f"Bearer {text}"})
    problems = [(role, *p) for role, found in report.items() for p in found]
    print(f"walked {_walk.requests} API requests per role × {len(accounts)} roles")
    assert not problems, "\n".join(" | ".join(map(str, p)) for p in problems)
    assert _walk.requests > 40
