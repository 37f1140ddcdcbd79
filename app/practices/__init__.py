"""Cities learning from cities: the practice library (shared across cities, at /practices), matching,
replication into a city's draft process, questions between cities; partner organizations (/organizations);
city settings and the platform administrator's city creation.

Two blueprints: `practices` for the pages shared by every city (/practices, /organizations, /platform) and
`city_practices` for the pages of one city (/c/<city>/…: its practices, replicating into it, its settings).
Routes are split by subject, each with its forms and services: practice_routes.py (library, search, pages,
editing, matching), replication_routes.py (replication and questions), organization_routes.py (partners),
city_routes.py (platform and city settings)."""
from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("practices", __name__)
city_bp = Blueprint("city_practices", __name__)
bind_city(city_bp)

from app.practices import city_routes, organization_routes, practice_routes, replication_routes  # noqa: E402,F401
