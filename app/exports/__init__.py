"""Exports and open data of a city (/c/<city>/…): a process's outcomes for its facilitators and planners in
CSV, JSON and XLSX (besides the vision's PDF, the budget's .pb and the statements' Polis files), and the city's
public open-data page, where the datasets of its published processes carry the city's licence and name authors
only by a per-city pseudonym. Large exports stream in constant memory."""
from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("exports", __name__)
bind_city(bp)

from app.exports import routes  # noqa: E402,F401  (registers the routes)
