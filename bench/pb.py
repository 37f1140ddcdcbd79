"""Participatory-budgeting rules: Madang's app/methods/pb.py against pabutools on real Pabulib files.
Prints figures, never asserts them.

    .venv/bin/python bench/pb.py [--with-reference] [--repeat 3]

For each rule on Warszawa-Mokotów 2023 (11,067 voters, 81 projects) and Świecie 2023 (2,553 voters, 22
projects): Madang's time (best of --repeat, parsing excluded) and pabutools' time (one run, float
fractions, the reference setting for the official outcomes), with the ratio. pabutools' mes-add1 on
Mokotów takes minutes and only runs with --with-reference. Also checks that both sides fund the same
projects and says so.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `app` imports from the repository root

from app.methods import pb  # noqa: E402
from app.methods.pabulib import parse, to_instance  # noqa: E402

DATA = ROOT / "tests" / "data" / "pabulib"
MOKOTOW = "Poland_Warszawa_2023_Mokotow.pb"
SWIECIE = "Poland_Swiecie_2023.pb"


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def add1_runs(instance: pb.PBInstance) -> int:
    """How many MES runs the add1 search made (the one-unit loop makes one per step, plus the one that
    overspends)."""
    engine = pb._Engine(pb._Profile(instance))
    base = instance.budget / instance.num_voters
    supported = sum((engine.profile.costs[c] for c in engine.profile.supported), Fraction(0))
    search = pb._Add1Search(engine, base, max(0, math.ceil(supported - base)))
    search.first_overspend_minus_one()
    return search.runs


def pabutools_rule(rule: str, path: Path) -> Callable[[], set[str]]:
    """pabutools' version of a Madang rule on a file (approval ballots), with float fractions."""
    import pabutools.fractions

    pabutools.fractions.FRACTION = "float"
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares

    election, profile = parse_pabulib(str(path))

    def run() -> set[str]:
        if rule == "greedy":
            result = greedy_utilitarian_welfare(election, profile, sat_class=Cost_Sat)
        elif rule == "mes":
            result = method_of_equal_shares(election, profile, sat_class=Cost_Sat)
        else:
            result = exhaustion_by_budget_increase(
                election, profile, method_of_equal_shares, {"sat_class": Cost_Sat},
                exhaustive_stop=False, budget_step=profile.num_ballots(),
            )
        return {project.name for project in result}

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--with-reference", action="store_true", help="also run pabutools' mes-add1 on Mokotów")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f} at start")
    print()
    print(f"{'file':10} {'rule':16} {'Madang s':>9} {'pabutools s':>12} {'ratio':>8}  same winners  notes")
    for name, label in ((MOKOTOW, "Mokotów"), (SWIECIE, "Świecie")):
        path = DATA / name
        start = time.perf_counter()
        instance = to_instance(parse(path.read_bytes().decode("utf-8")))
        parsing = time.perf_counter() - start
        for rule in ("greedy", "mes", "mes-add1", "mes-add1-greedy"):
            seconds, outcome = best_of(args.repeat, lambda: pb.compute(rule, instance))
            assert isinstance(outcome, pb.PBOutcome)
            ours = set(pb.winner_ids(outcome, instance))
            notes = f"{len(ours)} funded"
            if outcome.endowment is not None and rule != "mes":
                steps = outcome.endowment - instance.budget / instance.num_voters
                notes += f", share raised {steps} times"
                if rule == "mes-add1":
                    notes += f", {add1_runs(instance)} MES runs"
            reference = "-"
            ratio = "-"
            same = "-"
            run_reference = rule in ("greedy", "mes") or (rule == "mes-add1" and (name == SWIECIE or
                                                                                   args.with_reference))
            if run_reference:
                theirs_seconds, theirs = best_of(1, pabutools_rule(rule, path))
                reference = f"{theirs_seconds:12.2f}"
                ratio = f"{theirs_seconds / seconds:8.0f}x"
                same = "yes" if theirs == ours else "NO"
            print(f"{label:10} {rule:16} {seconds:9.3f} {reference:>12} {ratio:>8}  {same:^12}  {notes}")
        print(f"{label:10} parsing the file: {parsing:.3f} s")


if __name__ == "__main__":
    main()
