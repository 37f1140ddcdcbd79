"""Schemathesis against the WSGI app and its own OpenAPI document, on a small seeded world: every operation,
anonymous and with a write token, must never answer a server error, and every answer must match the document
(its status codes, content types and schemas)."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import tokens
from app.extensions import db as _db
from tests.functional.test_api_reads import build_world

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_every_operation_anonymous_and_with_a_write_token(app, make, db):
    world = build_world(make, db)
    _row, text = tokens.create_token(world["author"], "schemathesis", "write", None)
    _db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = {"Authorization": f"Bearer {text}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    document = app.test_client().get("/api/v1/openapi.json").json
    documented = {f"{m.upper()} {path}" for path, methods in document["paths"].items() for m in methods}
    # Schemathesis leaves out the document's own address; every other operation is exercised.
    assert {operation.label for operation in operations} == documented - {"GET /openapi.json"}

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=CHECKS)
            case.call_and_validate(checks=CHECKS, headers=token)

        run()
