"""Ranked-poll methods (app/methods/ranked.py): checked against pref_voting on thousands of random polls,
on hand-worked cases, and on properties that hold for every poll."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders
from pref_voting.margin_based_methods import beat_path, beat_path_defeat
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import borda_for_profile_with_ties, domination_borda_scores
from pref_voting.scoring_methods import plurality as pv_plurality

from app.methods.ranked import (
    METHODS,
    GroupedBallots,
    RankedResult,
    group_ballots,
    strongest_paths,
    tally,
    tally_all,
)

SEED = 20240611
CHUNKS = 12
POLLS_PER_CHUNK = 250  # 3,000 random polls in all

Poll = tuple[int, list[list[int]]]


# ---------------------------------------------------------------------------------------------------------
# helpers


def random_polls(chunk: int, count: int) -> Iterator[Poll]:
    """Deterministic random polls: 2–7 options, 1–40 voters, ballots truncated at a random length 0..m.
    A third draw each ballot independently, a third draw voters from a few ballot types (ties and
    majority cycles become common), a third use complete ballots only."""
    rng = np.random.default_rng([SEED, chunk])
    for _ in range(count):
        m = int(rng.integers(2, 8))
        voters = int(rng.integers(1, 41))
        style = int(rng.integers(3))

        def ballot() -> list[int]:
            order = rng.permutation(m).tolist()
            return order if style == 2 else order[: int(rng.integers(0, m + 1))]

        if style == 1:
            pool = [ballot() for _ in range(int(rng.integers(1, 5)))]
            ballots = [pool[int(rng.integers(len(pool)))] for _ in range(voters)]
        else:
            ballots = [ballot() for _ in range(voters)]
        yield m, ballots


def grouped(ballots: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[int]]:
    counts = Counter(tuple(b) for b in ballots)
    return [list(b) for b in counts], list(counts.values())


def reference_profile(m: int, ballots: Sequence[Sequence[int]], *, extended: bool = True) -> ProfileWithTies:
    """pref_voting's profile of the same ballots. Extended strict preference makes a ranked option beat an
    unranked one, Madang's convention for the pairwise counts."""
    distinct, counts = grouped(ballots)
    profile = ProfileWithTies(
        [{option: rank + 1 for rank, option in enumerate(b)} for b in distinct],
        rcounts=counts,
        candidates=list(range(m)),
    )
    if extended:
        profile.use_extended_strict_preference()
    return profile


def layers(m: int, defeats: set[tuple[int, int]]) -> list[list[int]]:
    """Peel a defeat relation: the undefeated options, then those defeated only by earlier layers, …"""
    remaining = list(range(m))
    out = []
    while remaining:
        layer = [a for a in remaining if not any((b, a) in defeats for b in remaining)]
        assert layer, "defeat relation has a cycle"
        out.append(layer)
        remaining = [a for a in remaining if a not in layer]
    return out


def assert_well_formed(result: RankedResult) -> None:
    flat = [o for group in result.order for o in group]
    assert sorted(flat) == list(range(result.m))
    assert all(group == sorted(group) and group for group in result.order)
    assert result.winners == (result.order[0] if result.ballots_counted else [])
    assert len(result.scores) == result.m
    assert len(result.pairwise) == result.m and all(len(row) == result.m for row in result.pairwise)


def permuted(ballots: Sequence[Sequence[int]], perm: Sequence[int]) -> list[list[int]]:
    return [[perm[o] for o in b] for b in ballots]


# ---------------------------------------------------------------------------------------------------------
# against pref_voting


@pytest.mark.single_db
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_winner_sets_match_pref_voting(chunk: int) -> None:
    ties = Counter()
    for index, (m, ballots) in enumerate(random_polls(chunk, POLLS_PER_CHUNK)):
        if index % 2:  # half the polls go in as grouped ballots with weights
            results = tally_all(m, *grouped(ballots))
        else:
            results = tally_all(m, ballots)
        for result in results.values():
            assert_well_formed(result)
        if not any(ballots):
            assert all(r.winners == [] for r in results.values())
            continue
        profile = reference_profile(m, ballots)
        context = (m, ballots)

        # pairwise counts: pref_voting's supports under extended strict preference
        d = [[profile.support(a, b) if a != b else 0 for b in range(m)] for a in range(m)]
        assert results["schulze"].pairwise == d, context

        # Schulze, winning votes: pref_voting's Beat Path with support as the link strength
        schulze = results["schulze"]
        assert schulze.winners == beat_path(profile, strength_function=profile.support), context
        defeat_graph = beat_path_defeat(profile, strength_function=profile.support)
        assert schulze.order == layers(m, set(defeat_graph.edges)), context
        if all(len(b) == m for b in ballots):  # complete ballots: margins and winning votes agree
            assert schulze.winners == beat_path(profile), context

        # IRV: pref_voting's simultaneous-elimination IRV for truncated ballots
        assert results["irv"].winners == instant_runoff_for_truncated_linear_orders(profile), context

        # Borda, unranked score 0: pref_voting's "domination" Borda (options ranked strictly below)
        assert results["borda"].scores == [domination_borda_scores(profile)[c] for c in range(m)], context
        assert results["borda"].winners == borda_for_profile_with_ties(
            profile, borda_scores=domination_borda_scores
        ), context

        assert results["plurality"].winners == pv_plurality(profile), context
        assert results["plurality"].scores == [profile.plurality_scores()[c] for c in range(m)], context

        for method, result in results.items():
            ties[method] += len(result.winners) > 1
    # the random polls do exercise tied outcomes
    assert all(ties[method] > 0 for method in METHODS), ties


# ---------------------------------------------------------------------------------------------------------
# hand-worked cases

# Schulze's example (Wikipedia, "Schulze method"): 45 voters, options A–E.
A, B, C, D, E = range(5)
SCHULZE_EXAMPLE = [
    (5, [A, C, B, E, D]),
    (5, [A, D, E, C, B]),
    (8, [B, E, D, A, C]),
    (3, [C, A, B, E, D]),
    (7, [C, A, E, B, D]),
    (2, [C, B, A, D, E]),
    (7, [D, C, E, B, A]),
    (8, [E, B, A, D, C]),
]


@pytest.mark.single_db
def test_schulze_paper_example() -> None:
    result = tally("schulze", 5, [b for _, b in SCHULZE_EXAMPLE], [w for w, _ in SCHULZE_EXAMPLE])
    assert result.pairwise == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert result.paths == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    assert result.winners == [E]
    assert result.order == [[E], [A], [C], [B], [D]]
    assert result.scores == [3, 1, 2, 0, 4]  # options each one beats
    assert result.ballots_counted == 45


@pytest.mark.single_db
def test_schulze_example_expanded_equals_weighted() -> None:
    expanded = [b for w, b in SCHULZE_EXAMPLE for _ in range(w)]
    weighted = tally("schulze", 5, [b for _, b in SCHULZE_EXAMPLE], [w for w, _ in SCHULZE_EXAMPLE])
    assert tally("schulze", 5, expanded) == weighted


@pytest.mark.single_db
def test_strongest_paths_without_links_are_zero() -> None:
    d = np.array([[0, 2, 1], [1, 0, 1], [1, 1, 0]])
    assert strongest_paths(d).tolist() == [[0, 2, 0], [0, 0, 0], [0, 0, 0]]


@pytest.mark.single_db
def test_schulze_order_peels_one_relation() -> None:
    # B and C tie with everyone pairwise; A beats C directly. A and B are unbeaten (winners); C is beaten
    # by A only, so it sits in the second group even though B does not beat it.
    result = tally("schulze", 3, [[1, 0, 2], [0, 2, 1]])
    assert result.pairwise == [[0, 1, 2], [1, 0, 1], [0, 1, 0]]
    assert result.winners == [0, 1]
    assert result.order == [[0, 1], [2]]
    assert result.scores == [1, 0, 0]


@pytest.mark.single_db
def test_irv_majority_of_continuing_ballots_after_exhaustion() -> None:
    # 5 × A;  4 × B > C;  2 × C (ranks nothing else). Round 1: A 5, B 4, C 2 of 11, no majority; C out.
    # Round 2: the two C-only ballots are exhausted; A has 5 of the 9 continuing ballots, a majority.
    result = tally("irv", 3, [[A], [B, C], [C]], [5, 4, 2])
    assert [r.counts for r in result.rounds] == [{A: 5, B: 4, C: 2}, {A: 5, B: 4}]
    assert [r.eliminated for r in result.rounds] == [[C], []]
    assert [(r.continuing, r.exhausted) for r in result.rounds] == [(11, 0), (9, 2)]
    assert result.winners == [A]
    assert result.order == [[A], [B], [C]]
    assert result.scores == [5, 4, 0]
    assert result.exhausted == 2


@pytest.mark.single_db
def test_irv_eliminates_everyone_tied_for_fewest_and_ranks_by_elimination() -> None:
    # A 4, B 3, C 1, D 1: C and D go out together; their ballots move to B (6 of 9): B wins.
    ballots = [[A, B], [B, A], [C, B], [D, B]]
    result = tally("irv", 4, ballots, [4, 3, 1, 1])
    assert [r.eliminated for r in result.rounds] == [[C, D], []]
    assert result.rounds[-1].counts == {A: 4, B: 5}
    assert result.winners == [B]
    assert result.order == [[B], [A], [C, D]]


@pytest.mark.single_db
def test_irv_stops_at_majority_and_orders_the_rest_by_final_votes() -> None:
    result = tally("irv", 4, [[A], [B], [C], [D]], [6, 1, 3, 0])
    assert len(result.rounds) == 1
    assert result.order == [[A], [C], [B], [D]]


@pytest.mark.single_db
def test_irv_all_remaining_tied_are_joint_winners() -> None:
    # A 2, B 2, C 1: C out, its ballot is exhausted; A 2, B 2 of 4: no majority, all tied.
    result = tally("irv", 3, [[A, C], [B], [C]], [2, 2, 1])
    assert result.winners == [A, B]
    assert result.order == [[A, B], [C]]
    assert result.rounds[-1].exhausted == 1


@pytest.mark.single_db
def test_borda_tie_and_truncated_points() -> None:
    tie = tally("borda", 3, [[0, 1, 2], [1, 0, 2]])
    assert tie.scores == [3, 3, 0]
    assert tie.winners == [0, 1]
    assert tie.order == [[0, 1], [2]]
    # Unranked score 0: on 4 options, [1] gives 1 three points; [2, 0] gives 2 three and 0 two.
    truncated = tally("borda", 4, [[1], [2, 0]])
    assert truncated.scores == [2, 3, 3, 0]
    assert truncated.order == [[1, 2], [0], [3]]


@pytest.mark.single_db
def test_plurality_counts_first_choices() -> None:
    result = tally("plurality", 3, [[2, 0], [2], [1, 2], []])
    assert result.scores == [0, 1, 2]
    assert result.winners == [2]
    assert result.order == [[2], [1], [0]]
    assert (result.ballots_counted, result.ballots_blank) == (3, 1)


@pytest.mark.single_db
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ballots", [[], [[]], [[], []]])
def test_no_ranked_ballot_means_no_winner(method: str, ballots: list[list[int]]) -> None:
    result = tally(method, 4, ballots)
    assert result.winners == []
    assert result.order == [[0, 1, 2, 3]]
    assert result.scores == [0, 0, 0, 0]
    assert result.ballots_counted == 0
    assert result.ballots_blank == len(ballots)


@pytest.mark.single_db
@pytest.mark.parametrize("method", METHODS)
def test_blank_ballots_change_nothing(method: str) -> None:
    ballots = [[1], [0, 1], [1, 2], [2]]
    with_blanks = tally(method, 3, ballots + [[], []])
    without = tally(method, 3, ballots)
    assert with_blanks.winners == without.winners == [1]
    assert with_blanks.order == without.order
    assert with_blanks.ballots_blank == 2


@pytest.mark.single_db
@pytest.mark.parametrize("method", METHODS)
def test_two_options(method: str) -> None:
    majority = tally(method, 2, [[0, 1], [1], [1, 0]])
    assert majority.winners == [1]
    assert majority.order == [[1], [0]]
    tie = tally(method, 2, [[0], [1, 0]])
    assert tie.winners == [0, 1]
    assert tie.order == [[0, 1]]


@pytest.mark.single_db
def test_unranked_options_pairwise() -> None:
    # ranked above unranked counts; two unranked options count for neither
    result = tally("schulze", 4, [[2], [0, 1]])
    assert result.pairwise == [
        [0, 1, 1, 1],
        [0, 0, 1, 1],
        [1, 1, 0, 1],
        [0, 0, 0, 0],
    ]


@pytest.mark.single_db
def test_zero_weights_are_ignored() -> None:
    assert tally("borda", 3, [[0], [1], [2]], [0, 2, 1]) == tally("borda", 3, [[1], [1], [2]])


@pytest.mark.single_db
@pytest.mark.parametrize(
    ("m", "ballots", "weights", "message"),
    [
        (0, [], None, "at least one option"),
        (3, [[0, 0]], None, "twice"),
        (3, [[3]], None, "outside"),
        (3, [[-1]], None, "outside"),
        (3, [[0]], [-1], "negative"),
        (3, [[0], [1]], [1], "weights for"),
    ],
)
def test_invalid_input_is_rejected(m, ballots, weights, message) -> None:
    with pytest.raises(ValueError, match=message):
        tally("schulze", m, ballots, weights)


@pytest.mark.single_db
def test_unknown_method_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown ranked method"):
        tally("condorcet", 3, [[0]])


@pytest.mark.single_db
def test_grouping_merges_identical_ballots() -> None:
    g: GroupedBallots = group_ballots(3, [[0, 1], [2], [0, 1], []], [1, 2, 3, 4])
    assert g.ballots == ((0, 1), (2,))
    assert g.counts.tolist() == [4, 2]
    assert g.positions.tolist() == [[0, 1, 3], [3, 3, 0]]
    assert (g.counted, g.blank) == (6, 4)


@pytest.mark.single_db
def test_large_poll_runs_on_grouped_ballots() -> None:
    rng = np.random.default_rng(SEED)
    m = 20
    ballots = [rng.permutation(m)[: int(rng.integers(1, 6))].tolist() for _ in range(20_000)]
    results = tally_all(m, ballots)
    for result in results.values():
        assert_well_formed(result)
        assert result.ballots_counted == 20_000
    assert sum(results["plurality"].scores) == 20_000
    assert all(r.continuing + r.exhausted == 20_000 for r in results["irv"].rounds)


# ---------------------------------------------------------------------------------------------------------
# properties


@st.composite
def polls(draw: st.DrawFn, min_m: int = 2, max_m: int = 6, max_voters: int = 25) -> Poll:
    m = draw(st.integers(min_m, max_m))
    ballot = st.tuples(st.permutations(range(m)), st.integers(0, m)).map(lambda pk: list(pk[0][: pk[1]]))
    return m, draw(st.lists(ballot, max_size=max_voters))


@pytest.mark.single_db
@given(polls(), st.data())
def test_results_are_well_formed(poll: Poll, data: st.DataObject) -> None:
    m, ballots = poll
    results = tally_all(m, ballots)
    counted = sum(1 for b in ballots if b)
    for result in results.values():
        assert_well_formed(result)
        assert result.ballots_counted == counted
    assert sum(results["plurality"].scores) == counted
    for r in results["irv"].rounds:
        assert sum(r.counts.values()) == r.continuing
        assert r.continuing + r.exhausted == counted


@pytest.mark.single_db
@given(polls(), st.data())
def test_condorcet_winner_is_the_schulze_winner(poll: Poll, data: st.DataObject) -> None:
    m, ballots = poll
    x = data.draw(st.integers(0, m - 1))
    # Enough ballots ranking only x put x above every other option pairwise.
    ballots = ballots + [[x]] * (len(ballots) + 1)
    result = tally("schulze", m, ballots)
    d = result.pairwise
    assert all(d[x][y] > d[y][x] for y in range(m) if y != x)
    assert result.winners == [x]


@pytest.mark.single_db
@given(polls())
def test_any_condorcet_winner_wins_schulze(poll: Poll) -> None:
    m, ballots = poll
    result = tally("schulze", m, ballots)
    d = result.pairwise
    condorcet = [x for x in range(m) if all(d[x][y] > d[y][x] for y in range(m) if y != x)]
    assume(condorcet)
    assert result.winners == condorcet


@pytest.mark.single_db
@given(polls(), st.data())
def test_majority_first_choice_wins_schulze_irv_and_plurality(poll: Poll, data: st.DataObject) -> None:
    m, ballots = poll
    x = data.draw(st.integers(0, m - 1))
    tail = data.draw(st.permutations([o for o in range(m) if o != x]))
    ballots = ballots + [[x, *tail[: data.draw(st.integers(0, m - 1))]]] * (len(ballots) + 1)
    for method in ("schulze", "irv", "plurality"):
        assert tally(method, m, ballots).winners == [x], method


@pytest.mark.single_db
@given(polls(), st.data())
def test_relabelling_options_relabels_results(poll: Poll, data: st.DataObject) -> None:
    m, ballots = poll
    perm = data.draw(st.permutations(range(m)))
    inverse = [perm.index(o) for o in range(m)]
    for method in METHODS:
        before = tally(method, m, ballots)
        after = tally(method, m, permuted(ballots, perm))
        assert after.winners == sorted(perm[o] for o in before.winners)
        assert after.order == [sorted(perm[o] for o in group) for group in before.order]
        assert after.scores == [before.scores[inverse[o]] for o in range(m)]
        assert after.pairwise == [[before.pairwise[inverse[a]][inverse[b]] for b in range(m)] for a in range(m)]
        if method == "irv":
            assert [{perm[o]: n for o, n in r.counts.items()} for r in before.rounds] == [
                r.counts for r in after.rounds
            ]


@pytest.mark.single_db
@given(polls(), st.data())
def test_a_ballot_ranking_a_winner_first_keeps_it_winning_under_plurality_and_borda(
    poll: Poll, data: st.DataObject
) -> None:
    m, ballots = poll
    for method in ("plurality", "borda"):
        before = tally(method, m, ballots)
        assume(before.winners)
        x = data.draw(st.sampled_from(before.winners))
        tail = data.draw(st.permutations([o for o in range(m) if o != x]))
        extra = [x, *tail[: data.draw(st.integers(0, m - 1))]]
        # x gains the most a ballot can give and nobody else gains as much: x becomes the only winner
        assert tally(method, m, ballots + [extra]).winners == [x], method


@pytest.mark.single_db
@given(polls(), st.data())
def test_raising_a_winner_keeps_it_winning_under_schulze(poll: Poll, data: st.DataObject) -> None:
    m, ballots = poll
    assume(ballots)
    before = tally("schulze", m, ballots)
    assume(before.winners)
    x = data.draw(st.sampled_from(before.winners))
    k = data.draw(st.integers(0, len(ballots) - 1))
    ballot = list(ballots[k])
    if x in ballot:
        i = ballot.index(x)
        assume(i > 0)
        ballot[i - 1], ballot[i] = ballot[i], ballot[i - 1]
    else:
        ballot.append(x)  # now above every option the ballot leaves unranked
    raised = [*ballots[:k], ballot, *ballots[k + 1 :]]
    assert x in tally("schulze", m, raised).winners


@pytest.mark.single_db
@given(polls(), st.data())
def test_irv_later_preferences_never_harm_a_winner(poll: Poll, data: st.DataObject) -> None:
    # Extending a ballot below x cannot matter while x is still in the count, and a winner never leaves it.
    m, ballots = poll
    before = tally("irv", m, ballots)
    assume(before.winners)
    x = data.draw(st.sampled_from(before.winners))
    holders = [k for k, b in enumerate(ballots) if x in b and len(b) < m]
    assume(holders)
    k = data.draw(st.sampled_from(holders))
    unranked = [o for o in range(m) if o not in ballots[k]]
    extension = data.draw(st.permutations(unranked))
    longer = [*ballots[:k], [*ballots[k], *extension[: data.draw(st.integers(1, len(unranked)))]], *ballots[k + 1 :]]
    after = tally("irv", m, longer)
    assert after.winners == before.winners
    assert [r.counts for r in after.rounds] == [r.counts for r in before.rounds]
