"""Alembic environment for Madang (run through Flask-Migrate: `flask --app app db upgrade`)."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.models.base import SCHEMA_ONLY_OBJECTS

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def include_object(obj, name, type_, reflected, compare_to):
    """Objects that only the migrations define (per-database guards such as PostgreSQL's trigram index and
    exclusion constraint, SQLite's triggers) are not compared with the models."""
    return name not in SCHEMA_ONLY_OBJECTS


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = db.engine
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the original (batch mode). With foreign keys
            # enforced, that drop would cascade into every child table: switch enforcement off for the
            # migration, then check that every reference still holds.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # outside any transaction
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            include_object=include_object,
            **current_app.extensions["migrate"].configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.commit()
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
