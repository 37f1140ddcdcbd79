"""The OpenAPI document and the page that documents the API (plain HTML, rendered from the same document)."""
from __future__ import annotations

import json
import re

from flask import jsonify, render_template
from flask_babel import gettext as _
from limits import parse_many
from markupsafe import Markup, escape

from app.api import bp, openapi
from app.api.auth import read_limit, write_limit
from app.api.listing import MAX_PER_PAGE, PER_PAGE
from app.api.registry import operation
from app.api.tokens import MAX_LIVE_TOKENS

PAGE_SHAPE = '{"data": […], "meta": {"page": 1, "per_page": 20, "total": 57},\n' \
             ' "links": {"self": "…?page=1", "next": "…?page=2", "prev": null}}'
PROBLEM_EXAMPLE = {"type": "https://madang.example/problems/validation-error", "title": "Invalid content",
                   "status": 422, "detail": "Some fields are missing or invalid: see errors.",
                   "instance": "/api/v1/cities/seoul/proposals/42/comments",
                   "errors": [{"field": "body", "message": "This field is required."}]}


@bp.route("/openapi.json")
@operation(summary="This API's OpenAPI 3.1 document", tag="About", response={"type": "object"})
def openapi_document():
    return jsonify(openapi.document())


@bp.route("/docs")
def docs():
    document = openapi.document()
    groups: dict[str, list] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            groups.setdefault(op["tags"][0], []).append({"path": path, "method": method.upper(), **op})
    examples = {}
    for ops in groups.values():
        for op in ops:
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in content:
                examples[op["operationId"]] = json.dumps(content["example"], ensure_ascii=False, indent=2)
    common = [(str(status), openapi.STATUS_TEXT[status]) for status in openapi.COMMON_ERRORS]
    return render_template("api/docs.html", document=document, groups=sorted(groups.items()), examples=examples,
                           base=document["servers"][0]["url"], read_limit=_limit_words(read_limit()),
                           write_limit=_limit_words(write_limit()), per_page=PER_PAGE, max_per_page=MAX_PER_PAGE,
                           max_tokens=MAX_LIVE_TOKENS, schema_name=_schema_name, schema_fields=_schema_fields,
                           code_spans=_code_spans, common_errors=common,
                           common_statuses={status for status, _text in common},
                           page_shape=PAGE_SHAPE, problem_example=json.dumps(PROBLEM_EXAMPLE, indent=2))


def _limit_words(limits: str) -> str:
    """A Flask-Limiter limit ("30 per minute;500 per day") in words of the page's language."""
    units = {"second": _("%(count)d per second"), "minute": _("%(count)d per minute"),
             "hour": _("%(count)d per hour"), "day": _("%(count)d per day"), "month": _("%(count)d per month"),
             "year": _("%(count)d per year")}
    words = []
    for item in parse_many(limits):
        unit = item.GRANULARITY.name
        words.append(units[unit] % {"count": item.amount} if item.multiples == 1 and unit in units else str(item))
    return ", ".join(words)


def _schema_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "object")


def _type_of(schema: dict) -> tuple[str, str | None]:
    """(what the field holds, the schema it refers to or None), for the page's field lists."""
    if "$ref" in schema:
        name = _schema_name(schema)
        return name, name
    if "anyOf" in schema or "oneOf" in schema:
        kinds = [_type_of(part) for part in schema.get("anyOf", schema.get("oneOf", []))]
        named = next((ref for _kind, ref in kinds if ref), None)
        return " | ".join(kind for kind, _ref in kinds), named
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        inner, ref = _type_of(schema.get("items", {}))
        return f"[{inner}]", ref
    if "format" in schema:
        kind = f"{kind} ({schema['format']})"
    return kind, None


def _schema_fields(schema: dict) -> list[tuple[str, str, str | None]]:
    """(name, type, referred schema) of each property of an object schema."""
    return [(name, *_type_of(sub)) for name, sub in schema.get("properties", {}).items()]


def _code_spans(text: str) -> Markup:
    """The OpenAPI descriptions' `code` spans as <code>, the rest escaped."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))
