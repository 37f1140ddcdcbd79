"""A whole city backed up and moved: `flask --app app city export` and `city import`.

The demo (Seoul and Busan) is seeded once into a database of its own (a temporary SQLite file, or a scratch
database on the PostgreSQL server of MADANG_TEST_DB); Seoul is exported from there and imported into the test
database, and every row is compared with its source, foreign keys through the import's id maps."""
from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.cities import backup
from app.extensions import db as _db
from app.models import (
    BudgetOutcome,
    City,
    Comment,
    CommentVote,
    Process,
    Proposal,
    Statement,
    StatementVote,
    Support,
    User,
)

pytestmark = pytest.mark.slow

# Rebuilt on import, compared by what they mean (see test_derived_budget_values_still_match_the_ballots).
DERIVED = {("budget_outcomes", "ballots_digest"), ("budget_outcomes", "ballots_pb")}


def _scratch_url(tmp_path) -> tuple[str, callable]:
    url = os.environ.get("MADANG_TEST_DB", "").strip()
    if not url or url == "sqlite":
        return f"sqlite:///{tmp_path / 'backup-source.db'}", lambda: None
    from config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{base.database}_backup_source"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def run(sql):
        with admin.connect() as conn:
            conn.execute(text(sql))

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')

    def drop():
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def _read_table(table) -> list[dict]:
    return [dict(row) for row in _db.session.execute(select(table)).mappings()]


def _counts() -> dict[str, int]:
    return {t.name: _db.session.scalar(select(func.count()).select_from(t)) for t in _db.metadata.sorted_tables}


@pytest.fixture(scope="module")
def source(app, tmp_path_factory):
    """The seeded demo in a database of its own, its exports, and a copy of every row of the exported tables."""
    tmp = tmp_path_factory.mktemp("backup")
    url, drop = _scratch_url(tmp)
    source_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "testing-only-secret",
                             "MAIL_OUTBOX": str(tmp / "outbox")})
    with source_app.app_context():
        from flask_migrate import upgrade

        from app.sdg import load_sdg_reference
        from app.seed import seed_demo_city

        upgrade()
        load_sdg_reference()
        seed_demo_city("madang-demo-2026")
        _db.session.commit()
        full = backup.export_city("seoul", full=True)
        default = backup.export_city("seoul")
        busan = backup.export_city("busan", full=True)
        rows = {t.name: _read_table(t) for t in backup.exported_tables()}
        seoul = _db.session.scalar(select(City).where(City.slug == "seoul"))
        derived = {p.id: _derived_values(p) for p in _db.session.scalars(
            select(Process).join(BudgetOutcome, BudgetOutcome.process_id == Process.id))}
        data = SimpleNamespace(app=source_app, full=full, default=default, busan=busan, rows=rows,
                               city_id=seoul.id, salt=seoul.pseudonym_salt, derived=derived, tmp=tmp)
        _db.session.remove()
    yield data
    with source_app.app_context():
        _db.engine.dispose()
    drop()


def _derived_values(process) -> dict:
    from app.voting.budget_services import count
    from app.voting.pabulib_io import process_to_pb

    outcome = _db.session.get(BudgetOutcome, process.id)
    return {"digest_matches": count(process).digest == outcome.ballots_digest,
            "pb_matches": process_to_pb(process, selected=set(outcome.winner_ids), rule=outcome.rule)
            == outcome.ballots_pb}


def _exported_keys(document: dict, table) -> set[tuple]:
    content = document["tables"][table.name]
    positions = [content["columns"].index(c.name) for c in table.primary_key.columns]
    return {tuple(row[i] for i in positions) for row in content["rows"]}


def _hashable(value):
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else value


def _expected(table, row: dict, maps: backup.IdMaps) -> dict:
    """The source row as it must read after the import: every id through the maps."""
    out = {}
    for column in table.columns:
        name = column.name
        if (table.name, name) in backup.NEVER_EXPORTED or (table.name, name) in DERIVED:
            continue
        value = row[name]
        if value is not None:
            if column is backup._generated_pk(table):
                value = maps.tables[table.name][value]
            for fk in column.foreign_keys:
                if fk.column.table.name not in backup.REFERENCE_TABLES:
                    value = maps.tables[fk.column.table.name][value]
            remap = backup.JSON_COLUMNS.get((table.name, name))
            if remap is not None:
                value = remap(value, maps)
        out[name] = value
    if backup.is_polymorphic(table):
        out["target_id"] = maps.tables[backup.TARGET_TABLES[row["target_type"]]][row["target_id"]]
    return out


def _as_counter(rows: list[dict]) -> Counter:
    return Counter(tuple(sorted((k, _hashable(v)) for k, v in row.items())) for row in rows)


def _compare_every_row(source, document: dict, result, *, only_these: bool) -> int:
    """Every exported row of every table is in the database, equal to its source with ids through the maps.
    only_these: the database holds nothing else (an empty database before the import). Returns rows compared."""
    compared = 0
    for table in backup.exported_tables():
        if table.name not in document["tables"]:
            continue
        keys = _exported_keys(document, table)
        pk = [c.name for c in table.primary_key.columns]
        source_rows = [r for r in source.rows[table.name] if tuple(backup.encode(r[c]) for c in pk) in keys]
        assert len(source_rows) == len(keys), table.name
        generated = backup._generated_pk(table)
        if generated is not None:  # the map is a bijection from exactly the exported ids
            mapping = result.maps.tables[table.name]
            assert set(mapping) == {r[generated.name] for r in source_rows}, table.name
            if table.name != "users":  # users: existing accounts are reused, so several may map to one
                assert len(set(mapping.values())) == len(mapping), table.name
        expected = _as_counter([_expected(table, r, result.maps) for r in source_rows])
        present = [{k: v for k, v in r.items() if k in _expected_columns(table)} for r in _read_table(table)]
        present = _as_counter(present)
        if only_these:
            assert present == expected, f"{table.name}: {str(list(present - expected))[:800]} / " \
                                        f"{str(list(expected - present))[:800]}"
        else:
            assert not expected - present, f"{table.name}: missing {str(list(expected - present))[:800]}"
        compared += len(source_rows)
    return compared


def _expected_columns(table) -> set[str]:
    return {c.name for c in table.columns
            if (table.name, c.name) not in backup.NEVER_EXPORTED and (table.name, c.name) not in DERIVED}


def _check_tallies(city_id: int) -> None:
    for proposal in _db.session.scalars(select(Proposal).join(Process).where(Process.city_id == city_id)):
        assert proposal.support_count == _db.session.scalar(
            select(func.count()).where(Support.proposal_id == proposal.id))
    for statement in _db.session.scalars(select(Statement).join(Process).where(Process.city_id == city_id)):
        for value, stored in ((1, statement.agree_count), (-1, statement.disagree_count), (0, statement.pass_count)):
            assert stored == _db.session.scalar(select(func.count()).where(
                StatementVote.statement_id == statement.id, StatementVote.value == value))
    comments = select(Comment).join(Proposal).join(Process).where(Process.city_id == city_id)
    for comment in _db.session.scalars(comments):
        assert comment.up_votes == _db.session.scalar(select(func.count()).where(
            CommentVote.comment_id == comment.id, CommentVote.value == 1))
        assert comment.down_votes == _db.session.scalar(select(func.count()).where(
            CommentVote.comment_id == comment.id, CommentVote.value == -1))


def _check_pages(client, city: City) -> int:
    """The imported city's pages answer 200: the city, every process, and its vision, map and budget results."""
    pages = [f"/c/{city.slug}/", f"/c/{city.slug}/progress"]
    for process in _db.session.scalars(select(Process).where(Process.city_id == city.id)):
        base = f"/c/{city.slug}/processes/{process.id}"
        pages += [base, f"{base}/proposals", f"{base}/statements"]
        if process.budget is not None:
            pages.append(f"{base}/budget/results")
    vision = _db.session.scalar(text("SELECT process_id FROM vision_summaries v JOIN processes p ON "
                                     "p.id = v.process_id WHERE p.city_id = :c AND v.state = 'published'"),
                                {"c": city.id})
    assert vision is not None
    pages += [f"/c/{city.slug}/processes/{vision}/vision", f"/c/{city.slug}/processes/{vision}/opinion-map"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
    return len(pages)


def _write(tmp_path, document, name="city.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_full_backup_into_an_empty_database_keeps_every_row(app, db, client, source):
    document = json.loads(json.dumps(source.full.document))  # through JSON text, as the file goes
    assert document["left_out"] == [  # Busan's replication of a Seoul practice, and its audit event
        "audit_events: row left out: its target (replication) is outside the city (1)",
        "replications: row left out: its process_id refers to processes outside the city (1)"]
    result = backup.import_city(document)
    db.session.commit()
    compared = _compare_every_row(source, document, result, only_these=True)
    assert compared == sum(source.full.counts.values()) > 3000
    # Counts per table equal; nothing else in the database but the reference data.
    counts = _counts()
    for name, n in source.full.counts.items():
        assert counts[name] == n, name
    city = db.session.get(City, result.city.id)
    assert city.pseudonym_salt == source.salt  # the full backup keeps the city's pseudonyms
    _check_tallies(city.id)
    assert _check_pages(client, city) >= 10


def test_derived_budget_values_still_match_the_ballots(app, db, source):
    """The certified outcome's ballot digest and published .pb name proposals by id: after the import they are
    those of the imported ballots, so a recount still agrees."""
    from app.voting.budget_services import count
    from app.voting.pabulib_io import process_to_pb

    result = backup.import_city(json.loads(json.dumps(source.full.document)))
    db.session.commit()
    assert source.derived and all(v == {"digest_matches": True, "pb_matches": True} for v in source.derived.values())
    for old_id in source.derived:
        process = db.session.get(Process, result.maps.tables["processes"][old_id])
        outcome = db.session.get(BudgetOutcome, process.id)
        assert outcome.ballots_digest == count(process).digest
        assert outcome.ballots_pb == process_to_pb(process)
        winners = {p.title for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(outcome.winner_ids)))}
        old = next(r for r in source.rows["budget_outcomes"] if r["process_id"] == old_id)
        assert winners == {r["title"] for r in source.rows["proposals"] if r["id"] in old["winner_ids"]}
        assert len(winners) == len(old["winner_ids"]) > 0


def test_into_a_database_that_has_busan_ids_differ_and_everything_matches(app, db, client, make, source):
    busan = backup.import_city(json.loads(json.dumps(source.busan.document)))
    db.session.commit()
    before = _counts()
    document = json.loads(json.dumps(source.full.document))
    result = backup.import_city(document)
    db.session.commit()
    assert result.city.id != source.city_id  # Busan took the first ids
    assert result.reused_users >= 1  # people of both cities: one account, matched by e-mail
    _compare_every_row(source, document, result, only_these=False)
    after = _counts()
    for name, n in source.full.counts.items():
        expected = n - (result.reused_users if name == "users" else 0)
        assert after[name] - before[name] == expected, name
    _check_tallies(result.city.id)
    _check_tallies(busan.city.id)
    _check_pages(client, db.session.get(City, result.city.id))
    # The sequences go on as usual after the import: a new proposal gets a fresh id.
    process = db.session.scalar(select(Process).where(Process.city_id == result.city.id).order_by(Process.id))
    proposal = make.proposal(process, make.user())
    assert proposal.id > max(result.maps.tables["proposals"].values())


def test_default_backup_has_no_personal_data_and_keeps_every_vote(app, db, client, source):
    document = source.default.document
    body = json.dumps(document, ensure_ascii=False).casefold()
    users = source.rows["users"]
    exported_users = {row[0] for row in document["tables"]["users"]["rows"]}
    assert len(exported_users) > 100
    for user in users:
        assert user["email"].casefold() not in body
        assert user["password_hash"].casefold() not in body
        if user["id"] in exported_users:
            assert user["name"].casefold() not in body, user["name"]
    for practice in source.rows["practices"]:
        if practice["contact_email"]:
            assert practice["contact_email"].casefold() not in body
    assert "pseudonym_salt" not in document["tables"]["cities"]["columns"]
    assert "notifications" not in document["tables"] and "resident_codes" not in document["tables"]
    memberships = document["tables"]["memberships"]
    for column in ("birth_year", "district_id"):
        position = memberships["columns"].index(column)
        assert all(row[position] is None for row in memberships["rows"])
    columns = document["tables"]["users"]["columns"]
    assert "session_token" not in columns and "is_platform_admin" not in columns
    # Each person is the city's pseudonym of their account: stable, and not their name.
    from app.models.cities import City as CityModel

    probe = CityModel(pseudonym_salt=source.salt)
    for row in document["tables"]["users"]["rows"]:
        user = dict(zip(columns, row))
        assert user["name"] == probe.pseudonym(user["id"]) and user["email"] == f"{user['name']}@invalid"

    result = backup.import_city(json.loads(json.dumps(document)))
    db.session.commit()
    city = db.session.get(City, result.city.id)
    assert city.pseudonym_salt != source.salt  # a new secret: the old pseudonyms cannot be recomputed here
    counts = _counts()
    for name in ("supports", "statement_votes", "budget_ballots", "budget_ballot_items", "poll_ballots",
                 "poll_ranks", "comment_votes", "vision_endorsements", "participants", "comments", "proposals"):
        assert counts[name] == len(document["tables"][name]["rows"]) == \
            sum(1 for _ in source.full.document["tables"][name]["rows"]), name
    _check_tallies(city.id)
    from app.auth.passwords import verify_password

    for user in db.session.scalars(select(User)):
        assert user.email.endswith("@invalid") and not verify_password(user.password_hash, "madang-demo-2026")
    _check_pages(client, city)


def test_commands_export_and_import(app, db, source, tmp_path):
    path = str(tmp_path / "seoul.json")
    runner = source.app.test_cli_runner()
    with source.app.app_context():  # the command runs in the current app context: the source's
        out = runner.invoke(args=["city", "export", "seoul", path, "--full"])
        missing = runner.invoke(args=["city", "export", "atlantis", str(tmp_path / "x.json")])
        _db.session.remove()
    assert out.exit_code == 0, out.output
    assert "left out: replications" in out.output and "with personal data" in out.output
    assert os.stat(path).st_mode & 0o777 == 0o600  # a full backup holds password hashes: its owner's only
    with open(path, encoding="utf-8") as handle:
        written = json.load(handle)
    assert written["tables"] == json.loads(json.dumps(source.full.document["tables"]))

    out = app.test_cli_runner().invoke(args=["city", "import", path])
    assert out.exit_code == 0, out.output
    assert re.search(r"Imported city seoul: \d+ rows", out.output)
    db.session.commit()  # see what the command committed
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == \
        len(source.full.document["tables"]["proposals"]["rows"])
    assert missing.exit_code == 1 and "no city with the slug 'atlantis'" in missing.output


def _refused(app, db, path: str, message: str) -> None:
    db.session.commit()
    before = _counts()
    out = app.test_cli_runner().invoke(args=["city", "import", path])
    assert out.exit_code == 1, out.output
    assert message in out.output and "Nothing was imported" in out.output, out.output
    db.session.commit()
    assert _counts() == before


def test_refusals_leave_the_database_unchanged(app, db, source, tmp_path):
    document = json.loads(json.dumps(source.full.document))
    backup.import_city(copy.deepcopy(document))
    db.session.commit()
    _refused(app, db, _write(tmp_path, document), "a city with the slug 'seoul' already exists here")

    # Into a database without Seoul: each refusal below writes nothing either.
    busan = json.loads(json.dumps(source.busan.document))
    wrong_version = {**busan, "version": 99}
    _refused(app, db, _write(tmp_path, wrong_version), "backup format version 99")
    wrong_schema = {**busan, "schema_revision": "0123456789ab"}
    _refused(app, db, _write(tmp_path, wrong_schema), "schema revision '0123456789ab'")
    _refused(app, db, _write(tmp_path, {"hello": "world"}), "not a Madang city backup")
    _refused(app, db, _write(tmp_path, [1, 2, 3]), "not a Madang city backup")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n not json at all")
    _refused(app, db, str(garbage), "not a Madang city backup")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(busan)[:5000], encoding="utf-8")
    _refused(app, db, str(truncated), "not a Madang city backup")

    # A row the database refuses, late in the file: the rows before it are not kept either.
    tampered = copy.deepcopy(busan)
    table = tampered["tables"]["phases"]
    starts, ends = table["columns"].index("starts_at"), table["columns"].index("ends_at")
    table["rows"][-1][starts], table["rows"][-1][ends] = table["rows"][-1][ends], table["rows"][-1][starts]
    _refused(app, db, _write(tmp_path, tampered), "the database refused a row")
    dangling = copy.deepcopy(busan)
    dangling["tables"]["proposals"]["rows"] = []  # supports and comments now point at nothing
    _refused(app, db, _write(tmp_path, dangling), "which the file does not hold")
    assert db.session.scalar(select(func.count()).select_from(City)) == 1


def test_a_process_slug_taken_here_gets_a_suffix(app, db, make, source):
    document = json.loads(json.dumps(source.full.document))
    processes = document["tables"]["processes"]
    taken = processes["rows"][0][processes["columns"].index("slug")]
    other = make.city("elsewhere", "Elsewhere", "다른 곳")
    assert make.process(other, title=taken).slug == taken
    result = backup.import_city(document)
    db.session.commit()
    moved = db.session.get(Process, result.maps.tables["processes"][processes["rows"][0][0]])
    assert moved.slug == f"{taken}-2" and moved.city_id == result.city.id
    assert result.notes == [f"process slug {taken!r} is taken here: imported as '{taken}-2'"]


def test_default_backup_hides_a_short_name_without_breaking_slugs_states_or_words(app, db, make):
    """A member named "An" (a common Korean surname) is hidden where their name is written, but the substring
    "an" inside slugs, states, codes and other words stays: the backup still imports and reads the same."""
    city = make.city(slug="busan", name_en="Busan", name_ko="부산")
    process = make.process(city, title="Clean transport")
    an = make.member(city, name="An")
    proposal = make.proposal(process, an, title="A plan for the ancient tree", body="Thank you, An. A bus lane.")
    document = json.loads(json.dumps(backup.export_city("busan").document))
    tables = document["tables"]
    cities = dict(zip(tables["cities"]["columns"], tables["cities"]["rows"][0]))
    assert cities["slug"] == "busan" and cities["name_en"] == "Busan"
    processes = dict(zip(tables["processes"]["columns"], tables["processes"]["rows"][0]))
    assert processes["slug"] == process.slug and processes["title_en"] == "Clean transport"
    row = dict(zip(tables["proposals"]["columns"], tables["proposals"]["rows"][0]))
    assert row["state"] == str(proposal.state) and row["title"] == "A plan for the ancient tree"
    assert "An." not in row["body"] and "A bus lane." in row["body"]  # the name is hidden, the words are not
    cities_rows = tables["cities"]["rows"][0]
    cities_rows[tables["cities"]["columns"].index("slug")] = "busan-copy"
    result = backup.import_city(document)
    db.session.commit()
    assert result.city.slug == "busan-copy"
