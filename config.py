"""Configuration classes. Secrets and services come from the environment; nothing is read at import time
except through ``Config.from_env()``, called by ``create_app``."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Let people write ``postgresql://…``; Madang talks to PostgreSQL through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    # Sessions: signed cookie, refreshed on every request (idle expiry) and capped at an absolute age.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=2)  # idle expiry
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "ko")

    # Mail: real SMTP when MAIL_SERVER is set, otherwise messages go to the console and the outbox folder.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Madang <no-reply@madang.example>"
    MAIL_OUTBOX: str | None = None  # folder for .eml files; default instance/outbox

    # How many reverse proxies (load balancers) stand in front of the app. Their X-Forwarded-* headers are
    # believed only when this is set, so rate limits see each visitor's own address.
    TRUSTED_PROXIES = 0
    # Where people reach this instance: links in mail sent outside a request (the daily digest) start here.
    BASE_URL = "http://127.0.0.1:5000"
    TERMS_VERSION = "2026-11"
    PROPOSAL_EDIT_WINDOW = timedelta(hours=24)
    COMMENT_EDIT_WINDOW = timedelta(minutes=15)
    COMMENTS_PER_PAGE = 20
    COMMENT_RATE_LIMIT = "10 per minute"
    # Attempts at a resident code, per person: enough for typos, too few to guess codes.
    RESIDENT_CODE_RATE_LIMIT = "5 per minute;20 per day"
    # Statements a citizen may add to a process's conversation.
    STATEMENT_RATE_LIMIT = "5 per minute;30 per hour"
    # The JSON API (/api/v1), per token (or per address without one): reads, and the stricter writes.
    API_READ_RATE_LIMIT = "300 per minute"
    API_WRITE_RATE_LIMIT = "30 per minute;500 per day"
    # An opinion map with at most this many votes is recomputed when a page needs it; larger ones by
    # `flask --app app opinion refresh` (for example from cron).
    OPINION_INLINE_VOTES = 200_000
    PROPOSALS_PER_PAGE = 20
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 128
    TOKEN_MAX_AGE_SECONDS = 60 * 60 * 24  # confirmation and reset links
    REQUIRE_SECRET_KEY = False
    DEMO_SEED_ON_START = False

    @classmethod
    def from_env(cls) -> dict:
        """The settings the environment overrides, as a dict for ``app.config.update``."""
        env = os.environ
        values: dict = {}
        if env.get("SECRET_KEY"):
            values["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
        if env.get("REDIS_URL"):
            values["REDIS_URL"] = env["REDIS_URL"]
            values["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        for key in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "MAIL_OUTBOX"):
            if env.get(key):
                values[key] = env[key]
        if env.get("BASE_URL"):
            values["BASE_URL"] = env["BASE_URL"].rstrip("/")
        if env.get("TRUSTED_PROXIES"):
            values["TRUSTED_PROXIES"] = int(env["TRUSTED_PROXIES"])
        if env.get("MAIL_PORT"):
            values["MAIL_PORT"] = int(env["MAIL_PORT"])
        if env.get("MAIL_USE_TLS"):
            values["MAIL_USE_TLS"] = env["MAIL_USE_TLS"].lower() in ("1", "true", "yes")
        return values


class DevelopmentConfig(Config):
    SESSION_COOKIE_SECURE = False  # the demo runs on plain http://127.0.0.1
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(DevelopmentConfig):
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SECRET_KEY = "testing-only-secret"
    SERVER_NAME = None
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def development_secret_key(instance_path: str) -> str:
    """Generate a secret key once and keep it in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
