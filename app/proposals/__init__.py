from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("proposals", __name__)
bind_city(bp)

from app.proposals import routes  # noqa: E402,F401
