"""Statements, the opinion map and the shared vision of a process.

Routes are split by subject, each with its own forms and services modules: statement_routes.py (statements,
voting on them one at a time, seeding and moderation), map_routes.py (the opinion map), vision_routes.py (the
shared-vision summary: drafts, versions, endorsements, downloads). opinion.py keeps the cached analysis;
polis_io.py reads and writes Polis openData exports."""
from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("vision", __name__)
bind_city(bp)

from app.vision import map_routes, statement_routes, vision_routes  # noqa: E402,F401
