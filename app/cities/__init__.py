from flask import Blueprint

from app.citycontext import bind_city

bp = Blueprint("cities", __name__)
bind_city(bp)

from app.cities import routes  # noqa: E402,F401
