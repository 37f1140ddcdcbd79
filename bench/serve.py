"""The bench server's WSGI application: Madang and the bare baseline app in one process, so both are served
by literally the same gunicorn workers. ``/bare`` goes to bench/bare_app.py, everything else to Madang.

Madang is built by its own factory from the environment (MADANG_ENV, SECRET_KEY, DATABASE_URL), as in
production. Run by bench/run.py as ``gunicorn … bench.serve:application`` from the repository root."""
from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app import create_app
from bench.bare_app import create_bare_app

madang = create_app()
application = DispatcherMiddleware(madang, {"/bare": create_bare_app()})
