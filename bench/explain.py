"""What the database does for each benchmarked page.

1. Every SQL statement a page runs is captured from the real view (an in-process request against the bench
   database, a fresh session per request as in production), with its parameters and time.
2. The statements that read ``proposals`` in bulk (the page of rows and the pagination count), the detail
   page's row and the thread's statements (totals, top-level page, reply trees, vote tallies, stance counts,
   strongest arguments) are explained with EXPLAIN (ANALYZE, BUFFERS), as a server-side prepared statement:
   - custom: planned for these parameter values. This is the plan the app gets: psycopg 3 would prepare a
     statement server-side after 5 executions on a connection, but it forgets its counts on every ROLLBACK,
     and the SQLAlchemy pool rolls back each connection when a request returns it, so no statement of a
     request is ever prepared and every execution is planned for its values;
   - generic (optional, for comparison): planned without looking at the values, as a prepared statement
     would be after PostgreSQL's plan cache switched to a generic plan (e.g. behind a statement-caching
     pooler, or if the app ever ran one query many times in one transaction).
"""
from __future__ import annotations

import re
import time

from sqlalchemy import event, text

PARAM = re.compile(r"%\((\w+)\)s")


def capture(app, engine, path: str) -> dict:
    """Run one GET through the app; return its status and every statement (SQL, parameters, ms)."""
    statements: list[dict] = []
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append({"sql": statement, "params": dict(parameters or {}),
                           "ms": round(1000 * (time.perf_counter() - started.pop()), 2)})

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        client = app.test_client()
        t = time.perf_counter()
        response = client.get(path)
        total = 1000 * (time.perf_counter() - t)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return {"status": response.status_code, "statements": statements, "request_ms": round(total, 2),
            "bytes": len(response.data), "comments_shown": response.data.count(b'<article class="comment')}


def _kind(sql: str) -> str | None:
    flat = " ".join(sql.split())
    if flat.startswith("SELECT count(*)") and "FROM proposals" in flat:
        return "count"
    if flat.startswith("SELECT proposals.id") and " LIMIT " in flat:
        return "page"
    if flat.startswith("SELECT proposals.id") and "WHERE proposals.id =" in flat:
        return "get"
    # The thread (app/deliberation/services.py, load_thread)
    if "FROM comments" not in flat and "FROM comment_votes" not in flat:
        return None
    if flat.startswith("SELECT count(*), count(CASE"):
        return "totals"  # all comments and top-level comments of the thread
    if "GROUP BY comment_votes.comment_id" in flat and " IN (" in flat and " LIMIT " not in flat:
        return "tally"  # the vote tallies of the comments shown (_votes_subquery)
    if "comments.parent_id IS NULL" in flat and " LIMIT " in flat:
        return "top"  # the page of top-level comments, in the chosen order
    if "comments.root_id IN (" in flat:
        return "replies"  # the whole reply trees of the page
    if flat.startswith("SELECT comments.stance, count(*)"):
        return "stances"  # stance counts
    if "comments.stance = " in flat and " LIMIT " in flat:
        return "strongest"  # the strongest arguments of one side
    return None


def _prepared(sql: str, params: dict, literal) -> tuple[str, str]:
    """The statement as PREPARE text with $n placeholders, and the EXECUTE argument list."""
    order: list[str] = []

    def number(match):
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    body = PARAM.sub(number, sql).replace("%%", "%")
    return body, ", ".join(literal(params[name]) for name in order)


def explain_statement(engine, sql: str, params: dict, mode: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of a prepared statement under plan_cache_mode custom or generic, and the
    best of three plain executions (client-side clock, planning included)."""
    from psycopg import sql as psql

    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection

        def literal(value):
            return psql.Literal(value).as_string(dbapi)

        body, args = _prepared(sql, params, literal)
        cur = dbapi.cursor()
        cache_mode = {"custom": "force_custom_plan", "generic": "force_generic_plan"}[mode]

        def run(statement: str):
            cur.execute(statement, prepare=False)  # never let psycopg prepare these itself

        run(f"SET plan_cache_mode = {cache_mode}")
        run(f"PREPARE bench_q AS {body}")
        try:
            run(f"EXECUTE bench_q({args})")  # warm
            cur.fetchall()
            run(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_q({args})")
            plan = "\n".join(row[0] for row in cur.fetchall())
            # EXPLAIN ANALYZE's per-row clock reads inflate its times; also time the plain execution.
            timings = []
            for _ in range(3):
                began = time.perf_counter()
                run(f"EXECUTE bench_q({args})")
                cur.fetchall()
                timings.append(1000 * (time.perf_counter() - began))
        finally:
            dbapi.rollback()  # also undoes SET
            run("DEALLOCATE bench_q")
            dbapi.rollback()
    finally:
        raw.close()
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    planning = re.search(r"Planning Time: ([\d.]+) ms", plan)
    return {
        "mode": mode,
        "generic": bool(re.search(r"\$\d", plan)),
        "execution_ms": float(execution.group(1)) if execution else None,
        "run_ms": round(min(timings), 2),
        "planning_ms": float(planning.group(1)) if planning else None,
        "indexes": sorted(set(re.findall(r"(?:using|on) (ix_\w+|pk_\w+)", plan))),
        "top": _top_nodes(plan),
        "plan": plan,
    }


def _top_nodes(plan: str, depth: int = 6) -> list[str]:
    """The plan's node lines (no detail lines), shortened: a one-glance summary."""
    nodes = []
    for line in plan.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("Planning", "Execution", "Buffers", "Sort Key", "Sort Method",
                                                "Presorted", "Full-sort", "Filter", "Rows Removed", "Recheck",
                                                "Heap Blocks", "Index Cond", "Heap Fetches", "Worker",
                                                "Hash Cond", "Join Filter", "Group Key", "Batches",
                                                "Pre-sorted", "Cache Key", "Cache Mode", "Hits:", "Output")):
            continue
        name = re.sub(r"\s+\(cost=.*?\)", "", stripped.lstrip("-> "))
        name = re.sub(r"\(actual time=([\d.]+)\.\.([\d.]+) rows=(\d+) loops=(\d+)\)",
                      r"[\2 ms, \3 rows×\4]", name)
        nodes.append(name)
        if len(nodes) >= depth:
            break
    return nodes


def explain_pages(app, engine, pages: dict[str, str], generic_too=frozenset(), kinds=None) -> dict:
    """For each labelled page: its statements, and the EXPLAIN of its bulk ``proposals`` reads and of the
    thread's statements (``kinds``: label → the kinds to explain there; all of them by default)."""
    report = {}
    for label, path in pages.items():
        capture(app, engine, path)  # warm the caches; the second capture is the one reported
        run = capture(app, engine, path)
        entry = {
            "path": path,
            "status": run["status"],
            "request_ms": run["request_ms"],
            "queries": len(run["statements"]),
            "bytes": run["bytes"],
            "comments_shown": run["comments_shown"],
            "db_ms": round(sum(s["ms"] for s in run["statements"]), 2),
            "statements": [{"sql": " ".join(s["sql"].split())[:160], "ms": s["ms"]} for s in run["statements"]],
            "explained": [],
        }
        for statement in run["statements"]:
            kind = _kind(statement["sql"])
            if kind is None or (kinds and label in kinds and kind not in kinds[label]):
                continue
            for mode in (("custom", "generic") if label in generic_too and kind != "get" else ("custom",)):
                result = explain_statement(engine, statement["sql"], statement["params"], mode)
                result["kind"] = kind
                result["sql"] = " ".join(statement["sql"].split())
                result["params"] = {k: v for k, v in statement["params"].items()}
                entry["explained"].append(result)
        report[label] = entry
    return report


def pg_settings(engine) -> dict:
    names = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
             "jit", "max_parallel_workers_per_gather", "lc_ctype")
    with engine.connect() as conn:
        return {name: conn.execute(text(f"SHOW {name}")).scalar() for name in names}
