"""The SDG pages shared by every city on the instance: the 17 goals, and a goal's targets with what each city
linked to them (local targets, plan items, proposals, results). Registered at /sdgs; a city's own page for a
goal is planning.city_goal (/c/<slug>/sdgs/<number>)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.planning import plans as services
from app.planning.plan_routes import result_endpoint

sdg_bp = Blueprint("sdgs", __name__)


@sdg_bp.route("/")
def index():
    return render_template("planning/sdg_index.html", goals=services.goals_with_counts())


@sdg_bp.route("/<int:number>")
def goal(number: int):
    page = services.goal_page(number)
    if page is None:
        abort(404)
    return render_template("planning/sdg_goal.html", page=page, goal=page.goal, one_city=None,
                           result_pages=result_endpoint())
