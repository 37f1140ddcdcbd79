"""The participatory-budgeting rules: official outcomes of real votes, agreement with pabutools (the reference
implementation, a test-only dependency) on real and random instances, the fast add1 search against the
one-unit-step loop, and invariants of the outcomes and their explanations.

pabutools is given Madang's tie order (higher score, lower cost, file order) so that exact ties are settled
the same way on both sides. Two documented differences are kept out of the comparisons: pabutools' greedy
also funds projects nobody voted for when they fit (Madang never does), so such projects are dropped from
pabutools' results (they come last in its greedy order and change nothing before them); and Madang counts
prices within a relative 1e-9 as tied where pabutools compares exact fractions (random instances whose prices
differ by less than that without being equal are astronomically unlikely)."""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.methods.pabulib import dump, parse, to_instance
from app.methods.pb import (
    DOES_NOT_FIT,
    EXCEEDS_BUDGET,
    NO_SUPPORTERS,
    REASONS,
    RULES,
    SUPPORTERS_SHORT,
    PBInstance,
    PBOutcome,
    compute,
    exact_number,
    project_scores,
    winner_ids,
)

pytestmark = pytest.mark.single_db

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
ASSEN = "Netherlands_Assen_2024.pb"
SWIECIE = "Poland_Swiecie_2023.pb"
MOKOTOW = "Poland_Warszawa_2023_Mokotow.pb"
ZURICH = "Switzerland_Zurich_D10.pb"
JERSEY = "US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks.pb"
TURK = "Worldwide_Mechanical_Turk_Ranking_value_3.pb"

# The Pabulib META `rule` values that name one of Madang's rules.
OFFICIAL_RULES = {"greedy": "greedy", "equalshares/add1": "mes-add1", "equalshares/add1+greedy": "mes-add1-greedy"}

_loaded: dict[str, PBInstance] = {}


def load(name: str) -> PBInstance:
    if name not in _loaded:
        _loaded[name] = to_instance(parse((DATA / name).read_bytes().decode("utf-8")))
    return _loaded[name]


def official(name: str) -> tuple[str | None, set[str]]:
    pf = parse((DATA / name).read_bytes().decode("utf-8"))
    rule = OFFICIAL_RULES.get(pf.meta.get("rule", "").replace(" ", ""))
    return rule, {row["project_id"] for row in pf.projects if row.get("selected") == "1"}


def files_with_official_rule() -> list[str]:
    return [path.name for path in sorted(DATA.glob("*.pb")) if official(path.name)[0] is not None]


# --- official outcomes -------------------------------------------------------------------------------------


def test_the_official_files_are_the_expected_ones():
    assert files_with_official_rule() == [ASSEN, SWIECIE, MOKOTOW]


@pytest.mark.parametrize("name", files_with_official_rule())
def test_official_outcomes_are_reproduced(name):
    rule, selected = official(name)
    assert rule is not None and selected
    instance = load(name)
    assert set(winner_ids(compute(rule, instance), instance)) == selected


def test_assen_add1_share_and_explanations():
    instance = load(ASSEN)
    outcome = compute("mes-add1", instance)
    # 84 voters: the share was raised 843 times from 100000 / 84; the next raise overspends.
    assert outcome.endowment == Fraction(100000, 84) + 843
    assert outcome.total_cost == 76700 and len(outcome.winners) == 9
    index = instance.project_ids.index("8")  # Crossbaan in Peelo: 25 votes, 40000, not funded
    result = outcome.projects[index]
    assert (result.selected, result.reason, result.supporters, result.score) == (False, SUPPORTERS_SHORT, 25, 25)
    assert result.supporters_money_left is not None and result.supporters_money_left < 40000
    for result in outcome.projects:
        if result.selected:
            assert result.stage == "mes"
            assert result.paid_by_supporters == pytest.approx(float(result.cost), rel=1e-9)
            assert result.rho is not None and result.max_payment == pytest.approx(result.rho * float(result.cost))


# --- pabutools on the real files ---------------------------------------------------------------------------


@contextmanager
def pabutools_fractions(kind: str) -> Iterator[None]:
    """pabutools computes with exact gmpy2 fractions by default; "float" switches it to floats."""
    import pabutools.fractions

    previous = pabutools.fractions.FRACTION
    pabutools.fractions.FRACTION = kind
    try:
        yield
    finally:
        pabutools.fractions.FRACTION = previous


def pabutools_election(instance: PBInstance):  # type: ignore[no-untyped-def]
    """The same vote as pabutools objects, through a Pabulib file written by `dump`."""
    from pabutools.election.pabulib import parse_pabulib_from_string

    ids = instance.project_ids
    votes = []
    for number, ballot in enumerate(instance.ballots):
        row = {"voter_id": f"v{number}", "vote": ",".join(ids[i] for i in ballot)}  # type: ignore[union-attr]
        if instance.kind == "cumulative":
            row["points"] = ",".join(str(p) for p in ballot.values())  # type: ignore[union-attr]
        votes.append(row)
    columns = ["voter_id", "vote"] + (["points"] if instance.kind == "cumulative" else [])
    text = dump({"budget": instance.budget, "vote_type": instance.kind}, ["project_id", "cost"],
                [{"project_id": p, "cost": c} for p, c in zip(ids, instance.costs)], columns, votes)
    return parse_pabulib_from_string(text)


def madang_tie_order(instance: PBInstance):  # type: ignore[no-untyped-def]
    from pabutools.tiebreaking import TieBreakingRule

    scores = project_scores(instance)
    key = {pid: (-scores[i], instance.costs[i], i) for i, pid in enumerate(instance.project_ids)}
    return TieBreakingRule(lambda inst, prof, project: key[project.name])


def pabutools_outcome(rule: str, instance: PBInstance, fractions: str = "gmpy2") -> set[str]:
    """What pabutools funds under ``rule``, with Madang's scores, utilities and tie order."""
    from pabutools.election import Additive_Borda_Sat, Additive_Cardinal_Sat, Cost_Sat
    from pabutools.election.satisfaction import AdditiveSatisfaction
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    restricted = instance
    with pabutools_fractions(fractions):
        election, profile = pabutools_election(restricted)
        ties = madang_tie_order(restricted)

        class ScoreTimesCost(AdditiveSatisfaction):
            """Greedy "by score": pabutools' greedy ranks by satisfaction per unit of cost, so the
            satisfaction is the score times the cost (for approval this is pabutools' Cost_Sat)."""

            def __init__(self, inst, prof, ballot):  # type: ignore[no-untyped-def]
                def score(inst, prof, ballot, project, precomputed):  # type: ignore[no-untyped-def]
                    if restricted.kind == "ordinal":
                        if project not in ballot:
                            return 0
                        return (len(ballot) - ballot.position(project) - 1) * project.cost
                    if restricted.kind == "cumulative":
                        return ballot.get(project, 0) * project.cost
                    return project.cost if project in ballot else 0

                AdditiveSatisfaction.__init__(self, inst, prof, ballot, score)

        mes_sat = {"approval": Cost_Sat, "cumulative": Additive_Cardinal_Sat, "ordinal": Additive_Borda_Sat}
        mes = {"sat_class": mes_sat[restricted.kind], "tie_breaking": ties}
        greedy = {"sat_class": ScoreTimesCost, "tie_breaking": ties}
        n = profile.num_ballots()
        add1 = {"rule": method_of_equal_shares, "rule_params": mes, "exhaustive_stop": False, "budget_step": n}
        if rule == "greedy":
            result = greedy_utilitarian_welfare(election, profile, **greedy)
        elif rule == "mes":
            result = method_of_equal_shares(election, profile, **mes)
        elif rule == "mes-add1":
            result = exhaustion_by_budget_increase(election, profile, **add1)
        else:
            result = completion_by_rule_combination(
                election, profile, [exhaustion_by_budget_increase, greedy_utilitarian_welfare], [add1, greedy]
            )
    supported = {pid for pid, score in zip(instance.project_ids, project_scores(instance)) if score > 0}
    return {project.name for project in result} & supported


SMALL_FILES = [ASSEN, ZURICH, JERSEY, TURK]


@pytest.mark.parametrize("name", SMALL_FILES)
@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_real_small_files_match_pabutools(name, rule):
    instance = load(name)
    assert set(winner_ids(compute(rule, instance), instance)) == pabutools_outcome(rule, instance)


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL_FILES)
@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-greedy"])
def test_real_small_files_match_pabutools_add1(name, rule):
    """pabutools runs MES once per step with exact fractions: a few seconds per file."""
    instance = load(name)
    assert set(winner_ids(compute(rule, instance), instance)) == pabutools_outcome(rule, instance)


@pytest.mark.slow
def test_swiecie_add1_matches_pabutools_with_floats():
    """The reference for the official outcome: pabutools' exhaustion_by_budget_increase with a step of one unit
    per voter, in float mode (about ten seconds)."""
    instance = load(SWIECIE)
    ours = set(winner_ids(compute("mes-add1", instance), instance))
    assert ours == pabutools_outcome("mes-add1", instance, fractions="float") == official(SWIECIE)[1]


# --- random instances --------------------------------------------------------------------------------------


@st.composite
def instances(draw, kind: str | None = None, max_cost: int = 40) -> PBInstance:  # type: ignore[no-untyped-def]
    kind = kind or draw(st.sampled_from(["approval", "cumulative", "ordinal"]))
    num_projects = draw(st.integers(3, 8))
    num_voters = draw(st.integers(2, 30))
    costs = draw(st.lists(st.integers(1, max_cost), min_size=num_projects, max_size=num_projects))
    budget = draw(st.integers(1, sum(costs)))
    projects = st.integers(0, num_projects - 1)
    ballots: list[object] = []
    for _ in range(num_voters):
        if kind == "approval":
            ballots.append({c: 1 for c in draw(st.sets(projects, max_size=num_projects))})
        elif kind == "cumulative":
            chosen = draw(st.sets(projects, min_size=1, max_size=num_projects))
            ballots.append({c: draw(st.integers(1, 5)) for c in sorted(chosen)})
        else:
            ballots.append(tuple(draw(st.permutations(range(num_projects)))[: draw(st.integers(1, num_projects))]))
    return PBInstance.create(budget, costs, ballots, kind, [f"p{i}" for i in range(num_projects)])


FEW = settings(max_examples=max(10, settings().max_examples // 4), deadline=None)


@pytest.mark.parametrize("rule", ["greedy", "mes"])
@given(instance=instances())
def test_random_instances_match_pabutools(rule, instance):
    assert set(winner_ids(compute(rule, instance), instance)) == pabutools_outcome(rule, instance)


@pytest.mark.parametrize("rule", ["mes-add1", "mes-add1-greedy"])
@FEW
@given(instance=instances(max_cost=20))
def test_random_instances_match_pabutools_add1(rule, instance):
    assert set(winner_ids(compute(rule, instance), instance)) == pabutools_outcome(rule, instance)


def one_unit_steps(
    instance: PBInstance, mes: Callable[[int], list[int]] | None = None
) -> tuple[list[int], Fraction]:
    """mes-add1 by its definition: MES with a virtual budget of budget + k * n for k = 0, 1, 2, ...; the
    outcome kept is the last one that fits the real budget. Once every voter's share covers the cost of all
    supported projects together, every supported project is funded at every further step. ``mes(k)`` gives
    the winners at step k (by default `compute("mes")` on the instance with the virtual budget). Returns the
    winners and each voter's share."""
    n = instance.num_voters
    base = instance.budget / n
    if mes is None:
        def mes(k: int) -> list[int]:
            return compute("mes", replace(instance, budget=instance.budget + k * n)).winners
    scores = project_scores(instance)
    supported_cost = sum((c for c, s in zip(instance.costs, scores) if s > 0), Fraction(0))
    previous = None
    for k in range(max(0, math.ceil(supported_cost - base)) + 1):
        winners = mes(k)
        if sum((instance.costs[c] for c in winners), Fraction(0)) > instance.budget:
            return previous or (winners, base + k)
        previous = (winners, base + k)
    assert previous is not None
    return previous


@given(instance=instances())
def test_fast_add1_search_equals_the_one_unit_steps(instance):
    fast = compute("mes-add1", instance)
    assert (fast.winners, fast.endowment) == one_unit_steps(instance)


@pytest.mark.parametrize("name", [ASSEN, ZURICH, JERSEY, TURK])
def test_fast_add1_search_equals_the_one_unit_steps_on_real_files(name):
    instance = load(name)
    fast = compute("mes-add1", instance)
    assert (fast.winners, fast.endowment) == one_unit_steps(instance)


@pytest.mark.slow
@pytest.mark.parametrize("name", [SWIECIE, MOKOTOW])
def test_fast_add1_search_equals_the_one_unit_steps_on_large_files(name):
    """Mokotów's outcome changes every two or three steps: the hardest real case for the search. Its 360
    steps run MES directly on one prepared profile (the module's plain MES run, without the search), as
    `compute` would prepare the same profile again at every step."""
    from app.methods.pb import _Engine, _Profile

    instance = load(name)
    engine = _Engine(_Profile(instance))
    base = instance.budget / instance.num_voters
    fast = compute("mes-add1", instance)
    expected = one_unit_steps(instance, lambda k: engine.run(float(base + k)).winners)
    assert (fast.winners, fast.endowment) == expected
    assert fast.endowment == base + {SWIECIE: 242, MOKOTOW: 359}[name]


# --- invariants and explanations ---------------------------------------------------------------------------


def check_outcome(rule: str, instance: PBInstance, outcome: PBOutcome) -> None:
    scores = project_scores(instance)
    winners = outcome.winners
    assert outcome.rule == rule
    assert len(set(winners)) == len(winners)
    assert outcome.total_cost == sum((instance.costs[c] for c in winners), Fraction(0))
    assert outcome.total_cost <= instance.budget
    assert outcome.scores == scores
    assert all(scores[c] > 0 for c in winners)
    supporters = [set() for _ in range(instance.num_projects)]  # type: list[set[int]]
    for voter, ballot in enumerate(instance.ballots):
        for c, points in instance.ballot_points(ballot).items():
            supporters[c].add(voter)
    assert outcome.voters_with_funded == len(set().union(*(supporters[c] for c in winners)))
    left = instance.budget - outcome.total_cost
    for result in outcome.projects:
        c = result.index
        assert result.selected == (c in winners)
        assert result.supporters == len(supporters[c]) and result.score == scores[c]
        assert result.cost == instance.costs[c]
        if result.selected:
            assert result.reason is None and result.stage in ("mes", "greedy")
            if result.stage == "mes":
                assert rule != "greedy"
                assert result.paid_by_supporters == pytest.approx(float(result.cost), rel=1e-9, abs=1e-9)
            continue
        assert result.stage is None and result.reason in REASONS
        if result.reason == NO_SUPPORTERS:
            assert result.supporters == 0
        elif result.reason == EXCEEDS_BUDGET:
            assert result.cost > instance.budget
        elif result.reason == DOES_NOT_FIT:
            assert rule in ("greedy", "mes-add1-greedy")
            assert result.budget_left is not None and result.cost > result.budget_left >= left
        else:
            assert result.reason == SUPPORTERS_SHORT and rule in ("mes", "mes-add1")
            assert result.supporters_money_left is not None
            assert result.supporters_money_left < float(result.cost) * (1 + 1e-9)
        if rule in ("greedy", "mes-add1-greedy") and result.supporters:
            assert result.cost > left  # greedy is maximal: nothing supported still fits
    if rule == "greedy":
        assert outcome.endowment is None
    elif rule == "mes":
        assert outcome.endowment == instance.budget / instance.num_voters
    else:
        assert outcome.endowment is not None and outcome.endowment >= instance.budget / instance.num_voters
        assert (outcome.endowment - instance.budget / instance.num_voters).denominator == 1


@given(instance=instances(), rule=st.sampled_from(RULES))
def test_outcomes_are_consistent(instance, rule):
    check_outcome(rule, instance, compute(rule, instance))


@given(instance=instances())
def test_greedy_completion_only_adds_to_add1(instance):
    add1 = compute("mes-add1", instance)
    completed = compute("mes-add1-greedy", instance)
    assert completed.winners[: len(add1.winners)] == add1.winners
    assert completed.endowment == add1.endowment


@pytest.mark.parametrize("name", [ASSEN, SWIECIE, MOKOTOW, ZURICH, JERSEY, TURK])
def test_real_outcomes_are_consistent(name):
    instance = load(name)
    for rule in ("greedy", "mes", "mes-add1-greedy"):
        check_outcome(rule, instance, compute(rule, instance))


def test_greedy_ties_prefer_higher_score_then_lower_cost_then_file_order():
    # p0 and p1: 2 votes each, p1 cheaper; p2 and p3: 1 vote each, same cost: file order.
    instance = PBInstance.create(10, [6, 5, 4, 4], [{0, 1, 2}, {0, 1, 3}], "approval")
    assert compute("greedy", instance).winners == [1, 2]
    tied = PBInstance.create(10, [5, 5], [{0}, {1}], "approval")
    assert compute("greedy", tied).winners == [0, 1]
    assert compute("mes", tied).winners == [0, 1]


def test_mes_ties_on_equal_support_prefer_the_cheaper_project():
    # Every project fully paid by its own two supporters: rho = 1/2 for all three; the cheaper goes first.
    instance = PBInstance.create(120, [30, 20, 10], [{0, 1, 2}] * 2 + [set()] * 4, "approval")
    outcome = compute("mes", instance)
    assert outcome.winners == [2, 1]
    assert outcome.projects[0].supporters_money_left == pytest.approx(10.0)


def test_ordinal_ballots_use_borda_scores():
    # A ballot ranking m projects gives m - 1 - position; the last ranked and unranked projects get 0.
    instance = PBInstance.create(100, [10, 10, 10, 10], [(0, 1, 2), (1, 0)], "ordinal")
    assert project_scores(instance) == [2 + 0, 1 + 1, 0, 0]
    outcome = compute("greedy", instance)
    assert outcome.winners == [0, 1]
    assert outcome.projects[2].reason == NO_SUPPORTERS


def test_mes_pays_in_proportion_to_points():
    # Cumulative: voter 0 gives 3 points, voter 1 gives 1; cost 40 and shares of 50: rho = 10 per point.
    instance = PBInstance.create(100, [40], [{0: 3}, {0: 1}], "cumulative")
    result = compute("mes", instance).projects[0]
    assert result.rho == pytest.approx(10.0)
    assert result.max_payment == pytest.approx(30.0)
    assert result.paid_by_supporters == pytest.approx(40.0)


def test_a_project_the_supporters_cannot_afford_is_explained():
    # Two voters with shares of 50; p0 (80) has one supporter, who has only 50.
    instance = PBInstance.create(100, [80, 30], [{0, 1}, {1}], "approval")
    outcome = compute("mes", instance)
    assert outcome.winners == [1]
    explained = outcome.projects[0]
    assert (explained.reason, explained.supporters) == (SUPPORTERS_SHORT, 1)
    assert explained.supporters_money_left == pytest.approx(35.0)
    greedy = compute("mes-add1-greedy", instance)
    assert (greedy.winners, greedy.projects[0].reason, greedy.projects[0].budget_left) == ([1], DOES_NOT_FIT, 70)


def test_a_price_equal_to_a_supporters_money_is_found():
    # Here the price of project 2 equals what one of its supporters has left, and float rounding once made
    # the price computation swing forever between "that supporter pays all" and "pays the price".
    costs = [2, 6, 25, 24, 18, 30, 25, 15]
    ballots = [{4}, {0, 2, 4, 6}, {0, 1, 2, 4, 5}, {0, 2, 4}, {0, 2, 5, 7}, {5}, {0, 4, 5}, {0, 4, 5, 6, 7},
               {0, 1, 3, 5}, {2, 4, 5}, {2, 3, 5, 6, 7}, {0, 1, 2, 5}, {0, 1}, {0, 3, 4}, {0, 1, 4},
               {1, 2, 3, 6, 7}, {5}, {0, 1, 7}, {2, 3, 4}, {0, 1}, {0, 2, 4, 7}, {1}, {0, 1, 2, 3, 4, 6}, {2, 5}]
    instance = PBInstance.create(81, costs, ballots, "approval")
    for rule in RULES:
        check_outcome(rule, instance, compute(rule, instance))
    assert set(winner_ids(compute("mes", instance), instance)) == pabutools_outcome("mes", instance)


def test_everything_supported_is_funded_by_add1_when_it_all_fits():
    instance = PBInstance.create(100, [10, 20, 30], [{0}, {1}, {2}, set()], "approval")
    outcome = compute("mes-add1", instance)
    assert sorted(outcome.winners) == [0, 1, 2]
    assert outcome.total_cost == 60


def test_edge_cases():
    nobody = PBInstance.create(100, [10], [], "approval")
    for rule in RULES:
        outcome = compute(rule, nobody)
        assert outcome.winners == [] and outcome.projects[0].reason == NO_SUPPORTERS
    free = PBInstance.create(0, [0, 5], [{0, 1}], "approval")
    for rule in RULES:
        outcome = compute(rule, free)
        assert outcome.winners == [0]
        assert outcome.projects[1].reason == EXCEEDS_BUDGET
    with pytest.raises(ValueError):
        compute("phragmen", free)


def test_instances_are_checked_and_amounts_exact():
    assert exact_number("1234.5") == Fraction(2469, 2)
    assert exact_number(Fraction(1, 3)) == Fraction(1, 3)
    with pytest.raises(TypeError):
        exact_number(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        exact_number("ten")
    with pytest.raises(ValueError):
        PBInstance.create(10, [1, 2], [{5}], "approval")
    with pytest.raises(ValueError):
        PBInstance.create(10, [1, 2], [{0: 0}], "cumulative")
    with pytest.raises(ValueError):
        PBInstance.create(10, [1, 2], [(0, 0)], "ordinal")
    with pytest.raises(ValueError):
        PBInstance.create(10, ["-1"], [], "approval")
    with pytest.raises(ValueError):
        PBInstance.create(10, [1], [], "scoring")
    instance = PBInstance.create("10.5", ["2.25"], [[0]], "approval", ["a"])
    assert instance.budget == Fraction(21, 2) and instance.costs == (Fraction(9, 4),)
