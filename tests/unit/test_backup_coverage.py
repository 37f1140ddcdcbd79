"""The city backup follows the schema: every table, every polymorphic target type, every JSON column and every
column of `users` is accounted for, so a table or column added later is backed up, or this fails until
someone decides about it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, String, Table

from app.cities import backup
from app.models import Base

pytestmark = pytest.mark.single_db


def test_every_table_is_exported_or_named_as_not_city_data():
    exported = {t.name for t in backup.exported_tables()}
    assert backup.unclassified_tables() == set()
    assert exported | backup.REFERENCE_TABLES | set(backup.NOT_CITY_DATA) == set(Base.metadata.tables)
    assert not exported & (backup.REFERENCE_TABLES | set(backup.NOT_CITY_DATA))
    # What the walk finds, for the record: the city's tables reached through foreign keys and targets.
    assert {"phases", "supports", "budget_ballot_items", "statement_votes", "comment_votes", "notifications",
            "follows", "audit_events", "plan_item_targets", "poll_ranks", "organization_members",
            "practice_questions", "vision_endorsements"} <= exported
    assert len(exported) == len(Base.metadata.tables) - 4


def test_a_table_added_later_is_found_or_reported():
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("process_photos", metadata, Column("id", Integer, primary_key=True),
          Column("process_id", ForeignKey("processes.id")))
    Table("photo_tags", metadata, Column("photo_id", ForeignKey("process_photos.id"), primary_key=True),
          Column("tag", String(20), primary_key=True))
    Table("user_devices", metadata, Column("id", Integer, primary_key=True), Column("user_id", ForeignKey("users.id")))
    exported = {t.name for t in backup.exported_tables(metadata)}
    assert {"process_photos", "photo_tags"} <= exported  # reached from the city: backed up with no change here
    assert backup.unclassified_tables(metadata) == {"user_devices"}  # a user's, not a city's: someone decides


def test_export_refuses_while_a_table_is_unclassified(app, monkeypatch):
    monkeypatch.setattr(backup, "NOT_CITY_DATA", {})
    with app.app_context(), pytest.raises(RuntimeError, match="api_tokens"):
        backup.export_city("anywhere")


def test_every_target_type_names_an_exported_or_listed_table():
    polymorphic = [t for t in Base.metadata.sorted_tables if backup.is_polymorphic(t)]
    assert {t.name for t in polymorphic} == {"audit_events", "flags", "follows", "notifications", "review_requests"}
    for table in polymorphic:
        kinds = backup.target_types(table)
        assert kinds, table.name
        for kind in kinds:
            assert backup.TARGET_TABLES[kind] in Base.metadata.tables, (table.name, kind)
    # Polymorphic tables come after every table they can point at.
    order = [t.name for t in backup.exported_tables()]
    for table in polymorphic:
        for kind in backup.target_types(table):
            target = backup.TARGET_TABLES[kind]
            if target in order:
                assert order.index(target) < order.index(table.name), (table.name, target)


def test_every_json_column_is_decided_on():
    json_columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
                    if isinstance(c.type, JSON)}
    assert json_columns == set(backup.JSON_COLUMNS)
    for (table, _column), remap in backup.JSON_COLUMNS.items():
        if remap is not None:  # rewritten after the import, by the row's one-column key
            assert len(Base.metadata.tables[table].primary_key.columns) == 1


def test_every_column_of_users_is_personal_kept_or_never_exported():
    columns = {c.name for c in Base.metadata.tables["users"].columns}
    personal = {c for t, c in backup.PERSONAL_COLUMNS if t == "users"}
    never = {c for t, c in backup.NEVER_EXPORTED if t == "users"}
    assert not personal & backup.USER_COLUMNS_KEPT and not never & (personal | backup.USER_COLUMNS_KEPT)
    assert personal | never | backup.USER_COLUMNS_KEPT == columns
    for table, column in [*backup.PERSONAL_COLUMNS, *backup.NEVER_EXPORTED, *backup.SECRET_COLUMNS]:
        assert column in Base.metadata.tables[table].c, (table, column)
    for table in backup.PERSONAL_TABLES:
        assert table in {t.name for t in backup.exported_tables()}


def test_foreign_keys_form_no_cycle_except_a_table_on_itself():
    """The import inserts in foreign-key order and orders only self-references (comment replies): a cycle
    between two tables would need a second pass it does not have."""
    edges = {t.name: {fk.column.table.name for fk in t.foreign_keys} - {t.name} for t in Base.metadata.sorted_tables}
    seen, order = set(), []

    def visit(name, path):
        assert name not in path, f"foreign-key cycle: {' -> '.join(path + (name,))}"
        if name in seen:
            return
        for parent in edges[name]:
            visit(parent, path + (name,))
        seen.add(name)

    for name in edges:
        visit(name, ())
    polymorphic = {t.name for t in Base.metadata.sorted_tables if backup.is_polymorphic(t)}
    for table in Base.metadata.sorted_tables:  # nothing has a foreign key to a table inserted last
        assert not {fk.column.table.name for fk in table.foreign_keys} & polymorphic, table.name


@pytest.mark.parametrize(("table", "column", "value"), [
    ("phases", "starts_at", datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)),
    ("phases", "starts_at", datetime(2026, 3, 1, 18, 30, tzinfo=timezone(timedelta(hours=9)))),
    ("practices", "starts_on", date(2025, 12, 31)),
    ("budgets", "amount", Decimal("500000000.00")),
    ("indicators", "baseline_value", Decimal("0.0001")),
    ("districts", "population_share", Decimal("0.03827")),
    ("opinion_maps", "seconds", 0.1 + 0.2),
    ("processes", "require_verified", True),
    ("vision_summaries", "evidence", {"items": [{"kind": "proposal", "id": 3, "share": 84.1}], "x": None}),
    ("proposals", "title", "어린이 보호구역 — a \"quoted\" title"),
])
def test_values_round_trip_exactly(table, column, value):
    import json

    column = Base.metadata.tables[table].c[column]
    back = backup.decode(json.loads(json.dumps(backup.encode(value))), column)
    assert back == value and type(back) is type(value)
    if isinstance(value, datetime):
        assert back.tzinfo == timezone.utc


def test_a_timestamp_without_a_time_zone_is_refused():
    with pytest.raises(backup.InvalidBackup, match="without a time zone"):
        backup.decode("2026-03-01T09:30:00", Base.metadata.tables["phases"].c.starts_at)


def test_ids_inside_json_documents_follow_the_maps():
    maps = backup.IdMaps()
    maps.tables["statements"].update({7: 107, 8: 108})
    maps.tables["participants"].update({1: 51, 2: 52})
    maps.tables["proposals"].update({3: 303})
    maps.tables["districts"].update({4: 404})
    maps.tables["opinion_maps"].update({9: 909})
    data = {"participants": [1, 2], "groups": [{"id": 0, "representative": [{"statement_id": 7}]}],
            "consensus": [{"statement_id": 8}], "statements": {"7": {"divisiveness": 0.5}, "8": {}}}
    assert backup.JSON_COLUMNS[("opinion_maps", "data")](data, maps) == {
        "participants": [51, 52], "groups": [{"id": 0, "representative": [{"statement_id": 107}]}],
        "consensus": [{"statement_id": 108}], "statements": {"107": {"divisiveness": 0.5}, "108": {}}}
    evidence = {"map": {"kind": "map", "id": 9}, "items": [{"kind": "proposal", "id": 3, "title": "x"}],
                "districts": [{"district_id": 4, "people": 3}], "group": {"group": 1}}
    assert backup.JSON_COLUMNS[("vision_summaries", "evidence")](evidence, maps) == {
        "map": {"kind": "map", "id": 909}, "items": [{"kind": "proposal", "id": 303, "title": "x"}],
        "districts": [{"district_id": 404, "people": 3}], "group": {"group": 1}}
    assert backup.JSON_COLUMNS[("budget_outcomes", "winner_ids")]([3], maps) == [303]
    with pytest.raises(backup.InvalidBackup, match="proposals 4"):
        backup.JSON_COLUMNS[("budget_outcomes", "winner_ids")]([4], maps)
