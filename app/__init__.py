"""Madang's application factory."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as config_module


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app. ``config`` is a config name ("development", "testing", "production"), a dict of
    settings applied on top of the testing/development defaults, or None (from ``MADANG_ENV``)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    overrides: dict = {}
    if isinstance(config, dict):
        overrides = config
        name = "testing" if config.get("TESTING") else os.environ.get("MADANG_ENV", "development")
    else:
        name = config or os.environ.get("MADANG_ENV", "development")
    if name not in config_module.CONFIGS:
        raise RuntimeError(f"Unknown MADANG_ENV {name!r}: use one of {', '.join(config_module.CONFIGS)}")
    app.config.from_object(config_module.CONFIGS[name])
    app.config.update(config_module.Config.from_env())
    app.config.update(overrides)
    _settle_secret_key(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "madang.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config.get("MAIL_OUTBOX") is None:
        app.config["MAIL_OUTBOX"] = os.path.join(app.instance_path, "outbox")

    from app.views import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter  # ids beyond the column's range are simply not found

    from app import i18n, security, templating
    from app.extensions import csrf, db, limiter, login, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)

    from app.auth import bp as auth_bp
    from app.cities import bp as cities_bp
    from app.deliberation import bp as deliberation_bp
    from app.facilitation import bp as facilitation_bp
    from app.main import bp as main_bp
    from app.moderation import bp as moderation_bp
    from app.notifications import bp as notifications_bp
    from app.notifications import services as notification_services
    from app.proposals import bp as proposals_bp
    from app.voting import bp as voting_bp
    from app.planning import bp as planning_bp
    from app.vision import bp as vision_bp
    from app.practices import bp as practices_bp
    from app.practices import city_bp as city_practices_bp
    from app.api import bp as api_bp
    from app.api import tokens_bp as api_tokens_bp
    from app.exports import bp as exports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(cities_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(facilitation_bp, url_prefix="/c/<city_slug>/manage")
    app.register_blueprint(proposals_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(deliberation_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(moderation_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(voting_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(planning_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(vision_bp, url_prefix="/c/<city_slug>")
    from app.planning.sdg_routes import sdg_bp
    app.register_blueprint(sdg_bp, url_prefix="/sdgs")
    app.register_blueprint(practices_bp)
    app.register_blueprint(city_practices_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(exports_bp, url_prefix="/c/<city_slug>")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_tokens_bp, url_prefix="/account/api-tokens")
    app.register_blueprint(notifications_bp)
    notification_services.init_app(app)
    app.json.ensure_ascii = False  # JSON (the API, downloads) as readable UTF-8: "서울", not "\\uc11c\\uc6b8"

    from app import cli, errors

    errors.init_app(app)
    cli.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _settle_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("REQUIRE_SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. In production Madang refuses to start without it: "
            "set the SECRET_KEY environment variable to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    app.config["SECRET_KEY"] = config_module.development_secret_key(app.instance_path)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, per connection; WAL lets readers and a writer share it.
    The driver's own transaction handling is switched off (see _sqlite_begin)."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """Python's sqlite3 driver opens no transaction before a SAVEPOINT, so releasing one committed on its own
    and a later rollback could not undo it. With the driver's handling off, SQLAlchemy's transaction is the
    database's transaction, savepoints included."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
