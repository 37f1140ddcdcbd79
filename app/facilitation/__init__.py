from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("facilitation", __name__)
bind_city(bp)

from app.facilitation import routes  # noqa: E402,F401
from app.facilitation import dashboard_routes  # noqa: E402,F401
