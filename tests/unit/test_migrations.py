"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and unwind to
nothing."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, inspect, text

from app.extensions import db as _db
from app.models.base import SCHEMA_ONLY_OBJECTS


def _include(obj, name, type_, reflected, compare_to):
    return name not in SCHEMA_ONLY_OBJECTS


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _include})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_check_constraints_exist_in_the_database(db):
    """Autogenerate does not compare CHECK constraints; compare their names table by table."""
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        actual = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert expected <= actual, (table.name, expected - actual)


def test_database_guards_exist(db):
    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        if dialect == "postgresql":
            names = set(conn.execute(text("SELECT conname FROM pg_constraint")).scalars())
            assert "ex_phases_no_overlap" in names
            assert "ix_proposals_search_text_trgm" in set(conn.execute(text("SELECT indexname FROM pg_indexes")).scalars())
        else:
            triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            assert {"tr_phases_no_overlap_insert", "tr_phases_no_overlap_update"} <= triggers


def test_downgrade_to_base_and_back(app, db):
    downgrade(revision="base")
    _db.session.remove()
    tables = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    tables = set(inspect(_db.engine).get_table_names())
    assert {t.name for t in _db.metadata.sorted_tables} <= tables
    from app.sdg import load_sdg_reference

    load_sdg_reference()
    _db.session.commit()


def test_upgrading_keeps_existing_rows(app, db):
    """Each migration after the first runs on a database that holds data. On SQLite, altering a table copies
    and drops it: the rows of every child table must survive that."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()][::-1]
    first = revisions[0]
    downgrade(revision=first)
    _db.session.remove()
    with _db.engine.begin() as conn:
        conn.execute(text("INSERT INTO cities (id, slug, name_en, name_ko, default_locale, time_zone, created_at) "
                          "VALUES (900, 'keep', 'Keep', '킵', 'ko', 'Asia/Seoul', '2026-01-01 00:00:00+00')"))
        conn.execute(text("INSERT INTO districts (id, city_id, code, name_en, name_ko, population_share) "
                          "VALUES (901, 900, 'mapo', 'Mapo', '마포', 0.5)"))
        conn.execute(text("INSERT INTO users (id, email, name, password_hash, session_token, terms_version, "
                          "terms_accepted_at, is_platform_admin, created_at) VALUES (902, 'k@example.org', 'K', 'x', "
                          "'tok', '1', '2026-01-01 00:00:00+00', false, '2026-01-01 00:00:00+00')"))
        conn.execute(text("INSERT INTO memberships (id, user_id, city_id, district_id, joined_at) "
                          "VALUES (903, 902, 900, 901, '2026-01-01 00:00:00+00')"))
    upgrade()
    with _db.engine.connect() as conn:
        for table in ("cities", "districts", "users", "memberships"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1, table
    with _db.engine.begin() as conn:
        for table in ("memberships", "districts", "users", "cities"):
            conn.execute(text(f"DELETE FROM {table}"))
