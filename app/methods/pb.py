"""Participatory-budgeting outcome rules: which projects a vote funds.

Rules (`RULES`), each computed by `compute(rule, instance)`:

- ``greedy``: projects by score, highest first; a project is funded when it fits what is left of the budget,
  and skipped otherwise (the walk goes on to the end of the list).
- ``mes``: the Method of Equal Shares. Every voter gets an equal share of the budget (budget / n). In each
  round, the project that its supporters can pay for at the lowest price per unit of utility (``rho``) is
  funded: each supporter pays ``rho`` times their utility for it, or everything they have left if that is
  less. Projects whose supporters together have less money left than their cost drop out. The rule stops
  when no project can be paid for; what is left of the budget stays unspent.
- ``mes-add1``: the completion cities run (Wieliczka, Świecie, Assen; in a Pabulib file
  ``rule;equalshares/add1``). MES is run again with every voter's share raised by one currency unit at a
  time, ``budget / n + k`` for k = 0, 1, 2, ... (a virtual total budget of ``budget + k * n``). The outcome
  kept is the last one whose total cost still fits the real budget: the rule stops at the first k whose
  outcome overspends and returns the outcome of k - 1 (k = 0 is always acceptable). When every project
  that has supporters fits in the budget together, the raises go on until all of them are funded.
  Stopping at the first outcome that leaves no affordable project unfunded ("exhaustive") is a different
  rule with different results, and is not what the cities ran.
- ``mes-add1-greedy``: ``mes-add1``, then what is left of the real budget is filled greedily by score.

Ballots and scores. Approval: a project's score is its number of approvals. Cumulative: the points it got.
Ordinal: its Borda score, where a project at position i (0 = best) of a ballot ranking m projects gets
m - 1 - i points (the convention of Pabulib and pabutools; a project the ballot does not rank gets 0).
A voter *supports* a project when their ballot gives it a positive score; a project with no supporters is
never funded, by any rule.

Utilities used by MES: approval uses cost utilities (a supporter's utility for a project is its cost, so
``rho`` times the cost is the same payment for every supporter who can afford it); cumulative uses the
points; ordinal uses the Borda points above. A free project (cost 0) with supporters has price 0 and is
funded first (pabutools' MES with cost utilities ignores such projects instead).

Tie-breaking, the same for every rule: a higher score first, then a lower cost, then the earlier project in
``project_ids`` (file order). For greedy this orders projects with equal scores; for MES it decides between
projects whose prices are equal, which happens often: with cost utilities every project whose supporters
can all pay their equal part has ``rho`` = 1 / (number of supporters). This order reproduces the official
outcomes of Assen and Świecie (mes-add1) and Warszawa-Mokotów 2023 (greedy) in the tests.

Numbers. Budget and costs are exact (`fractions.Fraction`); total costs and every "does it fit the budget"
decision are exact. MES prices and payments are computed with float64 numpy arrays: two prices within a
relative 1e-9 of each other count as tied (and the tie order decides), and supporters whose money falls
short of a cost by less than a relative 1e-12 still count as able to pay (so that exact ties such as
"n voters' equal shares pay exactly for a project costing the whole budget" survive float rounding).

The add1 search. The outcome is not monotone in the share, so the rule is defined by the one-unit steps;
this module gets the same answer without running MES at every step, using a monotonicity argument:

    Fix an order of funded projects. Along that order, every voter's remaining money after each round is a
    non-decreasing function of the starting share e (a price is non-increasing in the money of the
    supporters, and a payment ``min(money, rho * utility)`` leaves ``max(0, money - rho * utility)``, which
    is non-decreasing in money and non-increasing in rho). Hence for shares e0 < e < e1 on which the
    first r rounds funded the same projects, each project's price at round r at share e lies between its
    prices at e1 (lower) and at e0 (upper). If at every round the project funded at e0 costs (at e0) less
    than every other project costs at e1 (with the tie order, and a safety margin far above float
    rounding), the same project is funded at every share in between.

Runs at two shares e0 < e1 therefore certify a prefix of rounds for every step between them (all of them,
when the whole sequence is certified, in which case every step between has the same outcome). Steps between
two runs are searched by bisection; a run inside a certified interval replays the certified rounds (only
their own prices are computed) and takes lower bounds for the other prices from the run above it. Every
step that is not certified is computed, so the answer is the one-unit loop's answer. A test compares the
two on random instances and on real ones.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Union

import numpy as np

RULES = ("greedy", "mes", "mes-add1", "mes-add1-greedy")
KINDS = ("approval", "cumulative", "ordinal")

# Why a project was not funded (ProjectResult.reason).
NO_SUPPORTERS = "no_supporters"  # no ballot gives it a positive score
EXCEEDS_BUDGET = "exceeds_budget"  # it costs more than the whole budget
DOES_NOT_FIT = "does_not_fit"  # greedy: its cost was more than the budget left when its turn came
SUPPORTERS_SHORT = "supporters_short"  # MES: its supporters' remaining shares did not cover its cost
REASONS = (NO_SUPPORTERS, EXCEEDS_BUDGET, DOES_NOT_FIT, SUPPORTERS_SHORT)

Number = Union[int, Fraction, Decimal, str]
# Approval and cumulative ballots: project index -> points (approval: 1). Ordinal: project indices, best first.
Ballot = Union[Mapping[int, int], Sequence[int]]


def exact_number(value: Number) -> Fraction:
    """An exact amount from an int, Fraction, Decimal or decimal string ("1234.5"). Floats are refused: they
    carry binary rounding that a budget must not."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"an exact amount is needed, not {value!r}")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {value}")
        return Fraction(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except ArithmeticError:
            raise ValueError(f"not a number: {value!r}") from None
        if not parsed.is_finite():
            raise ValueError(f"not a finite amount: {value!r}")
        return Fraction(parsed)
    raise TypeError(f"not an amount: {value!r}")


@dataclass(frozen=True)
class PBInstance:
    """A participatory-budgeting vote: the budget, the projects' costs and the ballots.

    ``kind`` is "approval", "cumulative" or "ordinal". Projects are numbered by their position in
    ``project_ids``. Ballots: for approval and cumulative, a mapping project index -> points (approval: 1 for
    each approved project; cumulative: positive integers); for ordinal, a sequence of distinct project indices,
    best first. Use `PBInstance.create` to build one from Decimals, strings or plain lists."""

    budget: Fraction
    costs: tuple[Fraction, ...]
    ballots: tuple[Ballot, ...]
    kind: str
    project_ids: tuple[str, ...]

    @classmethod
    def create(
        cls,
        budget: Number,
        costs: Iterable[Number],
        ballots: Iterable[Ballot] | Iterable[Iterable[int]],
        kind: str,
        project_ids: Iterable[str] | None = None,
    ) -> PBInstance:
        """Convert and check. Approval ballots may also be given as collections of project indices."""
        exact_costs = tuple(exact_number(c) for c in costs)
        ids = tuple(str(p) for p in project_ids) if project_ids is not None else tuple(
            str(i) for i in range(len(exact_costs))
        )
        converted: list[Ballot] = []
        for ballot in ballots:
            if kind == "ordinal":
                converted.append(tuple(int(c) for c in ballot))  # type: ignore[union-attr]
            elif isinstance(ballot, Mapping):
                converted.append({int(c): int(p) for c, p in ballot.items()})
            elif kind == "approval":
                converted.append({int(c): 1 for c in ballot})  # type: ignore[union-attr]
            else:
                raise TypeError("a cumulative ballot is a mapping project index -> points")
        return cls(exact_number(budget), exact_costs, tuple(converted), kind, ids)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if not isinstance(self.budget, Fraction) or self.budget < 0:
            raise ValueError("the budget must be a non-negative Fraction (use PBInstance.create)")
        if len(self.costs) != len(self.project_ids):
            raise ValueError("there must be one cost per project id")
        if len(set(self.project_ids)) != len(self.project_ids):
            raise ValueError("project ids must be distinct")
        for cost in self.costs:
            if not isinstance(cost, Fraction) or cost < 0:
                raise ValueError("costs must be non-negative Fractions (use PBInstance.create)")
        num_projects = len(self.costs)
        for number, ballot in enumerate(self.ballots):
            if self.kind == "ordinal":
                if isinstance(ballot, Mapping) or len(set(ballot)) != len(ballot):
                    raise ValueError(f"ballot {number}: an ordinal ballot lists distinct project indices")
                indices: Iterable[int] = ballot
            else:
                if not isinstance(ballot, Mapping):
                    raise ValueError(f"ballot {number}: expected a mapping project index -> points")
                indices = ballot.keys()
                for points in ballot.values():
                    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
                        raise ValueError(f"ballot {number}: points must be positive integers")
                    if self.kind == "approval" and points != 1:
                        raise ValueError(f"ballot {number}: an approval ballot gives 1 to each project")
            for index in indices:
                if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < num_projects:
                    raise ValueError(f"ballot {number}: no project with index {index!r}")

    @property
    def num_projects(self) -> int:
        return len(self.costs)

    @property
    def num_voters(self) -> int:
        return len(self.ballots)

    def ballot_points(self, ballot: Ballot) -> dict[int, int]:
        """Project index -> the score this ballot gives it (0-score projects left out)."""
        if self.kind == "ordinal":
            length = len(ballot)
            return {index: length - 1 - position for position, index in enumerate(ballot)  # type: ignore[arg-type]
                    if length - 1 - position > 0}
        return dict(ballot)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ProjectResult:
    """What happened to one project, with the figures needed to explain it.

    For a project funded by MES: ``rho`` (its price per unit of utility), ``max_payment`` (the most any
    supporter paid) and ``paid_by_supporters`` (the sum, its cost up to float rounding). For a project left
    out, ``reason`` is one of `REASONS`; ``supporters_money_left`` (MES rules) is what its supporters still had
    of their shares when MES stopped, and ``budget_left`` (greedy stages) is the budget left when its turn came.
    """

    index: int
    selected: bool
    stage: str | None  # "mes" or "greedy" for a funded project
    supporters: int
    score: int
    cost: Fraction
    reason: str | None = None
    rho: float | None = None
    max_payment: float | None = None
    paid_by_supporters: float | None = None
    supporters_money_left: float | None = None
    budget_left: Fraction | None = None


@dataclass(frozen=True)
class PBOutcome:
    """The result of one rule. ``winners`` are project indices in the order the rule funded them;
    ``endowment`` is each voter's share in the MES run that gave the outcome (budget / n for ``mes``, the
    raised share for the add1 rules, None for greedy); ``voters_with_funded`` counts the voters who support
    at least one funded project."""

    rule: str
    winners: list[int]
    total_cost: Fraction
    scores: list[int]
    endowment: Fraction | None
    voters_with_funded: int
    projects: list[ProjectResult] = field(default_factory=list)


def winner_ids(outcome: PBOutcome, instance: PBInstance) -> list[str]:
    """The funded projects' ids, in the order they were funded."""
    return [instance.project_ids[index] for index in outcome.winners]


def project_scores(instance: PBInstance) -> list[int]:
    """Approvals, points or Borda score of every project (see the module docstring)."""
    scores = [0] * instance.num_projects
    for ballot in instance.ballots:
        for index, points in instance.ballot_points(ballot).items():
            scores[index] += points
    return scores


def compute(rule: str, instance: PBInstance) -> PBOutcome:
    """The outcome of ``rule`` (one of `RULES`) on ``instance``."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, not {rule!r}")
    profile = _Profile(instance)
    if rule == "greedy":
        winners, left_out = _greedy(profile, [], instance.budget)
        return _outcome(rule, profile, winners, None, None, left_out)
    engine = _Engine(profile)
    if rule == "mes":
        share = instance.budget / instance.num_voters if instance.num_voters else Fraction(0)
    else:
        share = _add1_share(engine)
    trace = engine.run(float(share))
    winners = list(trace.winners)
    left_out: dict[int, Fraction] = {}
    if rule == "mes-add1-greedy":
        winners, left_out = _greedy(profile, winners, instance.budget)
    return _outcome(rule, profile, winners, share, trace, left_out)


# --- the voters' data, as arrays -------------------------------------------------------------------------


class _Profile:
    """Per project: its supporters (voter indices), their utilities, score and tie-break rank."""

    def __init__(self, instance: PBInstance) -> None:
        self.instance = instance
        num_projects = instance.num_projects
        self.num_projects = num_projects
        self.num_voters = instance.num_voters
        voters: list[list[int]] = [[] for _ in range(num_projects)]
        points: list[list[int]] = [[] for _ in range(num_projects)]
        for voter, ballot in enumerate(instance.ballots):
            for index, value in instance.ballot_points(ballot).items():
                voters[index].append(voter)
                points[index].append(value)
        self.supporters = [np.array(v, dtype=np.intp) for v in voters]
        self.scores = [sum(p) for p in points]
        self.costs = list(instance.costs)
        self.float_costs = [float(c) for c in instance.costs]
        # Approval: every supporter's utility is the project's cost (stored as one number per project).
        self.utilities: list[np.ndarray | None] = [
            None if instance.kind == "approval" else np.array(p, dtype=np.float64) for p in points
        ]
        self.uniform_utility = [self.float_costs[c] if instance.kind == "approval" else 0.0
                                for c in range(num_projects)]
        self.total_utility = [
            len(voters[c]) * self.float_costs[c] if instance.kind == "approval" else float(sum(points[c]))
            for c in range(num_projects)
        ]
        order = sorted(range(num_projects), key=lambda c: (-self.scores[c], self.costs[c], c))
        self.rank = [0] * num_projects
        for position, c in enumerate(order):
            self.rank[c] = position
        self.tie_order = order
        self.supported = [c for c in range(num_projects) if len(voters[c]) > 0]


def _greedy(profile: _Profile, funded: list[int], budget: Fraction) -> tuple[list[int], dict[int, Fraction]]:
    """Add projects to ``funded`` by score (tie order) while they fit. Returns the winners and, for each
    supported project that did not fit, the budget left when its turn came."""
    winners = list(funded)
    chosen = set(funded)
    left = budget - sum((profile.costs[c] for c in funded), Fraction(0))
    skipped: dict[int, Fraction] = {}
    for c in profile.tie_order:
        if c in chosen or profile.scores[c] <= 0:
            continue
        if profile.costs[c] <= left:
            winners.append(c)
            chosen.add(c)
            left -= profile.costs[c]
        else:
            skipped[c] = left
    return winners, skipped


def _outcome(
    rule: str,
    profile: _Profile,
    winners: list[int],
    share: Fraction | None,
    trace: _Trace | None,
    skipped: dict[int, Fraction],
) -> PBOutcome:
    instance = profile.instance
    mes_winners = set(trace.winners) if trace is not None else set()
    payments: dict[int, tuple[float, float, float]] = {}
    money_left = None
    if trace is not None:
        for round_, c in enumerate(trace.winners):
            before = trace.undo[round_]
            rho = trace.rhos[round_]
            utility = profile.utilities[c]
            due = rho * (profile.uniform_utility[c] if utility is None else utility)
            paid = np.minimum(before, due)
            payments[c] = (rho, float(paid.max()) if paid.size else 0.0, float(paid.sum()))
        money_left = trace.final
    funded = set(winners)
    results: list[ProjectResult] = []
    for c in range(profile.num_projects):
        supporters = len(profile.supporters[c])
        score, cost = profile.scores[c], profile.costs[c]
        if c in mes_winners:
            rho, most, total = payments[c]
            results.append(ProjectResult(c, True, "mes", supporters, score, cost, rho=rho, max_payment=most,
                                         paid_by_supporters=total))
        elif c in funded:
            results.append(ProjectResult(c, True, "greedy", supporters, score, cost))
        else:
            if not supporters:
                reason = NO_SUPPORTERS
            elif cost > instance.budget:
                reason = EXCEEDS_BUDGET
            elif c in skipped:
                reason = DOES_NOT_FIT
            else:
                reason = SUPPORTERS_SHORT
            left = None
            if money_left is not None and supporters:
                left = float(money_left[profile.supporters[c]].sum())
            results.append(ProjectResult(c, False, None, supporters, score, cost, reason=reason,
                                         supporters_money_left=left, budget_left=skipped.get(c)))
    reached = np.zeros(profile.num_voters, dtype=bool)
    for c in winners:
        reached[profile.supporters[c]] = True
    return PBOutcome(
        rule=rule,
        winners=list(winners),
        total_cost=sum((profile.costs[c] for c in winners), Fraction(0)),
        scores=list(profile.scores),
        endowment=share,
        voters_with_funded=int(reached.sum()),
        projects=results,
    )


# --- the Method of Equal Shares ------------------------------------------------------------------------

_TIE = 1e-9  # relative: prices this close are tied, and the tie order decides
_AFFORD = 1e-12  # relative: money short of a cost by less than this still pays for it
_MARGIN = 1e-10  # relative safety margin of the add1 certificates, far above float rounding
_FULL = -1  # a certificate covering every round
_INF = math.inf


class _Trace:
    """One MES run: winners with their prices, what each winner's supporters had before paying (to undo a
    round, and to explain payments), the price lower bounds known at each round, and the final money."""

    __slots__ = ("share", "step", "winners", "rhos", "fragile", "bounds", "undo", "final", "certified")

    def __init__(self, share: float, step: int) -> None:
        self.share = share
        self.step = step
        self.winners: list[int] = []
        self.rhos: list[float] = []
        self.fragile: list[bool] = []  # paid for only thanks to the _AFFORD slack
        self.bounds: list[list[float]] = []
        self.undo: list[np.ndarray] = []
        self.final: np.ndarray = np.empty(0)
        self.certified = 0  # rounds certified against a run at a smaller share, or _FULL


class _Engine:
    """MES on one profile: prices, payments, runs at a given share, and the certificates of the add1 search."""

    def __init__(self, profile: _Profile) -> None:
        self.profile = profile
        supported = set(profile.supported)
        # Nobody can pay less than cost / total utility; a free project costs nothing (with cost utilities its
        # supporters' utility is 0, yet they still asked for it).
        self.initial_bounds = [
            (profile.float_costs[c] / profile.total_utility[c] if profile.float_costs[c] > 0 else 0.0)
            if c in supported else _INF
            for c in range(profile.num_projects)
        ]
        incidence = np.zeros((profile.num_projects, profile.num_voters), dtype=bool)
        for c in range(profile.num_projects):
            incidence[c, profile.supporters[c]] = True
        # After project c is paid for, the prices of these projects may have changed.
        self.touched = [np.flatnonzero(incidence[:, profile.supporters[c]].any(axis=1)).tolist()
                        for c in range(profile.num_projects)]

    def price(self, money: np.ndarray, c: int, low: float, cap: float) -> tuple[float, bool]:
        """The price per unit of utility at which c's supporters pay its cost: (price, exact). Newton's method
        from the lower bound ``low`` (each iterate is a lower bound, as what the supporters can pay is a
        concave function of the price); returns an inexact lower bound as soon as one exceeds ``cap``.
        Infinite when the supporters cannot pay. The iterates never decrease (rounding could otherwise swing
        them between two sets of supporters who pay all they have), so the loop ends after at most one pass
        per supporter."""
        p = self.profile
        cost = p.float_costs[c]
        if cost <= 0.0:
            return 0.0, True
        held = money.take(p.supporters[c])
        size = held.shape[0]
        utility = p.utilities[c]
        if cap == _INF and float(held.sum()) < cost * (1.0 - _AFFORD):
            return _INF, True  # spares Newton's method a walk through every supporter
        if utility is None:
            unit = p.uniform_utility[c]
            due = max(low * unit, cost / size)
            cap_due = cap * unit
            poor_count = -1
            while True:
                poor = held < due
                count = int(np.count_nonzero(poor))
                if count == poor_count:
                    return due / unit, True
                if count == size:
                    return self._short(held, c, unit)
                poor_count = count
                due = max(due, (cost - float(np.dot(held, poor.astype(np.float64)))) / (size - count))
                if due > cap_due:
                    return due / unit, False
        total_utility = p.total_utility[c]
        rho = max(low, cost / total_utility)
        poor_count = -1
        while True:
            poor = held < rho * utility
            count = int(np.count_nonzero(poor))
            if count == poor_count:
                return rho, True
            if count == size:
                return self._short(held, c, utility)
            poor_count = count
            weights = poor.astype(np.float64)
            paid_by_poor = float(np.dot(held, weights))
            rho = max(rho, (cost - paid_by_poor) / (total_utility - float(np.dot(utility, weights))))
            if rho > cap:
                return rho, False

    def _short(self, held: np.ndarray, c: int, utility: float | np.ndarray) -> tuple[float, bool]:
        """Price when every supporter would pay all they have: infinite if that is short of the cost, else
        (the _AFFORD slack) the price at which the last of them pays everything."""
        if float(held.sum()) < self.profile.float_costs[c] * (1.0 - _AFFORD):
            return _INF, True
        return float((held / utility).max()), True

    def cannot_pay_at(self, money: np.ndarray, c: int, rho: float) -> bool:
        """True when c's supporters, each paying at most ``rho`` times their utility, fall short of its cost
        (even with the _AFFORD slack): c's price is then above ``rho``."""
        p = self.profile
        held = money.take(p.supporters[c])
        utility = p.utilities[c]
        cap = rho * p.uniform_utility[c] if utility is None else rho * utility
        return float(np.minimum(held, cap).sum()) < p.float_costs[c] * (1.0 - _AFFORD)

    def pay(self, money: np.ndarray, c: int, rho: float) -> np.ndarray:
        """c's supporters pay at price ``rho``; returns what they had before."""
        p = self.profile
        voters = p.supporters[c]
        before = money.take(voters)
        utility = p.utilities[c]
        after = before - (rho * p.uniform_utility[c] if utility is None else rho * utility)
        np.maximum(after, 0.0, out=after)
        money[voters] = after
        return before

    def run(
        self,
        share: float,
        step: int = 0,
        *,
        below: _Trace | None = None,
        above: _Trace | None = None,
        replay: int = 0,
    ) -> _Trace:
        """MES with every voter starting at ``share``.

        ``below``: a run at a smaller share; this run then certifies rounds against it (stored in
        ``certified``), starting after the ``replay`` rounds already certified. ``above``: a run at a larger
        share; its first ``replay`` rounds are replayed, and its price lower bounds are used while this run
        funds the same projects as it (they stay lower bounds by the monotonicity argument)."""
        p = self.profile
        money = np.full(p.num_voters, share, dtype=np.float64)
        trace = _Trace(share, step)
        remaining = set(p.supported)
        bounds = list(self.initial_bounds)
        for round_ in range(replay):
            assert above is not None
            w = above.winners[round_]
            rho, _ = self.price(money, w, above.rhos[round_], _INF)
            self._record(trace, money, w, rho, above.bounds[round_])
            remaining.discard(w)
        exact: set[int] = set()  # projects whose bound is their price at the current money
        certifying = below is not None
        certified = replay
        following = above is not None  # this run has funded the same projects as ``above`` so far
        round_ = replay
        while remaining:
            if following:
                assert above is not None
                if round_ < len(above.bounds):
                    merged = list(map(max, bounds, above.bounds[round_]))
                    for c in exact:
                        merged[c] = bounds[c]  # an exact price is kept as computed here
                    bounds = merged
                else:
                    following = False
            w = self._cheapest(money, remaining, bounds, exact)
            if w < 0:
                break
            if certifying:
                assert below is not None
                if self._round_certified(money, below, round_, w, remaining, bounds, exact):
                    certified = round_ + 1
                else:
                    certifying = False
            self._record(trace, money, w, bounds[w], bounds[:])
            remaining.discard(w)
            if following and (above is None or round_ >= len(above.winners) or above.winners[round_] != w):
                following = False
            exact.difference_update(self.touched[w])
            round_ += 1
        if certifying and below is not None and len(below.winners) == len(trace.winners):
            certified = _FULL
        trace.final = money
        trace.certified = certified
        return trace

    def _cheapest(self, money: np.ndarray, remaining: set[int], bounds: list[float], exact: set[int]) -> int:
        """The project to fund now: the lowest price, ties (within _TIE) to the first in the tie order; -1 when
        no project can be paid for. Lazy: projects are taken by lower bound, and Newton's method on one of
        them stops as soon as its bound passes the next project's, so only the winner and its close rivals
        get exact prices. Raises ``bounds``, drops unaffordable projects from ``remaining``."""
        best = _INF
        threshold = _INF
        for c in sorted(remaining, key=bounds.__getitem__):
            if bounds[c] > threshold:
                break
            if c not in exact:
                value, is_exact = self.price(money, c, bounds[c], threshold)
                bounds[c] = value
                if value == _INF:
                    remaining.discard(c)
                    continue
                if not is_exact:
                    continue
                exact.add(c)
            if bounds[c] < best:
                best = bounds[c]
                threshold = best * (1.0 + _TIE)
        if best == _INF:
            return -1
        tied = [c for c in remaining if c in exact and bounds[c] <= threshold]
        return min(tied, key=self.profile.rank.__getitem__)

    def _record(self, trace: _Trace, money: np.ndarray, w: int, rho: float, bounds: list[float]) -> None:
        before = self.pay(money, w, rho)
        trace.winners.append(w)
        trace.rhos.append(rho)
        trace.bounds.append(bounds)
        trace.undo.append(before)
        trace.fragile.append(float(before.sum()) < self.profile.float_costs[w])

    def _round_certified(
        self,
        money: np.ndarray,
        below: _Trace,
        round_: int,
        w: int,
        remaining: set[int],
        bounds: list[float],
        exact: set[int],
    ) -> bool:
        """At this round of a run at a larger share (``money``), is the project ``below`` funded at the same
        round funded at every share in between? ``bounds`` may be raised (they stay lower bounds)."""
        if round_ >= len(below.winners) or below.winners[round_] != w or below.fragile[round_]:
            return False
        above_rank, below_rank = _thresholds(below.rhos[round_])
        rank_w = self.profile.rank[w]
        for c in remaining:
            if c == w:
                continue
            need = above_rank if self.profile.rank[c] < rank_w else below_rank
            if bounds[c] > need:
                continue
            if c in exact or not self.cannot_pay_at(money, c, need):
                return False
        return True

    def certify(self, low: _Trace, high: _Trace, start: int) -> int:
        """Rounds certified for every share between two finished runs (``low`` at the smaller share), given
        that the first ``start`` rounds already are: a round count, or _FULL. Rebuilds ``high``'s money round
        by round from its undo records."""
        p = self.profile
        common = start
        limit = min(len(low.winners), len(high.winners))
        while common < limit and low.winners[common] == high.winners[common]:
            common += 1
        money = high.final.copy()
        for round_ in range(len(high.winners) - 1, start - 1, -1):
            money[p.supporters[high.winners[round_]]] = high.undo[round_]
        remaining = set(p.supported).difference(high.winners[:start])
        for round_ in range(start, common):
            w = high.winners[round_]
            remaining.discard(w)
            if low.fragile[round_]:
                return round_
            above_rank, below_rank = _thresholds(low.rhos[round_])
            bounds = high.bounds[round_]
            rank_w = p.rank[w]
            for c in remaining:
                need = above_rank if p.rank[c] < rank_w else below_rank
                if bounds[c] <= need and not self.cannot_pay_at(money, c, need):
                    return round_
            self.pay(money, w, high.rhos[round_])
        if common == len(low.winners) == len(high.winners):
            return _FULL
        return common


def _thresholds(rho_below: float) -> tuple[float, float]:
    """Given the price at the smaller share of the project funded there, the prices another project must
    exceed at the larger share: if it comes before the funded project in the tie order, it must not even
    tie; if after, it must not be cheaper beyond the tie tolerance."""
    return (rho_below * (1.0 + _TIE) * (1.0 + _MARGIN), rho_below * (1.0 + _MARGIN) / (1.0 + _TIE))


# --- add1 ------------------------------------------------------------------------------------------------


def _add1_share(engine: _Engine) -> Fraction:
    """Each voter's share in the MES run whose outcome mes-add1 keeps (see the module docstring)."""
    profile = engine.profile
    instance = profile.instance
    n = instance.num_voters
    if n == 0:
        return Fraction(0)
    base = instance.budget / n
    supported_cost = sum((profile.costs[c] for c in profile.supported), Fraction(0))
    # From this step on every supported project is funded (a voter alone can pay for any of them).
    last_step = max(0, math.ceil(supported_cost - base))
    if supported_cost <= instance.budget:
        return base + last_step
    return base + _Add1Search(engine, base, last_step).first_overspend_minus_one()


class _Add1Search:
    def __init__(self, engine: _Engine, base: Fraction, last_step: int) -> None:
        profile = engine.profile
        self.engine = engine
        self.base = base
        self.last_step = last_step
        # Integer costs (a common denominator) make the "does it fit" test exact and fast.
        denominator = math.lcm(profile.instance.budget.denominator, *(c.denominator for c in profile.costs))
        self.int_costs = [int(c * denominator) for c in profile.costs]
        self.int_budget = int(profile.instance.budget * denominator)
        self.runs = 0

    def share(self, step: int) -> float:
        return float(self.base + step)

    def overspends(self, trace: _Trace) -> bool:
        return sum(self.int_costs[c] for c in trace.winners) > self.int_budget

    def first_overspend_minus_one(self) -> int:
        engine = self.engine
        low = engine.run(self.share(0), 0)
        self.runs = 1
        if self.overspends(low):
            return 0
        jump = 16
        while low.step < self.last_step:
            step = min(low.step + jump, self.last_step)
            high = engine.run(self.share(step), step, below=low)
            self.runs += 1
            if high.certified == _FULL:
                low = high
                jump *= 2
                continue
            found = self._scan(low, high, high.certified)
            if found is not None:
                return found - 1
            if self.overspends(high):
                return step - 1
            low = high
            jump = max(16, jump // 2)
        return low.step

    def _scan(self, low: _Trace, high: _Trace, certified: int) -> int | None:
        """The first step strictly between two runs whose outcome overspends, or None. ``certified`` rounds
        are the same at every step between."""
        if high.step - low.step <= 1:
            return None
        step = (low.step + high.step) // 2
        middle = self.engine.run(self.share(step), step, below=low, above=high, replay=certified)
        self.runs += 1
        if middle.certified != _FULL:
            found = self._scan(low, middle, middle.certified)
            if found is not None:
                return found
        if self.overspends(middle):
            return step
        upper = self.engine.certify(middle, high, certified)
        if upper != _FULL:
            return self._scan(middle, high, upper)
        return None
