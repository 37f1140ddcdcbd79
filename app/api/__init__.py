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


def _init_blueprint() -> None:
    """Errors as problem details, token authentication, and rate limits, for every request of the API."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    from app.api import auth, problems
    from app.extensions import limiter

    bp.register_error_handler(HTTPException, problems.handle_http_error)
    bp.register_error_handler(Exception, problems.handle_unexpected)
    bp.before_request(auth.authenticate)

    @bp.before_app_request
    def _unrouted_api_request():
        """An address under /api/v1 that no route matches (404), or a method it does not take (405), never
        reaches the blueprint's handlers: answer those with problem details here too."""
        error = request.routing_exception
        if error is not None and request.path.startswith("/api/v1/") and isinstance(error, HTTPException) \
                and error.code in (404, 405):
            return problems.handle_http_error(error)
        return None

    limiter.limit(auth.read_limit, key_func=auth.rate_limit_key, methods=["GET"], scope="api-read")(bp)
    limiter.limit(auth.write_limit, key_func=auth.rate_limit_key, methods=["POST", "PUT", "DELETE", "PATCH"],
                  scope="api-write")(bp)


_init_blueprint()

from app.api import doc_routes, read_routes, token_routes, write_routes  # noqa: E402,F401  (routes register on import)
