"""placeholder"""
from app.planning import bp  # noqa: F401
