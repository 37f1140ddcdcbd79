"""What each API view declares about itself for the OpenAPI document: a summary, its tag, query parameters,
the request body's schema, and the schema of a successful answer. The document is built from these and from
the app's URL rules, so a route cannot exist undocumented (a test checks both ways)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str
    example: object = None


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: dict  # the JSON schema (or $ref) of the success answer
    status: int = 200
    description: str = ""
    params: tuple[Param, ...] = ()
    body: dict | None = None  # the request body's schema (or $ref)
    body_example: dict | None = None
    paginated: bool = False
    errors: tuple[int, ...] = field(default=())  # statuses beyond openapi.COMMON_ERRORS


def operation(**kwargs):
    """Attach an Operation to a view function."""

    def mark(view):
        view.api_operation = Operation(**kwargs)
        return view

    return mark
