"""Back up and move a whole city: `flask --app app city export SLUG FILE.json [--full]` and `city import FILE.json`.

Which rows are the city's is found from the schema, never from a hand-kept list: walking `Base.metadata`, a
table holds city data when one of its foreign keys leads to a table that does (`cities` to start with), or when
its rows point at others by `target_type` + `target_id` (audit events, flags, follows, notifications). A row is
the city's when one of those references reaches a row of the city. Users and organizations are shared by the
cities of an instance: they travel with a city when its rows refer to them. SDG reference data is referred to
by its codes. Every other table must be named in NOT_CITY_DATA, or exporting refuses (and a test fails).

A reference from the city's rows to another city's row is set to NULL where the column allows it; otherwise the
row is left out. Both are reported. Without `full`, the backup holds no personal data: people become
pseudonymous placeholders (the city's own pseudonym of their account), their birth year and district, their
notifications and the census codes are left out, and the city's pseudonym salt stays behind.

Importing remaps every id: rows are inserted in foreign-key order without their old ids, every foreign key,
polymorphic target and id inside a JSON document is rewritten through the old → new map of its table. Services
flush and never commit: the command commits once, so a refused or failed import writes nothing.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import CheckConstraint, Date, DateTime, Float, Integer, Numeric, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Base, City

FORMAT = "madang-city-backup"
FORMAT_VERSION = 1

# Referred to by code; every instance loads the same data (`flask --app app sdg load`).
REFERENCE_TABLES = frozenset({"sdg_goals", "sdg_targets", "sdg_indicators"})

# Tables that hold no city's data, and why. A table that is neither city data nor listed here stops an export.
NOT_CITY_DATA = {
    "api_tokens": "personal API tokens are an account's credentials on this instance; their owner makes new ones",
}

# Rows several cities share: exported when the city's rows refer to them (with a reference to another city's row
# set to NULL), matched on import (users, by e-mail) or created anew (organizations).
SHARED_TABLES = ("users", "organizations")

# What `target_type` names, for every table that points at rows by `target_type` + `target_id`, and what a
# `{"kind": …, "id": …}` item of the vision's evidence names.
TARGET_TABLES = {
    "city": "cities", "user": "users", "membership": "memberships", "role_grant": "role_grants",
    "organization": "organizations", "plan": "plans", "plan_item": "plan_items", "process": "processes",
    "phase": "phases", "proposal": "proposals", "debate": "debates", "comment": "comments", "flag": "flags",
    "budget": "budgets", "poll": "polls", "local_target": "local_targets", "indicator": "indicators",
    "result": "results", "statement": "statements", "vision": "vision_summaries", "practice": "practices",
    "replication": "replications", "api_token": "api_tokens", "map": "opinion_maps",
}

# Columns never written to a backup: a new value is made on import.
NEVER_EXPORTED = {
    ("users", "session_token"): "a sign-in credential: every imported account gets a new one",
    ("users", "is_platform_admin"): "who administers an instance is that instance's decision",
}

# Without --full: what a person's data becomes. Keys are (table, column); values are functions of
# (row, city) giving the value written instead.
def _pseudonym(row, city):
    return city.pseudonym(row["id"])


PERSONAL_COLUMNS: dict[tuple[str, str], Callable[[dict, City], Any]] = {
    ("users", "name"): _pseudonym,
    ("users", "email"): lambda row, city: f"{city.pseudonym(row['id'])}@invalid",
    ("users", "password_hash"): lambda row, city: "!no-password",  # matches no password: nobody can sign in
    ("users", "last_login_at"): lambda row, city: None,
    ("users", "suspended_reason"): lambda row, city: None,
    ("users", "email_notifications"): lambda row, city: "none",
    ("memberships", "birth_year"): lambda row, city: None,
    ("memberships", "district_id"): lambda row, city: None,
    ("practices", "contact_name"): lambda row, city: "",
    ("practices", "contact_email"): lambda row, city: "",
}
# Users' columns that are no one's personal data, kept in every backup. Every column of `users` is in exactly
# one of NEVER_EXPORTED, PERSONAL_COLUMNS or this (a test checks it, so a new column has to be decided on).
USER_COLUMNS_KEPT = frozenset({"id", "email_confirmed_at", "terms_version", "terms_accepted_at", "locale",
                               "created_at", "suspended_at"})
# Without --full these tables are left out entirely.
PERSONAL_TABLES = {
    "notifications": "what each person was told, and when they read it",
    "resident_codes": "census codes with the birth year and district of the resident who used them",
}
# Without --full the city keeps its pseudonyms secret: the importing instance makes a new salt.
SECRET_COLUMNS = {("cities", "pseudonym_salt")}


def _remap_ids(values, table: str, maps) -> list:
    return [maps.new_id(table, value) for value in values]


def _remap_opinion_map(data: dict, maps) -> dict:
    """Participants by Participant.id, statements by Statement.id (as items' `statement_id` and as keys)."""
    data = _remap_known_keys(data, maps)
    data["participants"] = _remap_ids(data.get("participants", []), "participants", maps)
    data["statements"] = {str(maps.new_id("statements", int(key))): value
                          for key, value in data.get("statements", {}).items()}
    return data


def _remap_known_keys(node, maps):
    """Items `{"kind": "proposal", "id": 7}`, and values under `statement_id` or `district_id`, anywhere."""
    if isinstance(node, list):
        return [_remap_known_keys(item, maps) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _remap_known_keys(value, maps) for key, value in node.items()}
    kind = copy.get("kind")
    if isinstance(kind, str) and kind in TARGET_TABLES and isinstance(copy.get("id"), int):
        copy["id"] = maps.new_id(TARGET_TABLES[kind], copy["id"])
    for key, table in (("statement_id", "statements"), ("district_id", "districts")):
        if isinstance(copy.get(key), int):
            copy[key] = maps.new_id(table, copy[key])
    return copy


# How ids inside each JSON column are rewritten on import (None: kept as written). A test checks that every
# JSON column of the schema is listed, so a new one has to be decided on.
JSON_COLUMNS: dict[tuple[str, str], Callable | None] = {
    # What changed, as it was recorded: history, kept word for word (ids in it are those of the old instance).
    ("audit_events", "changes"): None,
    ("vision_summaries", "section_notes"): None,  # Markdown by section name
    ("vision_summaries", "evidence"): _remap_known_keys,
    ("opinion_maps", "data"): _remap_opinion_map,
    ("budget_outcomes", "winner_ids"): lambda ids, maps: _remap_ids(ids, "proposals", maps),
}


class InvalidBackup(Exception):
    """The file cannot be imported here; nothing was written."""


@dataclass
class IdMaps:
    """Old id → new id, per table (for tables with a one-column primary key)."""

    tables: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))

    def new_id(self, table: str, old):
        try:
            return self.tables[table][old]
        except KeyError:
            raise InvalidBackup(f"a row refers to {table} {old!r}, which the file does not hold") from None


@dataclass
class ExportResult:
    document: dict
    counts: dict[str, int]
    notes: list[str]


@dataclass
class ImportResult:
    city: City
    maps: IdMaps
    counts: dict[str, int]
    reused_users: int
    notes: list[str]


# ---------------------------------------------------------------------------------------------------------------
# The schema: which tables are the city's


def is_polymorphic(table: Table) -> bool:
    return "target_type" in table.c and "target_id" in table.c


def city_tables(metadata=Base.metadata) -> list[Table]:
    """The tables whose rows can belong to a city, in foreign-key order."""
    scoped = {"cities"}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in scoped or table.name in REFERENCE_TABLES or table.name in NOT_CITY_DATA:
                continue
            parents = {fk.column.table.name for fk in table.foreign_keys}
            if parents & scoped or is_polymorphic(table):
                scoped.add(table.name)
                changed = True
    return [table for table in metadata.sorted_tables if table.name in scoped]


def target_types(table: Table) -> list[str]:
    """The values a polymorphic table's CHECK constraint allows in `target_type`."""
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = re.fullmatch(r"\s*target_type IN \((.*)\)\s*", str(constraint.sqltext))
            if match:
                return re.findall(r"'([^']*)'", match.group(1))
    return []


def exported_tables(metadata=Base.metadata) -> list[Table]:
    """In insertion order: foreign-key order, then the polymorphic tables, each after the tables it can point
    at (so after every table it could name)."""
    names = {t.name for t in city_tables(metadata)} | set(SHARED_TABLES)
    plain = [t for t in metadata.sorted_tables if t.name in names and not is_polymorphic(t)]
    pending = [t for t in metadata.sorted_tables if t.name in names and is_polymorphic(t)]
    ordered = []
    while pending:
        placed = {t.name for t in ordered}
        ready = next((t for t in pending if all(TARGET_TABLES.get(kind) in placed or
                                                 TARGET_TABLES.get(kind) not in {p.name for p in pending}
                                                 for kind in target_types(t))), None)
        if ready is None:
            raise RuntimeError("polymorphic tables point at each other in a circle: "
                               + ", ".join(t.name for t in pending))
        ordered.append(ready)
        pending.remove(ready)
    return plain + ordered


def unclassified_tables(metadata=Base.metadata) -> set[str]:
    """Tables that are neither exported, nor reference data, nor named as not city data: a schema change this
    module has not been told about."""
    known = {t.name for t in exported_tables(metadata)} | REFERENCE_TABLES | set(NOT_CITY_DATA)
    return set(metadata.tables) - known


def _pk(table: Table) -> list:
    return list(table.primary_key.columns)


def _generated_pk(table: Table):
    """The primary key column the database numbers (so the import leaves it out), or None."""
    columns = _pk(table)
    if len(columns) == 1:
        column = columns[0]
        if isinstance(column.type, Integer) and not column.foreign_keys and column.autoincrement in (True, "auto"):
            return column
    return None


def _key(table: Table, row: dict) -> tuple:
    return tuple(row[c.name] for c in _pk(table))


def _sort_key(value):
    return (value is None, value)


# ---------------------------------------------------------------------------------------------------------------
# Values: JSON on the way out, Python on the way in (Decimal as text, timestamps as ISO 8601 in UTC)


def encode(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in the database")
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode(value, column):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise InvalidBackup(f"{column.table.name}.{column.name}: a timestamp without a time zone")
        return moment.astimezone(timezone.utc)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    return value


def schema_revision() -> str:
    """The Alembic revision(s) this database is at."""
    heads = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    return ",".join(sorted(heads))


# ---------------------------------------------------------------------------------------------------------------
# Export


class _Rows:
    """The rows found so far, per table, by primary key; and the values each referenced column takes."""

    def __init__(self):
        self.rows: dict[str, dict[tuple, dict]] = defaultdict(dict)

    def values(self, table: str, column: str) -> set:
        return {row[column] for row in self.rows[table].values()}


def _chunks(values, size=500):
    values = sorted(values, key=_sort_key)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _select_rows(table: Table, where) -> list[dict]:
    return [dict(row) for row in db.session.execute(select(table).where(where)).mappings()]


def _find_city_rows(city: City, tables: list[Table]) -> _Rows:
    """Every row that a reference leads to the city from (a foreign key or a polymorphic target), to a fixed
    point. Each (table, column) asks only about the referenced values it has not asked about yet."""
    found = _Rows()
    cities = db.metadata.tables["cities"]
    found.rows["cities"] = {(city.id,): _select_rows(cities, cities.c.id == city.id)[0]}
    scoped = {t.name for t in tables}
    asked: dict[tuple, set] = defaultdict(set)
    changed = True
    while changed:
        changed = False
        for table in tables:
            probes = []
            for column in table.columns:
                for fk in column.foreign_keys:
                    parent = fk.column.table.name
                    if parent in scoped:
                        probes.append((column, column.name, found.values(parent, fk.column.name)))
            if is_polymorphic(table):
                for kind, target in TARGET_TABLES.items():
                    if target in scoped and found.rows[target]:
                        target_pk = _pk(db.metadata.tables[target])
                        if len(target_pk) == 1:
                            probes.append((table.c.target_id, ("target", kind),
                                           found.values(target, target_pk[0].name), kind))
            for probe in probes:
                column, label, values = probe[0], probe[1], probe[2]
                new = values - asked[(table.name, label)] - {None}
                if not new:
                    continue
                asked[(table.name, label)] |= new
                for chunk in _chunks(new):
                    where = column.in_(chunk)
                    if len(probe) == 4:
                        where = where & (table.c.target_type == probe[3])
                    for row in _select_rows(table, where):
                        key = _key(table, row)
                        if key not in found.rows[table.name]:
                            found.rows[table.name][key] = row
                            changed = True
    return found


def _resolve_references(found: _Rows, tables: list[Table], shared_ok: set[str], notes: Counter) -> None:
    """References to rows outside the backup: a row whose required reference (or polymorphic target) is outside
    is left out, and so, in turn, the rows that refer to it; an optional reference is set to NULL. Shared
    tables (users, organizations) may be referred to freely."""
    changed, settled = True, False
    while changed or not settled:
        settled = not changed  # the rows left are final: one last pass sets the optional references
        changed = False
        cache: dict[tuple, set] = {}

        def present(parent: str, column: str) -> set:  # as the pass began: a row left out now counts next pass
            if (parent, column) not in cache:
                cache[(parent, column)] = found.values(parent, column)
            return cache[(parent, column)]

        for table in tables:
            rows = found.rows[table.name]
            for key in list(rows):
                row = rows[key]
                outside = []
                for column in table.columns:
                    for fk in column.foreign_keys:
                        parent = fk.column.table.name
                        if row[column.name] is None or parent in REFERENCE_TABLES or parent in shared_ok:
                            continue
                        if row[column.name] not in present(parent, fk.column.name):
                            outside.append((column, parent))
                reason = next((f"its {column.name} refers to {parent} outside the city" for column, parent in outside
                               if not column.nullable or column.primary_key), None)
                if reason is None and is_polymorphic(table):
                    target = TARGET_TABLES.get(row["target_type"])
                    target_table = db.metadata.tables.get(target)
                    if target not in shared_ok and (
                            target_table is None or target in NOT_CITY_DATA or len(_pk(target_table)) != 1
                            or row["target_id"] not in present(target, _pk(target_table)[0].name)):
                        reason = f"its target ({row['target_type']}) is outside the city"
                if reason is not None:
                    del rows[key]
                    notes[f"{table.name}: row left out: {reason}"] += 1
                    changed = True
                    continue
                for column, parent in outside if settled else ():
                    row[column.name] = None
                    notes[f"{table.name}.{column.name} set to NULL: it referred to {parent} outside the city"] += 1


def _shared_rows(found: _Rows, tables: list[Table], notes: Counter) -> None:
    """The users and organizations the city's rows refer to (organizations of the city are already there)."""
    organizations = db.metadata.tables["organizations"]
    wanted = {"organizations": set(), "users": set()}
    for table in tables:
        for row in found.rows[table.name].values():
            for column in table.columns:
                for fk in column.foreign_keys:
                    if fk.column.table.name in wanted and row[column.name] is not None:
                        wanted[fk.column.table.name].add(row[column.name])
            if is_polymorphic(table) and TARGET_TABLES.get(row["target_type"]) in wanted:
                wanted[TARGET_TABLES[row["target_type"]]].add(row["target_id"])
    missing = wanted["organizations"] - found.values("organizations", "id")
    for chunk in _chunks(missing):
        for row in _select_rows(organizations, organizations.c.id.in_(chunk)):
            found.rows["organizations"][(row["id"],)] = row
    _resolve_references(found, [organizations], {"users"}, notes)
    for row in found.rows["organizations"].values():
        for column in ("verified_by_id", "created_by_id"):
            if row[column] is not None:
                wanted["users"].add(row[column])
    users = db.metadata.tables["users"]
    for chunk in _chunks(wanted["users"]):
        for row in _select_rows(users, users.c.id.in_(chunk)):
            found.rows["users"][(row["id"],)] = row


def _personal_text_scrubber(users: list[dict], city: City) -> Callable[[str], str]:
    """Every name and e-mail address of the exported people, wherever it occurs in text (audit details, a
    mention in a comment), replaced by the person's pseudonym."""
    replacements = {}
    for row in users:
        pseudonym = city.pseudonym(row["id"])
        if len(row["name"]) >= 2:
            replacements[row["name"].casefold()] = pseudonym
        replacements[row["email"].casefold()] = f"{pseudonym}@invalid"
    if not replacements:
        return lambda text: text
    # Not inside a Latin word or number ("An" is hidden, "Busan" stays); Korean particles may follow a name.
    pattern = re.compile("(?<![A-Za-z0-9])(?:" + "|".join(
        re.escape(k) for k in sorted(replacements, key=len, reverse=True)) + ")(?![A-Za-z0-9])", re.I)
    return lambda text: pattern.sub(lambda m: replacements[m.group(0).casefold()], text)


def _free_text(table: Table, column) -> bool:
    """Whether a column holds what people wrote (scrubbed of names), not a key, slug, code or enum value."""
    if column.primary_key or column.foreign_keys or column.name in ("slug", "target_type") \
            or column.name.endswith("_code"):
        return False
    return not any(isinstance(c, CheckConstraint) and re.match(rf"\s*{re.escape(column.name)} IN \(", str(c.sqltext))
                   for c in table.constraints)


def _scrub(value, scrub):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub(v, scrub) for v in value]
    if isinstance(value, dict):
        return {scrub(k): _scrub(v, scrub) for k, v in value.items()}
    return value


def _budget_outcome_checks(found: _Rows) -> dict:
    """Which certified outcomes' ballot digest and published .pb still match their ballots: those are derived
    from the ballots' proposal ids, so the import computes them again under the new ids."""
    from app.models import BudgetOutcome, Process
    from app.voting.budget_services import count
    from app.voting.pabulib_io import process_to_pb

    matches = {}
    for (process_id,), row in found.rows["budget_outcomes"].items():
        process = db.session.get(Process, process_id)
        outcome = db.session.get(BudgetOutcome, process_id)
        if process is None or outcome is None or process.budget is None:
            continue
        digest = count(process).digest == row["ballots_digest"]
        pb = process_to_pb(process, selected=set(outcome.winner_ids), rule=outcome.rule) == row["ballots_pb"]
        matches[str(process_id)] = {"ballots_digest": digest, "ballots_pb": pb}
    return matches


def export_city(slug: str, *, full: bool = False) -> ExportResult:
    """The city as one JSON-ready document."""
    unknown = unclassified_tables()
    if unknown:
        raise RuntimeError(f"tables neither exported nor listed as not city data: {', '.join(sorted(unknown))}")
    city = db.session.scalar(select(City).where(City.slug == slug))
    if city is None:
        raise InvalidBackup(f"no city with the slug {slug!r}")
    tables = city_tables()
    notes: Counter = Counter()
    found = _find_city_rows(city, tables)
    if not full:
        for name in PERSONAL_TABLES:
            left_out = len(found.rows.pop(name, {}))
            if left_out:
                notes[f"{name}: left out, personal data ({PERSONAL_TABLES[name]}); only a --full backup "
                      f"holds them"] += left_out
    _resolve_references(found, tables, set(SHARED_TABLES), notes)
    _shared_rows(found, tables, notes)
    document_tables = {}
    scrub = None
    if not full:
        scrub = _personal_text_scrubber(list(found.rows["users"].values()), city)
    for table in exported_tables():
        if not full and table.name in PERSONAL_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in NEVER_EXPORTED
                   and (full or (table.name, c.name) not in SECRET_COLUMNS)]
        rows = []
        for key in sorted(found.rows[table.name], key=lambda k: tuple(map(_sort_key, k))):
            row = dict(found.rows[table.name][key])
            if not full:
                for (name, column), replace in PERSONAL_COLUMNS.items():
                    if name == table.name:
                        row[column] = replace(row, city)
                if table.name != "users":
                    row = {k: _scrub(v, scrub) if _free_text(table, table.c[k]) else v for k, v in row.items()}
            rows.append([encode(row[c.name]) for c in columns])
        document_tables[table.name] = {"columns": [c.name for c in columns], "rows": rows}
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema_revision": schema_revision(),
        "city": city.slug,
        "full": full,
        "exported_at": encode(datetime.now(timezone.utc)),
        "left_out": [f"{text} ({n})" for text, n in sorted(notes.items())],
        "derived": {"budget_outcomes": _budget_outcome_checks(found)},
        "tables": document_tables,
    }
    counts = {name: len(t["rows"]) for name, t in document_tables.items()}
    return ExportResult(document=document, counts=counts, notes=document["left_out"])


# ---------------------------------------------------------------------------------------------------------------
# Import


def _check_document(document) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(
            document.get("tables"), dict):
        raise InvalidBackup("this is not a Madang city backup")
    if document.get("version") != FORMAT_VERSION:
        raise InvalidBackup(f"backup format version {document.get('version')!r}; this instance reads version "
                            f"{FORMAT_VERSION}")
    here = schema_revision()
    if document.get("schema_revision") != here:
        raise InvalidBackup(f"the backup was made at schema revision {document.get('schema_revision')!r} and "
                            f"this database is at {here!r}: bring both to the same revision "
                            "(flask --app app db upgrade) and export again")
    names = {t.name for t in exported_tables()}
    for name, content in document["tables"].items():
        if name not in names:
            raise InvalidBackup(f"the backup holds a table this instance does not back up: {name}")
        table = db.metadata.tables[name]
        if not isinstance(content, dict) or not isinstance(content.get("rows"), list) or \
                not isinstance(content.get("columns"), list):
            raise InvalidBackup(f"table {name}: expected columns and rows")
        unknown = set(content["columns"]) - set(table.c.keys())
        if unknown:
            raise InvalidBackup(f"table {name}: unknown columns {', '.join(sorted(unknown))}")
        width = len(content["columns"])
        if any(not isinstance(row, list) or len(row) != width for row in content["rows"]):
            raise InvalidBackup(f"table {name}: a row does not match its columns")
    cities = document["tables"].get("cities", {}).get("rows", [])
    if len(cities) != 1:
        raise InvalidBackup("the backup must hold exactly one city")
    slug = dict(zip(document["tables"]["cities"]["columns"], cities[0])).get("slug")
    if db.session.scalar(select(City.id).where(City.slug == slug)) is not None:
        raise InvalidBackup(f"a city with the slug {slug!r} already exists here")


def _generations(table: Table, rows: list[dict]) -> list[list[dict]]:
    """Rows in insertion order: a row after the rows of the same table it refers to (comments' parents)."""
    self_columns = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    if not self_columns:
        return [rows]
    pk = _pk(table)[0].name
    by_id = {row[pk]: row for row in rows}
    depth: dict = {}

    def depth_of(row, seen=()):
        key = row[pk]
        if key not in depth:
            if key in seen:
                raise InvalidBackup(f"{table.name}: rows refer to each other in a circle")
            parents = [by_id[row[c]] for c in self_columns if row[c] is not None and row[c] in by_id]
            depth[key] = 1 + max((depth_of(p, seen + (key,)) for p in parents), default=-1)
        return depth[key]

    levels: dict[int, list] = defaultdict(list)
    for row in rows:
        levels[depth_of(row)].append(row)
    return [levels[level] for level in sorted(levels)]


def _free_process_slugs(rows: list[dict], notes: list[str]) -> None:
    """Process slugs are unique on an instance: a slug already taken here gets -2, -3, …"""
    from app.slugs import unique_process_slug
    from app.models import Process

    taken = {row["slug"] for row in rows}
    existing = set(db.session.scalars(select(Process.slug).where(Process.slug.in_(taken))))
    for row in rows:
        if row["slug"] in existing:
            new = unique_process_slug(row["slug"])
            while new in taken:
                new = unique_process_slug(new + "-2")
            notes.append(f"process slug {row['slug']!r} is taken here: imported as {new!r}")
            taken.add(new)
            row["slug"] = new


def _translate(table: Table, row: dict, maps: IdMaps) -> dict:
    out = {}
    for name, value in row.items():
        column = table.c[name]
        if value is not None:
            for fk in column.foreign_keys:
                parent = fk.column.table.name
                if parent not in REFERENCE_TABLES:
                    value = maps.new_id(parent, value)
        out[name] = value
    if is_polymorphic(table) and "target_id" in out:
        target = TARGET_TABLES.get(out["target_type"])
        if target is None:
            raise InvalidBackup(f"{table.name}: unknown target type {out['target_type']!r}")
        out["target_id"] = maps.new_id(target, out["target_id"])
    return out


def _match_users(rows: list[dict], maps: IdMaps) -> list[dict]:
    """Accounts already here (by e-mail) are reused as they are; the others are created."""
    from app.models import User

    existing = {}
    emails = [row["email"] for row in rows]
    for chunk in _chunks(emails):
        existing.update(db.session.execute(select(User.email, User.id).where(User.email.in_(chunk))).all())
    created = []
    for row in rows:
        if row["email"] in existing:
            maps.tables["users"][row["id"]] = existing[row["email"]]
        else:
            created.append(row)
    return created


def _insert(table: Table, rows: list[dict], maps: IdMaps, later: list) -> None:
    generated = _generated_pk(table)
    for generation in _generations(table, rows):
        old_keys = [row[generated.name] if generated is not None else None for row in generation]
        values = [_translate(table, {k: v for k, v in row.items() if generated is None or k != generated.name},
                             maps) for row in generation]
        if not values:
            continue
        pk = _pk(table)
        if generated is not None:
            statement = insert(table).returning(generated, sort_by_parameter_order=True)
            new_ids = db.session.execute(statement, values).scalars().all()
            maps.tables[table.name].update(zip(old_keys, new_ids))
            for value, new_id in zip(values, new_ids):
                value[generated.name] = new_id
        else:
            db.session.execute(insert(table), values)
            if len(pk) == 1:
                maps.tables[table.name].update(
                    (row[pk[0].name], value[pk[0].name]) for row, value in zip(generation, values))
        for (name, column), remap in JSON_COLUMNS.items():
            if name == table.name and remap is not None:
                later.extend((table, value[pk[0].name], column, value[column]) for value in values
                             if value.get(column) is not None)


def _remap_json_columns(later: list, maps: IdMaps) -> None:
    """Ids inside JSON documents may name rows of tables inserted after theirs: rewritten once all are in."""
    for table, key, column, document in later:
        remapped = JSON_COLUMNS[(table.name, column)](document, maps)
        unchanged = {c.name: c for c in table.columns if c.onupdate is not None}  # an `updated_at` stays
        db.session.execute(update(table).where(_pk(table)[0] == key).values({**unchanged, column: remapped}))


def _derive_budget_outcomes(document: dict, maps: IdMaps) -> None:
    """A certified outcome's ballot digest and published .pb name proposals by id: computed again under the new
    ids when they matched the ballots at export (a mismatch is kept, so it still shows)."""
    from app.models import BudgetOutcome, Process
    from app.voting.budget_services import count
    from app.voting.pabulib_io import process_to_pb

    db.session.expire_all()
    for old_process, matches in document.get("derived", {}).get("budget_outcomes", {}).items():
        new_process = maps.tables["processes"].get(int(old_process))
        outcome = db.session.get(BudgetOutcome, new_process) if new_process is not None else None
        if outcome is None:
            continue
        process = db.session.get(Process, new_process)
        if matches.get("ballots_digest"):
            outcome.ballots_digest = count(process).digest
        if matches.get("ballots_pb"):
            outcome.ballots_pb = process_to_pb(process, selected=set(outcome.winner_ids), rule=outcome.rule)
    db.session.flush()


def import_city(document) -> ImportResult:
    """Insert the backup's city and everything of it. Flushes, never commits: the caller commits once, or rolls
    back on InvalidBackup."""
    _check_document(document)
    maps = IdMaps()
    counts: dict[str, int] = {}
    notes: list[str] = []
    later: list = []
    reused = 0
    for table in exported_tables():
        content = document["tables"].get(table.name)
        if content is None:
            continue
        rows = []
        for raw in content["rows"]:
            try:
                rows.append({name: decode(value, table.c[name]) for name, value in zip(content["columns"], raw)})
            except (TypeError, ValueError, ArithmeticError) as error:
                raise InvalidBackup(f"table {table.name}: a value cannot be read ({error})") from error
        if table.name == "users":
            created = _match_users(rows, maps)
            reused = len(rows) - len(created)
            rows = created
        if table.name == "processes":
            _free_process_slugs(rows, notes)
        try:
            _insert(table, rows, maps, later)
        except IntegrityError as error:
            raise InvalidBackup(f"table {table.name}: the database refused a row "
                                f"({str(error.orig).splitlines()[0]})") from error
        counts[table.name] = len(rows)
    _remap_json_columns(later, maps)
    _derive_budget_outcomes(document, maps)
    city = db.session.get(City, maps.tables["cities"][dict(zip(document["tables"]["cities"]["columns"],
                                                              document["tables"]["cities"]["rows"][0]))["id"]])
    return ImportResult(city=city, maps=maps, counts=counts, reused_users=reused, notes=notes)
