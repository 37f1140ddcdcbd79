from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("deliberation", __name__)
bind_city(bp)

from app.deliberation import routes  # noqa: E402,F401
