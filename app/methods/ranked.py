"""Ranked-poll methods for Madang: Schulze (the default), instant-runoff (IRV), Borda and plurality.

Pure computation: plain data in, a :class:`RankedResult` out. No Flask, no database.

Input conventions (shared by every method)
------------------------------------------
* A poll has ``m`` options, identified by index ``0 .. m-1``.
* A ballot is a sequence of option indices, best first, strictly ordered (no option twice). It may rank any
  number of options, including none (a *blank* ballot). Options a ballot leaves out are *unranked*: tied
  with each other, below every option the ballot ranks.
* ``weights`` (optional) gives how many voters cast each ballot; identical ballots are grouped internally
  either way, so a large poll costs time in the number of *distinct* ballots, not voters.
* Blank ballots are reported (``ballots_blank``) but play no part in any count. A poll without any non-blank
  ballot has no winner under every method: ``winners == []`` and ``order`` is one group of all options.

Ties are never broken: tied options appear together in ``winners`` and in one group of ``order``.

Method conventions
------------------
* **Schulze** (winning-votes variant, as in Schulze's paper). ``pairwise[a][b]`` is the number of voters
  who rank ``a`` above ``b`` (a ranked option is above every unranked one; two unranked options count for
  neither). The link ``a → b`` has strength ``pairwise[a][b]`` when ``pairwise[a][b] > pairwise[b][a]``,
  else 0; ``paths[a][b]`` is the strength of the strongest (widest) path from ``a`` to ``b``. ``a`` *beats*
  ``b`` when ``paths[a][b] > paths[b][a]``; this relation is a strict partial order (Schulze's theorem).
  Winners are the options nobody beats. The full order peels that one relation layer by layer: group 1 is
  the unbeaten options, group 2 the options beaten only by group 1, and so on (path strengths are *not*
  recomputed on the remaining options), so whenever ``a`` beats ``b``, ``a`` is shown above ``b``.
  ``scores[a]`` is the number of options ``a`` beats.
* **IRV**. Each round, every ballot counts for its highest-ranked option still in the count; a ballot whose
  ranked options are all eliminated is *exhausted* and counts for nobody. An option with a strict majority
  of the continuing (non-exhausted) ballots wins. Otherwise every option tied for the fewest votes is
  eliminated together; if that would be all remaining options, they are tied winners. The count stops at
  the deciding round. Full order: the winner(s); then the other options still in the final round, by their
  final-round votes; then the eliminated options, later eliminations higher, options eliminated together
  tied. ``scores`` are final-round votes (0 for options eliminated earlier); ``rounds`` has every round.
* **Borda** ("unranked score 0" convention). An option at position ``i`` (0-based) of a ballot scores
  ``m - 1 - i``; unranked options score 0. So an option ranked by a ballot scores the number of options that
  ballot puts strictly below it, the same points whatever the ballot's length. Winners have the most points.
* **Plurality**. Each non-blank ballot gives one point to its first choice.

For Borda and plurality the full order is by score, equal scores forming one group.
"""
from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

Ballot = Sequence[int]
"""Option indices, best first; unranked options are left out."""
Ballots = Sequence[Ballot]

Method = Literal["schulze", "irv", "borda", "plurality"]
METHODS: Final[tuple[Method, ...]] = ("schulze", "irv", "borda", "plurality")
DEFAULT_METHOD: Final[Method] = "schulze"

_IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IrvRound:
    """One round of an instant-runoff count."""

    counts: dict[int, int]
    """Votes of every option still in the count this round (eliminated options are absent)."""
    eliminated: list[int]
    """Options eliminated at the end of this round (empty in the final round)."""
    continuing: int
    """Ballots counting for some option this round."""
    exhausted: int
    """Non-blank ballots whose ranked options have all been eliminated by this round."""


@dataclass(frozen=True, slots=True)
class RankedResult:
    """The outcome of one ranked poll under one method."""

    method: Method
    m: int
    """Number of options."""
    winners: list[int]
    """Winning options, ascending; several on a tie, none when no ballot ranks anything."""
    order: list[list[int]]
    """All options as groups of tied options, best group first; each group ascending."""
    scores: list[int]
    """Per option: Schulze options beaten, IRV final-round votes, Borda points, plurality first choices."""
    pairwise: list[list[int]]
    """``pairwise[a][b]``: voters ranking ``a`` above ``b`` (ranked above unranked counts). Every method."""
    paths: list[list[int]] | None
    """Schulze only: strongest-path strengths (0 on the diagonal)."""
    rounds: list[IrvRound] | None
    """IRV only: every round of the count, the deciding round last."""
    ballots_counted: int
    """Non-blank ballots (weighted)."""
    ballots_blank: int
    """Blank ballots (weighted); they count for nothing."""
    exhausted: int | None
    """IRV only: exhausted ballots in the final round."""


@dataclass(frozen=True, slots=True, eq=False)
class GroupedBallots:
    """Validated ballots with identical ones merged. Build once with :func:`group_ballots` to run several
    methods on the same poll."""

    m: int
    ballots: tuple[tuple[int, ...], ...]
    """Distinct non-blank ballots."""
    counts: _IntArray
    """Voters per distinct ballot (all positive), aligned with ``ballots``."""
    positions: NDArray[np.integer]
    """``positions[k][a]``: 0-based position of option ``a`` on ballot ``k``, or ``m`` when unranked."""
    blank: int

    @property
    def counted(self) -> int:
        return int(self.counts.sum())


def group_ballots(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> GroupedBallots:
    """Validate ``ballots`` for a poll with ``m`` options and merge identical ones.

    Raises ``ValueError`` for ``m < 1``, an option index outside ``0 .. m-1``, an option ranked twice on
    one ballot, a negative weight, or ``weights`` not matching ``ballots`` in length. Zero weights are allowed
    (the ballot is ignored)."""
    m = operator.index(m)
    if m < 1:
        raise ValueError(f"a poll needs at least one option, got m={m}")
    ballot_list = list(ballots)
    if weights is None:
        weight_list = [1] * len(ballot_list)
    else:
        weight_list = [operator.index(w) for w in weights]
        if len(weight_list) != len(ballot_list):
            raise ValueError(f"{len(weight_list)} weights for {len(ballot_list)} ballots")
    tally: Counter[tuple[int, ...]] = Counter()
    blank = 0
    for ballot, weight in zip(ballot_list, weight_list):
        if weight < 0:
            raise ValueError(f"negative weight {weight}")
        key = tuple(operator.index(option) for option in ballot)
        if len(set(key)) != len(key):
            raise ValueError(f"ballot {key} ranks an option twice")
        if key and not (0 <= min(key) and max(key) < m):
            raise ValueError(f"ballot {key} names an option outside 0..{m - 1}")
        if weight == 0:
            continue
        if key:
            tally[key] += weight
        else:
            blank += weight
    distinct = tuple(tally)
    counts = np.fromiter((tally[b] for b in distinct), dtype=np.int64, count=len(distinct))
    positions = np.full((len(distinct), m), m, dtype=np.int16 if m < 2**15 else np.int64)
    for row, ballot in enumerate(distinct):
        positions[row, list(ballot)] = np.arange(len(ballot))
    return GroupedBallots(m=m, ballots=distinct, counts=counts, positions=positions, blank=blank)


def pairwise_matrix(grouped: GroupedBallots) -> _IntArray:
    """``d[a][b]`` = voters ranking ``a`` above ``b``; a ranked option is above an unranked one, two unranked
    options count for neither (their positions are both ``m``)."""
    m = grouped.m
    d = np.zeros((m, m), dtype=np.int64)
    pos = grouped.positions
    for a in range(m):
        d[a] = grouped.counts @ (pos[:, a : a + 1] < pos)
    return d


def strongest_paths(d: _IntArray) -> _IntArray:
    """Schulze's strongest-path strengths from a pairwise matrix (winning votes): widest paths over the links
    ``a → b`` of strength ``d[a][b]`` where ``d[a][b] > d[b][a]`` (Floyd–Warshall variant). Diagonal is 0."""
    p = np.where(d > d.T, d, 0).astype(np.int64)
    for k in range(p.shape[0]):
        # Widening through k never changes row or column k (it offers min(p[i][k], p[k][k]) <= p[i][k]), so
        # updating the whole matrix at once equals the textbook loop that skips i == k, j == k and i == j.
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    return p


def _groups_by_score(scores: Sequence[int] | Mapping[int, int]) -> list[list[int]]:
    """Options grouped by equal score, highest first, each group ascending. ``scores`` is either a score per
    option or a mapping from some options (in ascending order) to their scores."""
    items = scores.items() if isinstance(scores, Mapping) else enumerate(scores)
    by_score: dict[int, list[int]] = {}
    for option, score in items:
        by_score.setdefault(score, []).append(option)
    return [by_score[s] for s in sorted(by_score, reverse=True)]


def _result(
    method: Method,
    grouped: GroupedBallots,
    order: list[list[int]],
    scores: Sequence[int],
    d: _IntArray,
    *,
    paths: _IntArray | None = None,
    rounds: list[IrvRound] | None = None,
    exhausted: int | None = None,
) -> RankedResult:
    counted = grouped.counted
    if counted == 0:
        order = [list(range(grouped.m))]
    return RankedResult(
        method=method,
        m=grouped.m,
        winners=list(order[0]) if counted else [],
        order=order,
        scores=[int(s) for s in scores],
        pairwise=d.tolist(),
        paths=None if paths is None else paths.tolist(),
        rounds=rounds,
        ballots_counted=counted,
        ballots_blank=grouped.blank,
        exhausted=exhausted,
    )


def schulze_grouped(grouped: GroupedBallots) -> RankedResult:
    """Schulze, winning votes; full order by peeling the beat relation (see the module docstring)."""
    d = pairwise_matrix(grouped)
    p = strongest_paths(d)
    beats = p > p.T
    remaining = list(range(grouped.m))
    order: list[list[int]] = []
    while remaining:
        layer = [a for a in remaining if not any(beats[b, a] for b in remaining)]
        if not layer:  # the relation is acyclic (Schulze's theorem); this guards the implementation
            raise RuntimeError("Schulze relation has a cycle")
        order.append(layer)
        remaining = [a for a in remaining if a not in layer]
    return _result("schulze", grouped, order, beats.sum(axis=1).tolist(), d, paths=p)


def irv_grouped(grouped: GroupedBallots) -> RankedResult:
    """Instant-runoff, eliminating every option tied for fewest votes together (see the module docstring)."""
    m = grouped.m
    d = pairwise_matrix(grouped)
    counted = grouped.counted
    if counted == 0:
        return _result("irv", grouped, [], [0] * m, d, rounds=[], exhausted=0)
    pos = grouped.positions
    weights = grouped.counts
    in_count = np.ones(m, dtype=bool)
    eliminated_groups: list[list[int]] = []
    rounds: list[IrvRound] = []
    while True:
        masked = np.where(in_count, pos, m)
        top = masked.argmin(axis=1)
        live = masked[np.arange(len(top)), top] < m
        votes = np.zeros(m, dtype=np.int64)
        np.add.at(votes, top[live], weights[live])
        continuing = int(weights[live].sum())
        exhausted = counted - continuing
        options = np.flatnonzero(in_count).tolist()
        counts = {o: int(votes[o]) for o in options}
        most, fewest = max(counts.values()), min(counts.values())
        if 2 * most > continuing or most == fewest:
            rounds.append(IrvRound(counts, [], continuing, exhausted))
            break
        lowest = [o for o in options if counts[o] == fewest]
        rounds.append(IrvRound(counts, lowest, continuing, exhausted))
        eliminated_groups.append(lowest)
        in_count[lowest] = False
    # The final round's options by votes (the winners come first), then the eliminations, last one first.
    final = rounds[-1].counts
    order = _groups_by_score(final) + eliminated_groups[::-1]
    scores = [final.get(o, 0) for o in range(m)]
    return _result("irv", grouped, order, scores, d, rounds=rounds, exhausted=rounds[-1].exhausted)


def borda_grouped(grouped: GroupedBallots) -> RankedResult:
    """Borda with unranked options scoring 0: position i of a ballot scores m - 1 - i."""
    m = grouped.m
    pos = grouped.positions.astype(np.int64)
    points = np.where(pos < m, m - 1 - pos, 0)
    scores = (grouped.counts @ points).tolist()
    return _result("borda", grouped, _groups_by_score(scores), scores, pairwise_matrix(grouped))


def plurality_grouped(grouped: GroupedBallots) -> RankedResult:
    """One point to each non-blank ballot's first choice."""
    scores = np.zeros(grouped.m, dtype=np.int64)
    if grouped.ballots:
        np.add.at(scores, np.array([b[0] for b in grouped.ballots]), grouped.counts)
    listed = scores.tolist()
    return _result("plurality", grouped, _groups_by_score(listed), listed, pairwise_matrix(grouped))


_BY_METHOD = {
    "schulze": schulze_grouped,
    "irv": irv_grouped,
    "borda": borda_grouped,
    "plurality": plurality_grouped,
}


def tally_grouped(method: str, grouped: GroupedBallots) -> RankedResult:
    """Run ``method`` (one of :data:`METHODS`) on ballots already grouped by :func:`group_ballots`."""
    try:
        run = _BY_METHOD[method]
    except KeyError:
        raise ValueError(f"unknown ranked method {method!r}; expected one of {METHODS}") from None
    return run(grouped)


def tally(method: str, m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> RankedResult:
    """Tally a ranked poll with ``m`` options under ``method`` (one of :data:`METHODS`).

    ``ballots`` are sequences of option indices, best first; ``weights[k]`` (default 1) voters cast
    ``ballots[k]``. See the module docstring for the conventions."""
    if method not in _BY_METHOD:
        raise ValueError(f"unknown ranked method {method!r}; expected one of {METHODS}")
    return tally_grouped(method, group_ballots(m, ballots, weights))


def tally_all(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> dict[Method, RankedResult]:
    """Every method on the same poll (the ballots are validated and grouped once)."""
    grouped = group_ballots(m, ballots, weights)
    return {method: tally_grouped(method, grouped) for method in METHODS}


def schulze(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> RankedResult:
    return schulze_grouped(group_ballots(m, ballots, weights))


def irv(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> RankedResult:
    return irv_grouped(group_ballots(m, ballots, weights))


def borda(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> RankedResult:
    return borda_grouped(group_ballots(m, ballots, weights))


def plurality(m: int, ballots: Iterable[Ballot], weights: Iterable[int] | None = None) -> RankedResult:
    return plurality_grouped(group_ballots(m, ballots, weights))
