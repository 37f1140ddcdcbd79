"""The opinion map's arithmetic (app/methods/opinion.py) on small cases computed by hand: mean imputation,
the sparsity-aware scaling, the PCA against a dense reference, repness, consensus and divisiveness on a
two-group conversation; determinism; small and degenerate inputs; memory (no dense participants x
statements matrix); the adjusted Rand index against scikit-learn; the routing priorities."""
from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from app.methods.opinion import (
    Z90,
    adjusted_rand_index,
    analyse,
    one_proportion_z,
    scaling_factors,
    silhouette,
    statement_means,
    statement_priorities,
    two_proportion_z,
)

pytestmark = pytest.mark.single_db

# Ten participants, nine statements: "+" agree, "-" disagree, "0" pass, "." not voted. Rows 0-5 are one camp,
# rows 6-9 the other; statement 8 everyone agrees with.
TOY = """
+ + - - 0 + - + +
+ + - - + + - + +
+ + - - + + - + +
+ + - - + . - + +
+ + - - + + - + +
+ 0 - - + + - + +
- - + + - - + - +
- - + + - . + - +
- - + + - - + - +
- - + + - - + 0 +
"""


def parse(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    rows, cols, values = [], [], []
    lines = text.strip().splitlines()
    for r, line in enumerate(lines):
        for c, mark in enumerate(line.split()):
            if mark != ".":
                rows.append(r)
                cols.append(c)
                values.append({"+": 1, "-": -1, "0": 0}[mark])
    return np.array(rows), np.array(cols), np.array(values, dtype=np.int8), len(lines), len(lines[0].split())


def structured_votes(n_participants: int, n_statements: int, n_votes: int, seed: int = 1):
    """Random votes with three opinion camps (each with its own leaning per statement), one per pair."""
    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, n_participants * n_statements, size=int(n_votes * 1.1)))
    pairs = rng.permutation(pairs)[:n_votes]
    rows, cols = pairs // n_statements, pairs % n_statements
    camp = rng.integers(0, 3, size=n_participants)
    leaning = rng.uniform(-1, 1, size=(3, n_statements))
    p = leaning[camp[rows], cols]
    draw = rng.random(len(rows))
    values = np.where(draw < (1 + p) * 0.45, 1, np.where(draw < 0.9, -1, 0)).astype(np.int8)
    return rows, cols, values, camp


# --- the matrix ------------------------------------------------------------------------------------------


def test_statement_means_impute_over_observed_votes_only():
    rows, cols, values, _, m = parse(TOY)
    means = statement_means(cols, values, m)
    # Statement 1: five agree, one pass, four disagree -> (5 - 4) / 10. Statement 5: eight voters (rows 3
    # and 7 missing): five agree, three disagree -> 2 / 8, not 2 / 10. Statement 7: six agree, three
    # disagree, one pass -> 3 / 10.
    assert means[1] == pytest.approx(0.1)
    assert means[5] == pytest.approx(0.25)
    assert means[7] == pytest.approx(0.3)
    assert means[8] == pytest.approx(1.0)
    # A statement nobody voted on has mean 0 (and imputes nothing).
    assert statement_means([0, 0], [1, -1], 3).tolist() == [0.0, 0.0, 0.0]


def test_scaling_factor_is_sqrt_of_statements_over_own_votes():
    # 8 statements with votes: a participant with 2 votes is pushed out by sqrt(8 / 2) = 2, one with 8 votes
    # stays where PCA put them, one with no votes is not divided by zero.
    assert scaling_factors(np.array([2, 8, 0]), 8) == pytest.approx([2.0, 1.0, math.sqrt(8)])


def dense_reference_coords(rows, cols, values, n, m):
    """The textbook computation with a dense matrix: impute column means, centre, SVD, project, scale."""
    matrix = np.full((n, m), np.nan)
    matrix[rows, cols] = values
    means = np.nanmean(matrix, axis=0)
    imputed = np.where(np.isnan(matrix), means, matrix)
    centred = imputed - imputed.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ vt[:2].T
    votes = (~np.isnan(matrix)).sum(axis=1)
    return projected * np.sqrt(m / votes)[:, None], vt[:2]


@pytest.mark.parametrize("seed", [1, 2])
def test_coordinates_match_a_dense_mean_imputed_pca_with_polis_scaling(seed):
    n, m = 300, 40
    rows, cols, values, _ = structured_votes(n, m, 4000, seed)
    voted = np.unique(rows)
    keep = np.isin(np.arange(n), voted)  # the dense reference needs every row to have a vote
    remap = np.cumsum(keep) - 1
    rows = remap[rows]
    n = int(keep.sum())
    result = analyse(rows, cols, values, n, m)
    expected, loadings = dense_reference_coords(rows, cols, values, n, m)
    # Sign convention: each axis is oriented so that its largest statement loading is positive.
    for axis in range(2):
        sign = np.sign(loadings[axis, np.argmax(np.abs(loadings[axis]))])
        assert np.allclose(result.coords[:, axis], sign * expected[:, axis], atol=1e-8)


# --- the two-group conversation --------------------------------------------------------------------------


def test_toy_conversation_groups_representatives_consensus_and_divisiveness():
    rows, cols, values, n, m = parse(TOY)
    result = analyse(rows, cols, values, n, m, max_groups=2, pick=9)
    assert result.k == 2
    assert result.labels.tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]  # the larger camp is group 0
    assert [g.size for g in result.groups] == [6, 4]
    assert result.groups[1].members.tolist() == [6, 7, 8, 9]
    assert result.participants_clustered == 10
    assert result.group_counts.shape == (2, 9, 3)
    assert result.group_counts[:, 1].tolist() == [[5, 0, 1], [0, 4, 0]]  # agree, disagree, passed

    by_statement = {r.statement: r for r in result.groups[0].representative}
    # Group 0 on statement 0: 6 agree of 6 votes; the rest (group 1): 0 agree of 4.
    #   pa = (6 + 1) / (6 + 2) = 0.875; rest (0 + 1) / (4 + 2) = 1/6; ratio = 0.875 * 6 = 5.25
    #   pooled = (6 + 0 + 2) / (8 + 6) = 4/7; se = sqrt(4/7 * 3/7 * (1/8 + 1/6)) = sqrt(1/14) = 0.267261
    #   z = (0.875 - 1/6) / 0.267261 = 2.650341
    first = by_statement[0]
    assert (first.direction, first.agree, first.disagree, first.passed, first.votes) == ("agree", 6, 0, 0, 6)
    assert first.probability == pytest.approx(0.875)
    assert first.ratio == pytest.approx(5.25)
    assert first.z == pytest.approx(2.650341, abs=1e-6)
    # Statement 1: 5 agree and 1 pass in group 0 -> pa = 6/8 = 0.75, p-test = 2 sqrt(8) (0.75 - 0.5) = 1.414
    # (> 1.2816); ratio = 0.75 * 6 = 4.5; pooled = (5 + 2) / 14 = 1/2, se = sqrt(1/4 * 7/24) = 0.270031,
    # z = (0.75 - 1/6) / 0.270031 = 2.160247.
    second = by_statement[1]
    assert (second.direction, second.agree, second.passed, second.votes) == ("agree", 5, 1, 6)
    assert second.probability == pytest.approx(0.75)
    assert second.ratio == pytest.approx(4.5)
    assert second.z == pytest.approx(2.160247, abs=1e-6)
    # Statement 2 represents group 0 by its disagreement.
    assert by_statement[2].direction == "disagree" and by_statement[2].disagree == 6
    # Everyone agrees with statement 8: nothing sets group 0 apart there.
    assert 8 not in by_statement
    # Strongest first: the five unanimous splits (metric 5.25 * 2.650 * 0.875 * 2.121 = 25.8) come before
    # statement 1 (4.5 * 2.160 * 0.75 * 1.414 = 10.3); equal metrics by statement number.
    order = [r.statement for r in result.groups[0].representative]
    assert order[:5] == [0, 2, 3, 6, 7]
    assert order.index(1) > 4
    assert all(r.z > Z90 for g in result.groups for r in g.representative)

    # Group-informed consensus on statement 8: (6 + 1) / (6 + 2) * (4 + 1) / (4 + 2) = 7/8 * 5/6 = 35/48.
    # The splits fail the test (agree: 7/8 * 1/6 = 0.146, geometric mean 0.38 < 1/2), so 8 is the only one.
    assert [(c.statement, c.direction) for c in result.consensus] == [(8, "agree")]
    consensus = result.consensus[0]
    assert consensus.score == pytest.approx(35 / 48)
    assert (consensus.agree, consensus.disagree, consensus.passed, consensus.votes) == (10, 0, 0, 10)

    # Divisiveness: smoothed agree shares, max - min. Statement 0: 7/8 - 1/6 = 0.708333; statement 8:
    # 7/8 - 5/6 = 0.041667; statement 1: (5 + 1) / 8 - 1/6 = 0.583333.
    assert result.divisiveness[0] == pytest.approx(17 / 24)
    assert result.divisiveness[8] == pytest.approx(1 / 24)
    assert result.divisiveness[1] == pytest.approx(7 / 12)
    assert [d.statement for d in result.divisive][:5] == [0, 2, 3, 6, 7]
    assert result.divisive[0].agree_shares == (1.0, 0.0)  # raw shares: 6/6 and 0/4
    assert result.silhouette is not None and 0.5 < result.silhouette <= 1


def test_pick_limits_every_list():
    rows, cols, values, n, m = parse(TOY)
    result = analyse(rows, cols, values, n, m, max_groups=2, pick=2)
    assert all(len(g.representative) == 2 for g in result.groups)
    assert len(result.divisive) == 2
    assert len(result.consensus) <= 2


def test_statistics_formulas():
    # One-proportion: 2 sqrt(n + 2) (p - 1/2) with p = (s + 1) / (n + 2): 9 of 10 -> 2 sqrt(12) (10/12 - 1/2).
    assert one_proportion_z(9, 10) == pytest.approx(2 * math.sqrt(12) * (10 / 12 - 0.5))
    # Two-proportion, equal shares -> 0; more in the group -> positive, symmetric.
    assert two_proportion_z(3, 10, 3, 10) == pytest.approx(0.0)
    assert two_proportion_z(8, 10, 2, 10) == pytest.approx(-two_proportion_z(2, 10, 8, 10))
    assert two_proportion_z(8, 10, 2, 10) > Z90


# --- determinism -----------------------------------------------------------------------------------------


def same_result(a, b) -> bool:
    return (
        np.array_equal(a.coords, b.coords)
        and np.array_equal(a.labels, b.labels)
        and np.array_equal(a.group_counts, b.group_counts)
        and np.array_equal(a.divisiveness, b.divisiveness)
        and [(g.id, g.size, g.centroid, g.representative) for g in a.groups]
        == [(g.id, g.size, g.centroid, g.representative) for g in b.groups]
        and a.consensus == b.consensus
        and a.divisive == b.divisive
        and a.k == b.k
        and a.silhouette == b.silhouette
    )


def test_same_votes_same_result_whatever_their_order():
    rows, cols, values, _ = structured_votes(2000, 120, 30000)
    first = analyse(rows, cols, values, 2000, 120)
    assert first.k >= 2
    assert same_result(first, analyse(rows, cols, values, 2000, 120))
    shuffled = np.random.default_rng(7).permutation(len(rows))
    assert same_result(first, analyse(rows[shuffled], cols[shuffled], values[shuffled], 2000, 120))


def test_recovers_planted_camps():
    rows, cols, values, camp = structured_votes(3000, 100, 90000, seed=3)
    result = analyse(rows, cols, values, 3000, 100)
    clustered = result.labels >= 0
    assert result.k == 3
    assert adjusted_rand_index(result.labels[clustered], camp[clustered]) > 0.9
    # The reported silhouette (participants placed at their base cluster's centre) is close to the exact one.
    exact = silhouette(result.coords[clustered], result.labels[clustered])
    assert result.silhouette == pytest.approx(exact, abs=0.03)


def test_a_repeated_pair_keeps_the_later_vote():
    rows, cols, values, n, m = parse(TOY)
    # Participant 0 first agrees with statement 2, then (the triple that comes later) disagrees as before.
    rows2 = np.concatenate([[0], rows])
    cols2 = np.concatenate([[2], cols])
    values2 = np.concatenate([[1], values]).astype(np.int8)
    assert same_result(analyse(rows, cols, values, n, m), analyse(rows2, cols2, values2, n, m))


# --- small and degenerate inputs -------------------------------------------------------------------------


def test_no_votes_at_all():
    result = analyse([], [], [], 4, 3)
    assert result.k == 0 and result.groups == [] and result.consensus == [] and result.divisive == []
    assert result.labels.tolist() == [-1, -1, -1, -1]
    assert result.coords.shape == (4, 2) and not result.coords.any()
    assert result.divisiveness.tolist() == [0.0, 0.0, 0.0]
    assert result.group_counts.shape == (0, 3, 3)
    assert result.silhouette is None and result.participants_clustered == 0
    assert result.seconds >= 0


def test_too_few_participants_gives_no_groups_but_consensus_of_everyone_clustered():
    # Two participants, both agreeing with statement 0 and disagreeing with 1: no groups (fewer than 3).
    result = analyse([0, 0, 1, 1], [0, 1, 0, 1], [1, -1, 1, -1], 2, 2)
    assert result.k == 0 and result.labels.tolist() == [-1, -1]
    # Fewer statements (2) than min_votes (7): voting on both is enough to be counted.
    assert result.participants_clustered == 2
    # One group of two: agree (2 + 1) / (2 + 2) = 0.75 on statement 0, disagree 0.75 on statement 1.
    assert [(c.statement, c.direction, c.score) for c in result.consensus] == [
        (0, "agree", 0.75), (1, "disagree", 0.75),
    ]
    assert not result.divisiveness.any() and result.divisive == []


def test_identical_voters_cannot_be_split():
    rows = np.repeat(np.arange(5), 3)
    cols = np.tile(np.arange(3), 5)
    result = analyse(rows, cols, np.ones(15, dtype=np.int8), 5, 3)
    assert result.k == 0 and (result.labels == -1).all()
    assert not result.coords.any()
    assert [c.statement for c in result.consensus] == [0, 1, 2]


def test_one_statement_only():
    result = analyse([0, 1, 2, 3], [0, 0, 0, 0], [1, -1, 1, 0], 4, 1)
    assert result.k == 0 and (result.labels == -1).all()


def test_participants_below_min_votes_are_projected_but_not_clustered():
    rows, cols, values, n, m = parse(TOY)
    # An eleventh participant with two votes.
    rows = np.concatenate([rows, [10, 10]])
    cols = np.concatenate([cols, [0, 2]])
    values = np.concatenate([values, [1, -1]]).astype(np.int8)
    result = analyse(rows, cols, values, 12, m, max_groups=2)  # participant 11 never voted
    assert result.labels[10] == -1 and result.labels[11] == -1
    assert result.participants_clustered == 10
    assert result.coords[10].any()  # projected, scaled by sqrt(9 / 2)
    assert not result.coords[11].any()
    assert sum(g.size for g in result.groups) == 10


def test_statements_without_votes_are_harmless():
    rows, cols, values, n, m = parse(TOY)
    wider = analyse(rows, cols, values, n, m + 3, max_groups=2)
    narrow = analyse(rows, cols, values, n, m, max_groups=2)
    assert np.allclose(wider.coords, narrow.coords)
    assert wider.labels.tolist() == narrow.labels.tolist()
    assert wider.divisiveness[m:].tolist() == [0.0, 0.0, 0.0]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        analyse([0], [0], [2], 1, 1)
    with pytest.raises(ValueError):
        analyse([0, 1], [0], [1], 2, 1)
    with pytest.raises(ValueError):
        analyse([3], [0], [1], 2, 1)


# --- memory ----------------------------------------------------------------------------------------------


def test_no_dense_participants_by_statements_matrix():
    # 30,000 participants x 4,000 statements: a dense float64 matrix alone would take 960 MB.
    n, m = 30_000, 4_000
    rows, cols, values, _ = structured_votes(n, m, 300_000, seed=5)
    tracemalloc.start()
    try:
        result = analyse(rows, cols, values, n, m)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.k >= 2
    assert peak < 48 * 2**20, f"peak {peak / 2**20:.0f} MB"  # a twentieth of the dense matrix


# --- adjusted Rand index ---------------------------------------------------------------------------------


def test_adjusted_rand_index_matches_scikit_learn():
    rng = np.random.default_rng(11)
    cases = [
        ([0, 0, 1, 1], [0, 0, 1, 1]),
        ([0, 0, 1, 1], [1, 1, 0, 0]),
        ([0, 0, 1, 1], [0, 1, 0, 1]),
        ([0, 0, 0, 0], [0, 0, 0, 0]),
        ([0, 1, 2, 3], [0, 1, 2, 3]),
        ([0, 0, 0, 0], [0, 1, 2, 3]),
        ([5, 5, 7, 9, 9], [1, 1, 1, 2, 2]),
        (["a", "b", "a"], ["x", "y", "y"]),
    ]
    for _ in range(30):
        size = int(rng.integers(2, 400))
        cases.append((rng.integers(0, rng.integers(1, 6), size), rng.integers(0, rng.integers(1, 6), size)))
    for a, b in cases:
        assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


# --- routing priorities ----------------------------------------------------------------------------------


def test_priorities_favour_new_and_divisive_statements_and_stay_positive():
    # A statement nobody voted on: (1 - 1/2) * 1 * 9 = 4.5, squared 20.25.
    assert statement_priorities([0], [0], [0]).tolist() == [20.25]
    fewer = statement_priorities([1, 10], [1, 10], [0, 0])
    assert fewer[0] > fewer[1]  # fewer votes first
    divisive = statement_priorities([5, 5], [5, 5], [0, 0], divisiveness=[0.8, 0.1])
    assert divisive[0] > divisive[1]
    passed = statement_priorities([5, 0], [5, 0], [0, 10])
    assert passed[0] > passed[1]  # a statement everyone passes on sinks
    many = statement_priorities([0, 10_000], [0, 10_000], [10_000, 0])
    assert (many > 0).all()
    # The formula, for 3 agree, 1 disagree, 1 pass, divisiveness 0.5:
    # (1 - 2/7) * 1.5 * (1 + 8 * 2^-1) = 5/7 * 1.5 * 5, squared.
    assert statement_priorities([3], [1], [1], [0.5])[0] == pytest.approx((5 / 7 * 1.5 * 5) ** 2)
