from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("moderation", __name__)
bind_city(bp)

from app.moderation import routes  # noqa: E402,F401
