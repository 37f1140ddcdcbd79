"""Exporting 1,000,000 statement votes as CSV, JSON and XLSX: the streamed writers of app/exports beside a naive
reference that reads every row into a list first and then writes the whole file in memory. Prints rows per
second and peak memory, never asserts them.

    .venv/bin/python bench/bench_exports.py [--database-url URL] [--votes 1000000] [--formats csv,json,xlsx]

The database (default: a SQLite file in the temporary folder; `BENCH_EXPORTS_DATABASE_URL` or --database-url
for PostgreSQL, whose database is created if missing) gets the schema from the migrations and one city with a
process of 2,000 statements voted on by 10,000 members: the votes of bench/opinion.py's synthetic case (four
opinion camps, a fixed seed), bulk-inserted with Core `insert()` executemany in batches. It is seeded once and
reused while it holds exactly --votes votes.

Each side of each format runs in a fresh interpreter, --repeat times (the sides in turn; the fastest run is
kept), so its peak resident set size (VmHWM) is its own: the
interpreter and the app (about 100 MB) are in every figure; "before" is the peak once the app is loaded.
The export is the open-data one: each voter named by the city's pseudonym (an HMAC per voter, cached), the
output written to /dev/null as it comes (as a server sends it).

- streamed: `DATASETS["statement-votes"].rows_for(...)` (rows fetched 2,000 at a time; on PostgreSQL a
  server-side cursor) through `writers.chunks` — what a download runs.
- naive: the same rows read into a list, then the whole file built in memory (csv into one StringIO,
  `json.dumps` of the whole document, xlsxwriter without constant_memory into a BytesIO) and written at once.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from opinion import peak_rss_mb, synthetic  # noqa: E402  (bench/opinion.py: the same votes, the same memory figure)

PARTICIPANTS, STATEMENTS = 10_000, 2_000
BATCH = 20_000
CITY = "bench-exports"
DEFAULT_URL = f"sqlite:///{Path(tempfile.gettempdir()) / 'madang-bench-exports.db'}"


def make_app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only", "TESTING": False,
                       "RATELIMIT_ENABLED": False})


def ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def seeded_votes(db, process_id: int) -> int:
    from sqlalchemy import func, select

    from app.models import StatementVote

    return db.session.scalar(select(func.count(StatementVote.id)).where(StatementVote.process_id == process_id))


def seed(url: str, votes: int) -> None:
    """One city, one process, 2,000 statements, 10,000 members and `votes` votes (once)."""
    from flask_migrate import upgrade
    from sqlalchemy import delete, insert, select

    from app.extensions import db
    from app.models import (City, Membership, Participant, Phase, Process, Statement, StatementState,
                            StatementVote, User)

    ensure_database(url)
    app = make_app(url)
    with app.app_context():
        upgrade()
        city = db.session.scalar(select(City).where(City.slug == CITY))
        process = db.session.scalar(select(Process).where(Process.city_id == city.id)) if city else None
        if process is not None and seeded_votes(db, process.id) == votes:
            print(f"Database already seeded: {votes:,} votes.")
            analyse(db)
            return
        started = time.perf_counter()
        if city is not None:  # seeded for another size: start again
            db.session.execute(delete(StatementVote).where(StatementVote.process_id == process.id))
            db.session.execute(delete(Statement).where(Statement.process_id == process.id))
            db.session.execute(delete(Phase).where(Phase.process_id == process.id))
            db.session.execute(delete(Process).where(Process.id == process.id))
            db.session.execute(delete(City).where(City.id == city.id))
            db.session.execute(delete(User).where(User.email.like("bench-exports-%")))
            db.session.commit()
        now = datetime.now(timezone.utc)
        city = City(slug=CITY, name_en="Bench city", name_ko="벤치 시", default_locale="ko")
        db.session.add(city)
        db.session.flush()
        process = Process(slug=f"{CITY}-statements", city_id=city.id, title_en="A million votes")
        db.session.add(process)
        db.session.flush()
        db.session.add(Phase(process_id=process.id, name_en="Statements", starts_at=now - timedelta(days=30),
                             ends_at=now - timedelta(days=1)))
        db.session.commit()
        db.session.execute(insert(User), [
            {"email": f"bench-exports-{n}@example.org", "name": f"Voter {n}", "password_hash": "x",
             "terms_version": "2026-11", "terms_accepted_at": now} for n in range(PARTICIPANTS)])
        user_ids = db.session.scalars(select(User.id).where(User.email.like("bench-exports-%"))
                                      .order_by(User.id)).all()
        db.session.execute(insert(Membership), [{"user_id": uid, "city_id": city.id} for uid in user_ids])
        membership_ids = db.session.scalars(select(Membership.id).where(Membership.city_id == city.id)
                                            .order_by(Membership.id)).all()
        db.session.execute(insert(Participant), [{"city_id": city.id, "membership_id": mid}
                                                 for mid in membership_ids])
        participant_ids = db.session.scalars(select(Participant.id).where(Participant.city_id == city.id)
                                             .order_by(Participant.id)).all()
        db.session.execute(insert(Statement), [
            {"process_id": process.id, "body": f"Statement {n}: 정류장마다 그늘이 필요하다 ({n})", "seeded": True,
             "state": StatementState.PUBLISHED.value} for n in range(STATEMENTS)])
        statement_ids = db.session.scalars(select(Statement.id).where(Statement.process_id == process.id)
                                           .order_by(Statement.id)).all()
        db.session.commit()
        rows, cols, values = synthetic(PARTICIPANTS, STATEMENTS, votes)
        for start in range(0, votes, BATCH):
            end = min(start + BATCH, votes)
            moment = now - timedelta(days=2, seconds=votes - start)
            db.session.execute(insert(StatementVote), [
                {"participant_id": participant_ids[r], "statement_id": statement_ids[c], "process_id": process.id,
                 "value": v, "created_at": moment, "updated_at": moment}
                for r, c, v in zip(rows[start:end].tolist(), cols[start:end].tolist(), values[start:end].tolist())])
            db.session.commit()
        analyse(db)
        print(f"Seeded {votes:,} votes in {time.perf_counter() - started:.0f} s.")


def analyse(db) -> None:
    """Fresh planner statistics, as autovacuum would leave them after a bulk load (without them PostgreSQL
    plans the export's joins for a handful of rows and spends minutes on a million)."""
    from sqlalchemy import text

    db.session.execute(text("ANALYZE"))
    db.session.commit()


def child(url: str, side: str, fmt: str) -> dict:
    """Runs in a subprocess: one export, figures as a dict."""
    from flask import g
    from sqlalchemy import select

    from app.exports import writers
    from app.exports.datasets import DATASETS, Export
    from app.extensions import db
    from app.models import City, Process

    app = make_app(url)
    dataset = DATASETS["statement-votes"]
    with app.test_request_context(f"/c/{CITY}/"):
        city = db.session.scalar(select(City).where(City.slug == CITY))
        g.city = city
        process = db.session.scalar(select(Process).where(Process.city_id == city.id))
        export = Export(process, city, public=True)
        columns = dataset.columns_for(True)
        head = {"dataset": dataset.name, "licence": {"id": "CC-BY-4.0"}, "generated_at": "now"}
        before = peak_rss_mb()
        counted = [0]

        def counting(rows):
            for row in rows:
                counted[0] += 1
                yield row

        started = time.perf_counter()
        written = 0
        with open(os.devnull, "wb") as sink:
            if side == "streamed":
                for chunk in writers.chunks(fmt, columns, counting(dataset.rows_for(export)), head):
                    written += len(chunk)
                    sink.write(chunk)
            else:
                rows = list(counting(dataset.rows_for(export)))
                body = naive(fmt, columns, rows, head)
                written = len(body)
                sink.write(body)
        seconds = time.perf_counter() - started
    return {"rows": counted[0], "seconds": seconds, "bytes": written, "before_mb": before, "peak_mb": peak_rss_mb()}


def naive(fmt: str, columns, rows: list, head: dict) -> bytes:
    """The whole file built in memory from a list of every row."""
    import csv

    from app.exports.writers import _json_value, _plain

    names = [c.name for c in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(names)
        writer.writerows([_plain(v) for v in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == "json":
        document = dict(head, columns=names, rows=[dict(zip(names, row)) for row in rows])
        return json.dumps(document, ensure_ascii=False, default=_json_value).encode("utf-8")
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "remove_timezone": True})
    sheet = book.add_worksheet(head["dataset"])
    sheet.write_row(0, 0, names)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def measure(url: str, side: str, fmt: str) -> dict:
    process = subprocess.run([sys.executable, __file__, "--database-url", url, "--child", side, fmt],
                             capture_output=True, text=True, cwd=ROOT)
    if process.returncode != 0:
        return {"error": (process.stderr.strip().splitlines() or [f"exit code {process.returncode}"])[-1]}
    return json.loads(process.stdout.strip().splitlines()[-1])


def best(runs: list[dict]) -> dict:
    """The fastest run (the machine is shared: slower runs measure the neighbours); an error if all failed."""
    good = [r for r in runs if "error" not in r]
    return min(good, key=lambda r: r["seconds"]) if good else runs[-1]


def cells(figures: dict) -> str:
    if "error" in figures:
        return f"{'error: ' + figures['error'][:60]:>42}"
    rate = figures["rows"] / figures["seconds"] if figures["seconds"] else float("inf")
    return (f"{rate:>11,.0f} rows/s {figures['seconds']:>6.1f} s "
            f"{figures['peak_mb']:>7.0f} MB ({figures['peak_mb'] - figures['before_mb']:>+6.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_EXPORTS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,json,xlsx")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side, the fastest kept")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.database_url, *args.child)))
        return
    load = os.getloadavg()[0]
    database = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{load:.2f} at start; {database}")
    seed(args.database_url, args.votes)
    print(f"\nExport of {args.votes:,} statement votes (open data: voters by pseudonym), best of {args.repeat} runs "
          f"of each side. Peak RSS (VmHWM) of the exporting process, in brackets what the export added to the "
          f"loaded app.\n")
    print(f"{'format':<6} {'streamed':^42} | {'naive (list, then whole file)':^42} | speed x, memory added x")
    for fmt in args.formats.split(","):
        runs = {"streamed": [], "naive": []}
        for _ in range(args.repeat):  # the sides in turn, so that a busy moment of the machine hits both
            for side in runs:
                runs[side].append(measure(args.database_url, side, fmt))
        streamed, reference = (best(runs[side]) for side in ("streamed", "naive"))
        ratio = ""
        if "error" not in streamed and "error" not in reference:
            speed = reference["seconds"] / streamed["seconds"]
            grown = {side: f["peak_mb"] - f["before_mb"] for side, f in (("streamed", streamed), ("naive", reference))}
            added = grown["naive"] / max(grown["streamed"], 1)
            ratio = f"{speed:.2f}x faster, {added:.0f}x less memory"
            if streamed["rows"] != reference["rows"]:
                ratio += f"  (rows differ: {streamed['rows']:,} vs {reference['rows']:,})"
        print(f"{fmt:<6} {cells(streamed)} | {cells(reference)} | {ratio}", flush=True)


if __name__ == "__main__":
    main()
