"""Voting: supports and their tiers, who may vote, participatory budgets, ranked polls.

Routes are split by what they serve (routes.py: supports, eligibility and resident codes; budget_routes.py;
poll_routes.py), each with its forms and services; services.py holds what they share: participants and
eligibility."""
from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("voting", __name__)
bind_city(bp)

from app.voting import budget_routes, poll_routes, routes  # noqa: E402,F401
