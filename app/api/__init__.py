"""The JSON API, version 1 (`/api/v1`): every public resource to read, and a few writes (a proposal, a comment, a
support, a statement vote) for the holder of a personal API token with the write scope, under exactly the
permissions and phase gates of the web pages. Errors are RFC 9457 problem details; the OpenAPI 3.1 document is
at /api/v1/openapi.json.

The API authenticates by token only (`Authorization: Bearer …`), never by the session cookie, so no page can
make a signed-in browser write through it: the blueprint needs no CSRF token.

Two blueprints: `api` (/api/v1) and `api_tokens` (/account/api-tokens: a signed-in user's tokens, on the web)."""
from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)
tokens_bp = Blueprint("api_tokens", __name__)
