"""City plans and accountability: official answers to proposals, plans with items, local targets and
indicators, results and their progress, and the SDG pages that bring them together.

Routes are split by subject (answer_routes.py, plan_routes.py, result_routes.py), each with its own forms and
services modules."""
from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("planning", __name__)
bind_city(bp)

from app.planning import answer_routes, plan_routes, result_routes  # noqa: E402,F401
