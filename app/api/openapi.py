"""The OpenAPI 3.1 document of /api/v1, built from the app's URL rules and what each view declares
(app/api/registry.py), with the schemas of every resource below. The documentation page renders it."""
from __future__ import annotations

import re

from flask import current_app, url_for

from app.api.listing import PAGE_PARAMS
from app.api.registry import Operation, Param

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
MOMENT = {"type": "string", "format": "date-time"}
NULLABLE_MOMENT = {"type": ["string", "null"], "format": "date-time"}
DAY = {"type": ["string", "null"], "format": "date"}
DECIMAL = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$", "description": "A decimal number, exact."}
URL = {"type": "string", "format": "uri"}


def _object(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties,
              "required": sorted(properties) if required is None else required}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(items: dict) -> dict:
    return {"type": "array", "items": items}


def _links(*names: str) -> dict:
    return _object({name: URL for name in names})


BILINGUAL = _object({"ko": {"type": "string"}, "en": {"type": "string"}},
                    description="Text staff write in Korean and English (either may be empty).")


def _schemas() -> dict:
    statement_entry = _object({"statement_id": {"type": "integer"}, "direction": {"type": "string"},
                               "agree": {"type": "integer"}, "disagree": {"type": "integer"},
                               "passed": {"type": "integer"}, "votes": {"type": "integer"}})
    indicator = _object({
        "id": {"type": "integer"}, "name": _ref("Bilingual"), "unit": {"type": "string"},
        "sdg_indicator": NULLABLE_STRING, "baseline_value": DECIMAL, "baseline_year": NULLABLE_INT,
        "target_value": DECIMAL, "target_year": NULLABLE_INT,
        "readings": _list(_object({"measured_on": DAY, "value": DECIMAL, "note": {"type": "string"}}))})
    plan_item = {
        "id": {"type": "integer"}, "plan_id": {"type": "integer"}, "code": {"type": "string"},
        "title": _ref("Bilingual"), "description": _ref("Bilingual"), "sdg_targets": _list({"type": "string"}),
        "local_targets": _list(_object({"code": {"type": "string"}, "sdg_target": {"type": "string"},
                                        "title": {"type": "string"}})),
        "links": _links("self", "page")}
    plan = {"id": {"type": "integer"}, "title": _ref("Bilingual"), "description": _ref("Bilingual"),
            "start_year": NULLABLE_INT, "end_year": NULLABLE_INT, "links": _links("self", "page")}
    result = {"id": {"type": "integer"}, "title": _ref("Bilingual"),
              "status": {"type": "string", "enum": ["planned", "in_progress", "completed", "cancelled"]},
              "process_id": NULLABLE_INT, "parent_id": NULLABLE_INT,
              "progress": {**DECIMAL, "description": "Percent done; a result with parts averages its parts."},
              "starts_on": DAY, "ends_on": DAY, "sdg_goals": _list({"type": "integer"}),
              "links": _links("self", "page")}
    sdg_goal = {"number": {"type": "integer", "minimum": 1, "maximum": 17}, "short": _ref("Bilingual"),
                "title": {"type": "string"}, "colour": {"type": "string"}, "links": _links("self")}
    sdg_target = _object({"code": {"type": "string"}, "goal": {"type": "integer"}, "title": {"type": "string"}})
    schemas = {
        "Bilingual": BILINGUAL,
        "Problem": _object({
            "type": URL, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": _list(_object({"field": {"type": "string"}, "message": {"type": "string"}}))},
            required=["type", "title", "status", "detail", "instance"],
            description="An error, as RFC 9457 problem details. Invalid fields are listed in `errors`."),
        "PageMeta": _object({"page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer"},
                             "total": {"type": "integer", "minimum": 0}}),
        "PageLinks": _object({"self": URL, "next": {"type": ["string", "null"], "format": "uri"},
                              "prev": {"type": ["string", "null"], "format": "uri"}}),
        "City": _object({
            "slug": {"type": "string"}, "name": _ref("Bilingual"), "default_locale": {"type": "string"},
            "time_zone": {"type": "string"}, "country_code": NULLABLE_STRING, "region": NULLABLE_STRING,
            "population": NULLABLE_INT,
            "open_data_licence": {"type": "string", "description": "An SPDX identifier (or KOGL-Type1): the "
                                                                   "licence of the city's data in this API."},
            "links": _links("self", "processes", "page")}),
        "Phase": _object({
            "id": {"type": "integer"}, "name": _ref("Bilingual"), "description": _ref("Bilingual"),
            "starts_at": MOMENT, "ends_at": MOMENT,
            "actions": _list({"type": "string", "enum": ["propose", "comment", "support", "budget_vote",
                                                         "poll_vote", "statement_vote"]})},
            description="A round: a half-open interval [starts_at, ends_at) and the actions it enables."),
        "Process": _object({
            "id": {"type": "integer"}, "slug": {"type": "string"}, "city": {"type": "string"},
            "title": _ref("Bilingual"), "description_html": _ref("Bilingual"), "plan_id": NULLABLE_INT,
            "status": {"type": "string", "enum": ["upcoming", "active", "past"]}, "current_phase_id": NULLABLE_INT,
            "phases": _list(_ref("Phase")), "links": _links("self", "proposals", "page")}),
        "Proposal": _object({
            "id": {"type": "integer"}, "process_id": {"type": "integer"}, "title": {"type": "string"},
            "body": {"type": "string", "description": "Markdown, as written."},
            "body_html": {"type": "string", "description": "The sanitized rendering."},
            "language": {"type": "string"},
            "state": {"type": "string", "enum": ["published", "withdrawn", "evaluating", "accepted", "rejected",
                                                 "implemented"]},
            "author": {**NULLABLE_STRING, "description": "The author's name; null for a deleted account."},
            "organization": NULLABLE_STRING,
            "district": {"oneOf": [{"type": "null"}, _object({"id": {"type": "integer"}, "code": {"type": "string"},
                                                              "name": _ref("Bilingual")})]},
            "cost": DECIMAL, "support_count": {"type": "integer", "minimum": 0},
            "sdg_targets": _list({"type": "string"}), "plan_item_ids": _list({"type": "integer"}),
            "created_at": MOMENT, "edited_at": NULLABLE_MOMENT, "withdrawn_at": NULLABLE_MOMENT,
            "answer": {"oneOf": [{"type": "null"}, _object({"text": {"type": "string"}, "answered_at": MOMENT})],
                       "description": "The city's published official answer."},
            "links": _links("self", "comments", "page")}),
        "Comment": _object({
            "id": {"type": "integer"}, "proposal_id": NULLABLE_INT, "debate_id": NULLABLE_INT,
            "parent_id": NULLABLE_INT, "root_id": NULLABLE_INT, "depth": {"type": "integer", "minimum": 0},
            "status": {"type": "string", "enum": ["visible", "hidden", "deleted"]},
            "author": NULLABLE_STRING,
            "stance": {"type": ["string", "null"], "enum": ["for", "against", "neutral", None]},
            "body": NULLABLE_STRING, "body_html": NULLABLE_STRING, "language": NULLABLE_STRING,
            "up_votes": {"type": "integer"}, "down_votes": {"type": "integer"}, "score": {"type": "integer"},
            "created_at": MOMENT, "edited_at": NULLABLE_MOMENT}),
        "Debate": _object({
            "id": {"type": "integer"}, "process_id": {"type": "integer"}, "title": _ref("Bilingual"),
            "description_html": _ref("Bilingual"), "side_for": _ref("Bilingual"), "side_against": _ref("Bilingual"),
            "closes_at": NULLABLE_MOMENT, "closed": {"type": "boolean"}, "created_at": MOMENT,
            "links": _links("self", "comments", "page")}),
        "Statement": _object({
            "id": {"type": "integer"}, "process_id": {"type": "integer"}, "body": {"type": "string"},
            "language": NULLABLE_STRING, "seeded": {"type": "boolean"}, "created_at": MOMENT,
            "agree": {"type": "integer"}, "disagree": {"type": "integer"}, "pass": {"type": "integer"}}),
        "OpinionMap": _object({
            "process_id": {"type": "integer"}, "available": {"type": "boolean"}, "stale": {"type": "boolean"},
            "computed_at": NULLABLE_MOMENT, "participants_clustered": {"type": "integer"},
            "vote_count": {"type": "integer"},
            "groups": _list(_object({"id": {"type": "integer"}, "size": {"type": "integer"},
                                     "representative": _list(statement_entry)})),
            "consensus": _list(statement_entry),
            "divisive": _list(_object({"statement_id": {"type": "integer"}, "score": {"type": ["number", "null"]},
                                       "agree_shares": _list({"type": ["number", "null"]})}))}),
        "VisionVersion": _object({"version": {"type": "integer"}, "title": {"type": "string"},
                                  "language": {"type": "string"}, "published_at": MOMENT}),
        "Vision": _object({
            "process": _object({"id": {"type": "integer"}, "slug": {"type": "string"}, "title": _ref("Bilingual"),
                                "city": {"type": "string"}}),
            "version": {"type": "integer"}, "latest_version": {"type": "integer"},
            "published_at": MOMENT, "title": {"type": "string"}, "language": {"type": "string"},
            "introduction": {"type": "string"}, "section_notes": {"type": "object"},
            "sections": _list({"type": "string"}),
            "evidence": {"type": "object", "description": "Each section's evidence, each item with the id of "
                                                          "the statement, proposal or result it stands on."},
            "endorsements": {"type": "object"},
            "links": _object({"self": URL, "page": URL, "pdf": URL})}),
        "Plan": _object(plan),
        "PlanWithItems": _object({**plan, "items": _list(_ref("PlanItem"))}),
        "PlanItem": _object(plan_item),
        "PlanItemDetails": _object({**plan_item, "indicators": _list(_ref("Indicator"))}),
        "Indicator": indicator,
        "Result": _object(result),
        "ResultDetails": _object({
            **result, "description": _ref("Bilingual"), "children_ids": _list({"type": "integer"}),
            "proposal_ids": _list({"type": "integer"}), "plan_item_ids": _list({"type": "integer"}),
            "indicators": _list(_ref("Indicator")), "sdg_targets": _list({"type": "string"}),
            "updates": _list(_object({"at": MOMENT, "status": {"type": "string"}, "progress": DECIMAL,
                                      "text": _ref("Bilingual")}))}),
        "SdgGoal": _object(sdg_goal),
        "SdgGoalWithTargets": _object({**sdg_goal, "targets": _list(_ref("SdgTarget"))}),
        "SdgTarget": sdg_target,
        "NewProposal": _object({
            "title": {"type": "string", "minLength": 5, "maxLength": 150},
            "body": {"type": "string", "minLength": 20, "maxLength": 20000, "description": "Markdown."},
            "district_id": {**NULLABLE_INT, "description": "A district of the city."},
            "sdg_targets": _list({"type": "string"}), "plan_item_ids": _list({"type": "integer"}),
            "cost": {"type": ["string", "number", "null"], "description": "Estimated cost, whole won."},
            "organization_id": {**NULLABLE_INT, "description": "An organization you are a member of."}},
            required=["title", "body"]),
        "NewComment": _object({
            "body": {"type": "string", "minLength": 2, "maxLength": 5000, "description": "Markdown."},
            "stance": {"type": "string", "enum": ["", "for", "against", "neutral"]},
            "parent_id": {**NULLABLE_INT, "description": "The comment this replies to."},
            "submission_key": {"type": "string", "maxLength": 36,
                               "description": "Any unique text: a request repeated with it posts once."}},
            required=["body"]),
        "NewStatementVote": _object({"vote": {"type": "string", "enum": ["agree", "disagree", "pass"]}}),
        "SupportState": _object({"proposal_id": {"type": "integer"}, "supported": {"type": "boolean"},
                                 "changed": {"type": "boolean"}, "support_count": {"type": "integer"}}),
        "StatementVote": _object({"statement_id": {"type": "integer"},
                                  "vote": {"type": "string", "enum": ["agree", "disagree", "pass"]},
                                  "outcome": {"type": "string", "enum": ["cast", "changed", "unchanged"]},
                                  "statement": _ref("Statement")}),
    }
    for name in ("City", "Process", "Proposal", "Comment", "Debate", "Statement", "VisionVersion", "Plan", "Result",
                 "SdgGoal"):
        schemas[f"{name}Page"] = _object({"data": _list(_ref(name)), "meta": _ref("PageMeta"),
                                          "links": _ref("PageLinks")}, description=f"A page of {name} items.")
    return schemas


# What any operation may answer; the others (403, 409, 422) only where the operation says so.
COMMON_ERRORS = (400, 401, 404, 429, 500)
STATUS_TEXT = {
    400: "A query argument or the body cannot be used.",
    401: "No token, or a token that does not work (WWW-Authenticate says which).",
    403: "Not allowed: the reason is in `detail` (a read-only token, a closed round, not a member…).",
    404: "Not found (or not public).",
    409: "A conflict with the current state.",
    422: "Invalid fields, listed in `errors`.",
    429: "Too many requests: wait as long as the Retry-After header says.",
    500: "An unexpected error; nothing was saved.",
}


def _parameter(param: Param, where: str = "query", required: bool = False) -> dict:
    found = {"name": param.name, "in": where, "required": required, "description": param.description,
             "schema": param.schema}
    if param.example is not None:
        found["example"] = param.example
    return found


PATH_PARAMS = {
    "city_slug": Param("city_slug", {"type": "string", "maxLength": 40}, "The city's slug.", "seoul"),
    "number": Param("number", {"type": "integer", "minimum": 1, "maximum": 17}, "The goal's number.", 11),
}


def _path_param(name: str) -> dict:
    param = PATH_PARAMS.get(name) or Param(name, {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                                            "An id.", 1)
    return _parameter(param, "path", required=True)


def _problem_response(status: int) -> dict:
    found = {"description": STATUS_TEXT[status],
             "content": {"application/problem+json": {"schema": _ref("Problem")}}}
    if status == 429:
        found["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    if status == 401:
        found["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return found


def _operation(endpoint: str, method: str, rule, op: Operation) -> dict:
    parameters = [_path_param(name) for name in sorted(rule.arguments)]
    parameters += [_parameter(p) for p in op.params]
    if op.paginated:
        parameters += [_parameter(p) for p in PAGE_PARAMS]
    statuses = sorted({*COMMON_ERRORS, *op.errors})
    found = {
        "operationId": endpoint.split(".", 1)[1],
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": {str(op.status): {"description": op.summary,
                                       "content": {"application/json": {"schema": op.response}}},
                      **{str(s): _problem_response(s) for s in statuses}},
    }
    if op.description:
        found["description"] = op.description
    if op.body is not None:
        content = {"schema": op.body}
        if op.body_example is not None:
            content["example"] = op.body_example
        found["requestBody"] = {"required": True, "content": {"application/json": content}}
    if getattr(current_app.view_functions[endpoint], "api_write", False):
        found["security"] = [{"bearerToken": []}]
    else:
        found["security"] = [{}, {"bearerToken": []}]
    return found


def _path(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])


def api_operations():
    """(path, method, endpoint, rule, Operation) of every documented API route, in path order."""
    found = []
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        op = getattr(view, "api_operation", None)
        if op is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((_path(rule), method.lower(), rule.endpoint, rule, op))
    return sorted(found, key=lambda entry: (entry[0], entry[1]))


def document() -> dict:
    paths: dict = {}
    for path, method, endpoint, rule, op in api_operations():
        paths.setdefault(path, {})[method] = _operation(endpoint, method, rule, op)
    tags = sorted({op.tag for *_rest, op in api_operations()})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Madang API",
            "version": "1.0.0",
            "summary": "Read every public resource of a Madang instance; write with a personal API token.",
            "description": (
                "Reads are open to everyone and show exactly what the public web pages show. Writes (a proposal, "
                "a comment, a support, a statement vote) need a personal API token with the write scope, made on "
                "your account page, and follow the same rules as the web pages. Errors are RFC 9457 problem "
                "details. Each city's data is published under the licence named in its `open_data_licence`."),
        },
        "servers": [{"url": url_for("api.cities", _external=True).rsplit("/cities", 1)[0]}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer", "bearerFormat": "mdg_…",
                "description": "A personal API token from /account/api-tokens, as `Authorization: Bearer <token>`. "
                               "The read scope reads; the write scope reads and writes."}},
        },
    }
