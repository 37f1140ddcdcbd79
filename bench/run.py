"""Madang's benchmark runner: prints figures, never asserts them.

    .venv/bin/python bench/run.py [--database-url URL] [--proposals 100000] [--seconds 10] [--concurrency 4]

1. Makes the bench database (dropped and created again unless it already holds exactly N seeded proposals
   and the long thread, seeded by the current bench/seed.py, or with --reseed), builds the schema with the
   migrations and seeds it fast (bench/seed.py): N proposals, and one of them with 5,000 comments.
2. Starts one gunicorn (sync workers) serving bench/serve.py: Madang, and at /bare/ a bare Flask page
   (bench/bare_app.py), in the same processes.
3. Loads each page in turn with C keep-alive client threads for S seconds after a 1 s warm-up, and prints
   requests/s, p50/p95 latency, errors and the ratio to /bare/'s requests/s.
4. Stops the server, then shows what the database does for each page: how many statements the view runs,
   their time, and the slowest (all of them with --plans), and EXPLAIN (ANALYZE, BUFFERS) of the bulk
   proposal reads and of the long thread's statements (bench/explain.py).
5. Writes everything to bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `config`, `app` and `bench` import from the repository root

from bench import load, seed  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/madang_bench"
RESULTS = ROOT / "bench" / "results"
SEARCH_WORD = "자전거"  # "bicycle": three Hangul syllables, so one trigram pg_trgm can look up
SHORT_WORD = "버스"  # "bus": two syllables, no trigram at all (EXPLAIN section only)
THREAD_DEEP_PAGE = 40  # of the long thread's 50 pages of top-level comments


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                        help=f"PostgreSQL database to (re)create and use (default {DEFAULT_URL})")
    parser.add_argument("--proposals", type=int, default=100_000, help="proposals to seed (default 100000)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per page (default 10)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--warmup", type=float, default=1, help="warm-up seconds per page (default 1)")
    parser.add_argument("--deep-page", type=int, default=None,
                        help="the deep list page (default: the middle one, 2500 for 100,000 proposals)")
    parser.add_argument("--reseed", action="store_true", help="drop and seed again even if the data is there")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="on a shared machine, wait up to this long for it to be idle before loading")
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN ANALYZE section")
    parser.add_argument("--plans", action="store_true",
                        help="print every statement of each page and the full EXPLAIN ANALYZE plans")
    args = parser.parse_args(argv)
    if args.proposals < 1 or args.seconds <= 0 or not 1 <= args.concurrency <= 64:
        parser.error("need --proposals ≥ 1, --seconds > 0 and 1 ≤ --concurrency ≤ 64")
    return args


def prepare_database(args) -> tuple[seed.BenchTarget, dict]:
    from config import normalise_database_url

    url = normalise_database_url(args.database_url)
    print(f"== Database {seed.database_name(url)} ({args.proposals:,} proposals, one with a thread of "
          f"{seed.THREAD_COMMENTS:,} comments)")
    target = None if args.reseed else seed.existing_target(url, args.proposals)
    if target is not None:
        print("   already seeded: kept (--reseed to start again)")
        return target, {"reused": True}
    target, info = seed.seed(url, args.proposals, log=lambda m: print("  " + m, flush=True))
    t = info["timings"]
    print(f"   seeded in {t['total']:.1f} s: schema {t['schema']:.1f} s, city/users/process "
          f"{t['city_users_process']:.1f} s, proposals {t['proposals']:.1f} s, trigram index "
          f"{t['trigram_index']:.1f} s, thread {t['thread']:.1f} s, VACUUM ANALYZE {t['vacuum_analyze']:.1f} s")
    print(f"   rows: {info['counts']}")
    info["reused"] = False
    return target, info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master (started here, stopped here by its own pid) with sync workers."""

    def __init__(self, url: str, port: int, workers: int):
        self.port = port
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / "gunicorn.log"
        env = dict(os.environ, MADANG_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=url)
        env.pop("REDIS_URL", None)
        self.command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", "1",
                        "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
                        "bench.serve:application"]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=ROOT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/bare/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        return load.children_of(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def pages(target: seed.BenchTarget, deep_page: int) -> dict[str, tuple[str, list[str]]]:
    base = f"/c/{target.city_slug}"
    listing = f"{base}/processes/{target.process_id}/proposals"
    return {
        "bare": ("/bare/", ["/bare/"]),
        "list": (listing, [listing]),
        "list_deep": (f"{listing}?page={deep_page}", [f"{listing}?page={deep_page}"]),
        "search": (f"{listing}?q={SEARCH_WORD}", [f"{listing}?q={quote(SEARCH_WORD)}"]),
        "detail": (f"{base}/proposals/<{len(target.detail_ids)} fixed ids>",
                   [f"{base}/proposals/{i}" for i in target.detail_ids]),
        **thread_pages(target),
    }


def thread_pages(target: seed.BenchTarget) -> dict[str, tuple[str, list[str]]]:
    """The proposal with the long thread: comments page 1 (oldest first, the default), best first, and a
    deep comments page (40 of 50)."""
    thread = f"/c/{target.city_slug}/proposals/{target.thread_id}"
    paths = {"thread": thread, "thread_best": f"{thread}?sort=best",
             "thread_deep": f"{thread}?cpage={THREAD_DEEP_PAGE}"}
    return {label: (path, [path]) for label, path in paths.items()}


def smoke(port: int, paths: dict[str, tuple[str, list[str]]]) -> None:
    """One request per page before measuring: a broken page is reported, not benchmarked silently."""
    for label, (_shown, urls) in paths.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", urls[0])
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != 200:
            snippet = body[:300].decode("utf-8", "replace").replace("\n", " ")
            print(f"   ! {label} {urls[0]} answered {response.status}: {snippet}")


def run_load(args, url: str, target: seed.BenchTarget, deep_page: int) -> dict:
    port = args.port or free_port()
    server = Server(url, port, args.workers)
    print(f"\n== Serving: {' '.join(server.command[1:])} (pid {server.process.pid})")
    results: dict = {}
    try:
        server.wait_ready()
        paths = pages(target, deep_page)
        smoke(port, paths)
        order = list(paths) + ["bare_again"]
        for label in order:
            shown, urls = paths["bare" if label == "bare_again" else label]
            print(f"   {label:<11} {shown} …", end="", flush=True)
            result = load.measure("127.0.0.1", port, urls, args.seconds, args.concurrency, args.warmup,
                                  server_pids=server.pids)
            result["path"] = shown
            results[label] = result
            print(f" {result['rps']:.1f} req/s")
            if result["errors"]:
                print(f"     ! {result['errors']} errors; first: {result['first_error']}")
    finally:
        server.stop()
    bare = (results["bare"]["rps"] + results["bare_again"]["rps"]) / 2
    for result in results.values():
        result["ratio_to_bare"] = round(result["rps"] / bare, 3) if bare else None
    return {"bare_rps_mean": round(bare, 1), "pages": results, "port": port}


def print_table(load_results: dict, args) -> None:
    rows = load_results["pages"]
    print(f"\n== Requests/s with {args.concurrency} client threads, {args.seconds:g} s each, "
          f"gunicorn {args.workers} sync workers (ratio: to the mean of the two /bare/ runs, "
          f"{load_results['bare_rps_mean']:.1f} req/s)")
    header = (f"{'page':<11} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} "
              f"{'KB/resp':>7} {'app':>5} {'db':>5} {'client':>6} {'other':>5}  path")
    print(header)
    print("-" * len(header))
    for label, r in rows.items():
        kb = f"{r['bytes_per_response'] / 1024:.1f}" if r["bytes_per_response"] else "-"
        print(f"{label:<11} {r['rps']:>8.1f} {r['ratio_to_bare']:>6.3f} {_f(r['p50_ms']):>7} {_f(r['p95_ms']):>7} "
              f"{r['errors']:>6} {kb:>7} {_f(r['server_cpu_cores']):>5} {_f(r['database_cpu_cores']):>5} "
              f"{_f(r['client_cpu_cores']):>6} {_f(r['other_cpu_cores']):>5}  {r['path']}")
    print("app / db / client / other: CPU cores used during the window by gunicorn, PostgreSQL, this load "
          "generator,\nand everything else on the machine (other work skews the figures when 'other' is not ~0).")


def _f(value) -> str:
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def run_explain(args, url: str, target: seed.BenchTarget, deep_page: int) -> dict:
    from app import create_app
    from app.extensions import db
    from bench import explain

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32)})
    with app.app_context():
        engine = db.engine  # requests below run outside this context: a fresh session each, as served
    listing = f"/c/{target.city_slug}/processes/{target.process_id}/proposals"
    labelled = {
        "list": listing,
        "list_deep": f"{listing}?page={deep_page}",
        "search": f"{listing}?q={quote(SEARCH_WORD)}",
        "search_2_chars": f"{listing}?q={quote(SHORT_WORD)}",
        "detail": f"/c/{target.city_slug}/proposals/{target.detail_ids[len(target.detail_ids) // 2]}",
        **{label: urls[0] for label, (_shown, urls) in thread_pages(target).items()},
    }
    # The thread pages run the same statements; the first explains them all, the others what differs.
    kinds = {"thread_best": {"top", "tally"}, "thread_deep": {"top", "tally"}}
    try:
        settings = explain.pg_settings(engine)
        report = explain.explain_pages(app, engine, labelled, generic_too={"search", "search_2_chars"},
                                       kinds=kinds)
        trigram = _trigram_facts(engine)
    finally:
        engine.dispose()
    print(f"\n== What the database does per page (PostgreSQL {settings['server_version']}, "
          f"lc_ctype {settings['lc_ctype']}, work_mem {settings['work_mem']}, shared_buffers "
          f"{settings['shared_buffers']})")
    for label, entry in report.items():
        print(f"\n-- {label}: GET {entry['path']} → {entry['status']}, {entry['queries']} queries, "
              f"{entry['db_ms']:.1f} ms in the database, {entry['request_ms']:.1f} ms in all (in-process)")
        shown = 3 if label.startswith("thread") else 1
        statements = entry["statements"] if args.plans else sorted(entry["statements"], key=lambda s: -s["ms"])[:shown]
        for s in statements:
            print(f"     {s['ms']:>7.2f} ms  {s['sql'][:110]}{'' if args.plans or shown > 1 else '  (the slowest)'}")
        for e in entry["explained"]:
            print(f"   EXPLAIN {e['kind']:<5} ({e['mode']} plan): runs in {e['run_ms']} ms (EXPLAIN ANALYZE: "
                  f"execution {e['execution_ms']} ms, planning {e['planning_ms']} ms); indexes: "
                  f"{', '.join(e['indexes']) or 'none'}")
            for node in e["top"]:
                print(f"        {node}")
            if args.plans:
                print("\n".join("        | " + line for line in e["plan"].splitlines()))
    print("\n   Per page (in-process, one request each; SQL ms: the statements' time as the app sees it):")
    print(f"   {'page':<15} {'queries':>7} {'SQL ms':>7} {'all ms':>7} {'KB':>6} {'comments shown':>14}")
    for label, entry in report.items():
        print(f"   {label:<15} {entry['queries']:>7} {entry['db_ms']:>7.1f} {entry['request_ms']:>7.1f} "
              f"{entry['bytes'] / 1024:>6.1f} {entry['comments_shown']:>14}")
    print(f"\n   pg_trgm: show_trgm('{SEARCH_WORD}') = {trigram['search']}, show_trgm('{SHORT_WORD}') = "
          f"{trigram['short']} (a LIKE pattern needs a whole trigram for the index to help)")
    return {"settings": settings, "pages": report, "trigrams": trigram}


def _trigram_facts(engine) -> dict:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {
            "search": conn.execute(text("SELECT show_trgm(:w)::text"), {"w": SEARCH_WORD}).scalar(),
            "short": conn.execute(text("SELECT show_trgm(:w)::text"), {"w": SHORT_WORD}).scalar(),
        }


def background_load(seconds: float = 2.0) -> float | None:
    """How busy the machine is before we start (other work skews every figure)."""
    before = load._machine_times()
    time.sleep(seconds)
    after = load._machine_times()
    if not before or not after or after[0] == before[0]:
        return None
    return round(100 * (1 - (after[1] - before[1]) / (after[0] - before[0])), 1)


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import gunicorn

    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(), "gunicorn": gunicorn.__version__}


def main(argv=None) -> int:
    args = parse_args(argv)
    from config import normalise_database_url

    url = normalise_database_url(args.database_url)
    started = datetime.now(timezone.utc)
    target, seed_info = prepare_database(args)
    deep_page = args.deep_page or max(1, args.proposals // 20 // 2)
    busy = background_load()
    waited_until = time.monotonic() + args.wait_quiet
    while busy is not None and busy > 10 and time.monotonic() < waited_until:
        print(f"   machine {busy:.0f}% busy with other work: waiting for it to be idle …", flush=True)
        time.sleep(5)
        busy = background_load()
    if busy is not None:
        note = "  ! other work is running: the figures below are skewed by it" if busy > 10 else ""
        print(f"\n== Machine busy before the load test: {busy:.1f}% of {os.cpu_count()} CPUs{note}")
    load_results = run_load(args, url, target, deep_page)
    load_results["busy_before_pct"] = busy
    print_table(load_results, args)
    explained = None if args.no_explain else run_explain(args, url, target, deep_page)
    results = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {"proposals": args.proposals, "seconds": args.seconds, "concurrency": args.concurrency,
                   "warmup": args.warmup, "workers": args.workers, "deep_page": deep_page,
                   "thread_proposal_id": target.thread_id, "thread_comments": target.thread_comments,
                   "thread_deep_page": THREAD_DEEP_PAGE,
                   "database": seed.database_name(url)},
        "seed": seed_info,
        "load": load_results,
        "explain": explained,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"\n== Results written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
