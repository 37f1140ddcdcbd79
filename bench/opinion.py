"""The opinion map (app/methods/opinion.py) beside red-dwarf's `run_pipeline` (a test extra): time and peak
memory. Prints figures, never asserts them.

    .venv/bin/python bench/opinion.py [--repeat 3] [--skip-national]

Three cases, each side measured in a subprocess of its own, so that the memory figures are honest:

(a) vTaiwan uberx (tests/data/polis/vtaiwan.uberx: 1,921 voters x 197 comments in the export; with each
    voter's latest vote per comment and moderated-out comments left out, 1,912 voters x 119 comments): ours,
    best of --repeat (at least 5), against red-dwarf, best of --repeat.
(b) Synthetic: 10,000 participants x 2,000 statements, 1,000,000 votes (four opinion camps with their own
    leanings, every participant voting on a random set of statements; a fixed seed; generated once by the
    parent and handed to the children as .npy files): ours (best of --repeat) against red-dwarf (one run).
(c) Synthetic, national scale: 100,000 participants x 5,000 statements, 10,000,000 votes: ours only.

Seconds: the analysis itself -- `OpinionResult.seconds` for ours (reading the votes into arrays is not
counted: the app hands over arrays), `run_pipeline` from call to return for red-dwarf (its input, the list of
vote dicts it asks for, is built before the clock starts). Memory: the child's peak resident set size
(VmHWM on Linux; `resource.getrusage(RUSAGE_SELF).ru_maxrss` elsewhere), which counts the interpreter,
the libraries and the input votes too; "before" is that peak just before the analysis ran, with the input in
memory, so "peak - before" is what the analysis itself added at most.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `app` imports from the repository root

UBERX = ROOT / "tests" / "data" / "polis" / "vtaiwan.uberx"
CASES = {
    "uberx": None,
    "synthetic-1m": (10_000, 2_000, 1_000_000),
    "national-10m": (100_000, 5_000, 10_000_000),
}


def peak_rss_mb() -> float:
    """This process' peak resident set size. On Linux, VmHWM of /proc/self/status: the high-water mark of
    this program's own memory. (getrusage's ru_maxrss is the fallback elsewhere; on Linux it would also
    carry over the parent's size at fork/exec time, which is why the parent stays small anyway.)"""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for row in f:
                if row.startswith("VmHWM:"):
                    return int(row.split()[1]) / 1024
    except OSError:
        pass
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return kilobytes / 1024 if sys.platform != "darwin" else kilobytes / 2**20


def uberx_votes() -> list[tuple[int, int, int, int]]:
    """(voter, comment, vote, timestamp): each voter's latest vote per comment, moderated-out comments left out."""
    from app.vision.polis_io import latest_votes

    return latest_votes(UBERX)


def synthetic(n_participants: int, n_statements: int, n_votes: int, seed: int = 2024):
    """Votes with latent structure: four camps, each leaning its own way on every statement; each participant
    votes on random statements (unique pairs). Agree/disagree follow the camp's leaning, 10 % pass."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cells = np.unique(rng.integers(0, n_participants * n_statements, size=int(n_votes * 1.05), dtype=np.int64))
    cells = cells[np.sort(rng.permutation(len(cells))[:n_votes])]  # n_votes distinct pairs, in row order
    rows = (cells // n_statements).astype(np.int32)
    cols = (cells % n_statements).astype(np.int32)
    del cells
    camp = rng.integers(0, 4, size=n_participants)
    leaning = rng.uniform(-0.8, 0.8, size=(4, n_statements))
    agree_share = 0.45 * (1 + leaning[camp[rows], cols])
    draw = rng.random(n_votes)
    values = np.where(draw < agree_share, 1, np.where(draw < 0.9, -1, 0)).astype(np.int8)
    return rows, cols, values


def child(side: str, case: str, repeat: int, folder: Path) -> dict:
    """Runs in a subprocess: one side on one case; returns the figures as a dict (printed as JSON).
    Synthetic votes are read from the .npy files the parent wrote into ``folder`` (generating them here
    would leave the generator's own memory in the peak)."""
    import numpy as np

    if case == "uberx":
        votes = uberx_votes()
        voters = sorted({v[0] for v in votes})
        comments = sorted({v[1] for v in votes})
        row_of = {voter: i for i, voter in enumerate(voters)}
        col_of = {comment: j for j, comment in enumerate(comments)}
        rows = np.array([row_of[v[0]] for v in votes], dtype=np.int32)
        cols = np.array([col_of[v[1]] for v in votes], dtype=np.int32)
        values = np.array([v[2] for v in votes], dtype=np.int8)
        n, m = len(voters), len(comments)
    else:
        n, m, _ = CASES[case]
        rows, cols, values = (np.load(folder / f"{case}-{name}.npy") for name in ("rows", "cols", "values"))
    figures = {"participants": n, "statements": m, "votes": int(len(values))}

    if side == "ours":
        from app.methods.opinion import analyse

        figures["before_mb"] = peak_rss_mb()
        best, result = float("inf"), None
        for _ in range(repeat):
            result = analyse(rows, cols, values, n, m)
            best = min(best, result.seconds)
        figures.update(seconds=best, k=result.k, clustered=result.participants_clustered)
    else:
        from reddwarf.implementations.polis import run_pipeline

        if case == "uberx":
            records = [{"participant_id": v[0], "statement_id": v[1], "vote": v[2], "modified": v[3]} for v in votes]
        else:
            records = [{"participant_id": int(r), "statement_id": int(c), "vote": int(v), "modified": 0}
                       for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist())]
        del rows, cols, values
        figures["before_mb"] = peak_rss_mb()
        best, result = float("inf"), None
        for _ in range(repeat):
            start = time.perf_counter()
            result = run_pipeline(votes=records, min_user_vote_threshold=7, random_state=0)
            best = min(best, time.perf_counter() - start)
        labels = result.participants_df["cluster_id"].dropna()
        figures.update(seconds=best, k=int(labels.nunique()), clustered=int(len(labels)))
    figures["peak_mb"] = peak_rss_mb()
    return figures


def write_synthetic(case: str, folder: Path) -> None:
    import numpy as np

    for name, array in zip(("rows", "cols", "values"), synthetic(*CASES[case])):
        np.save(folder / f"{case}-{name}.npy", array)


def measure(side: str, case: str, repeat: int, folder: Path) -> dict:
    """Runs ``side`` on ``case`` in a fresh interpreter. The parent never imports numpy nor holds votes,
    so that the children start small."""
    process = subprocess.run(
        [sys.executable, __file__, "--child", side, case, "--repeat", str(repeat), "--data", str(folder)],
        capture_output=True, text=True, cwd=ROOT,
    )
    if process.returncode != 0:
        return {"error": (process.stderr.strip().splitlines() or ["exit code %d" % process.returncode])[-1]}
    return json.loads(process.stdout.strip().splitlines()[-1])


def generate(case: str, folder: Path) -> None:
    subprocess.run([sys.executable, __file__, "--child", "generate", case, "--data", str(folder)], check=True, cwd=ROOT)


def line(label: str, figures: dict) -> str:
    if "error" in figures:
        return f"  {label:10} failed: {figures['error']}"
    added = figures["peak_mb"] - figures["before_mb"]
    return (f"  {label:10} {figures['seconds']:9.3f} s   peak RSS {figures['peak_mb']:7.0f} MB "
            f"(before the analysis {figures['before_mb']:6.0f} MB, added {added:6.0f} MB)"
            f"   k={figures['k']}, {figures['clustered']:,} clustered")


def compare(title: str, ours: dict, theirs: dict | None, target: str) -> None:
    print(title)
    print(line("ours", ours))
    if theirs is not None:
        print(line("red-dwarf", theirs))
        if "error" not in ours and "error" not in theirs:
            print(f"  ratio      red-dwarf / ours: {theirs['seconds'] / ours['seconds']:.1f}x the time, "
                  f"{theirs['peak_mb'] / ours['peak_mb']:.1f}x the peak memory "
                  f"({(theirs['peak_mb'] - theirs['before_mb']) / max(ours['peak_mb'] - ours['before_mb'], 1):.1f}x "
                  f"what the analysis added)")
    print(f"  target     {target}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-national", action="store_true", help="leave out (c), 10,000,000 votes")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, case = args.child
        if side == "generate":
            write_synthetic(case, args.data)
        else:
            print(json.dumps(child(side, case, args.repeat, args.data)))
        return
    with tempfile.TemporaryDirectory(prefix="madang-bench-opinion-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, folder: Path) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f} at start")
    print()
    ours = measure("ours", "uberx", max(args.repeat, 5), folder)
    theirs = measure("reddwarf", "uberx", args.repeat, folder)
    compare(f"(a) vTaiwan uberx: {ours.get('participants', '?'):,} voters x {ours.get('statements', '?')} comments, "
            f"{ours.get('votes', 0):,} votes", ours, theirs, "ours under 0.1 s (red-dwarf: about 0.6 s)")

    generate("synthetic-1m", folder)
    ours = measure("ours", "synthetic-1m", args.repeat, folder)
    theirs = measure("reddwarf", "synthetic-1m", 1, folder)
    compare("(b) synthetic: 10,000 participants x 2,000 statements, 1,000,000 votes", ours, theirs,
            "ours under 1 s and 500 MB (red-dwarf: 7.4 s and 1.7 GB -- it builds a dense matrix)")

    if not args.skip_national:
        generate("national-10m", folder)
        ours = measure("ours", "national-10m", 1, folder)
        dense_gb = 100_000 * 5_000 * 8 / 1e9
        compare("(c) national: 100,000 participants x 5,000 statements, 10,000,000 votes (ours only: a dense "
                f"float64 matrix alone would need 100,000 x 5,000 x 8 bytes = {dense_gb:.1f} GB before any work)",
                ours, None, "within 30 s and 4 GB")


if __name__ == "__main__":
    main()
