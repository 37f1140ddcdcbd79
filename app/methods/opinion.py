"""The opinion map: opinion groups, what each group stands for, where they agree, where they split.

Polis-style and deterministic (same votes, same result, whatever the order they come in):

1. Votes are a sparse participants x statements matrix (agree +1, disagree -1, pass 0, missing = not voted),
   given as COO triples. Every participant with at least one vote is projected; those with at least
   ``min_votes`` votes (or a vote on every statement that has votes, when there are fewer such statements)
   are clustered.
2. Missing votes are imputed with the statement's mean vote. Centred, the imputed matrix is sparse again
   (observed cell: vote - mean; missing cell: 0), so PCA to two components runs on sparse products and no
   dense participants x statements matrix is ever built. Each participant's projection is then scaled by
   sqrt(statements with votes / the participant's votes) -- Polis's sparsity-aware scaling, so that people
   who voted little are not all bunched in the centre. Each component's sign is fixed: its largest entry
   (by absolute value, first on ties) is positive.
3. Groups, as Polis forms them: the clustered participants' points are summarised by BASE_CLUSTERS
   "base clusters" (k-means; every distinct point is its own base cluster when there are no more than
   that), then the base clusters are grouped by weighted k-means (k-means++ seeding, GROUP_STARTS runs per
   k, fixed seeds) for k = 2 ... min(``max_groups``, 2 + base clusters // 12). Among all the candidate
   groupings, the one with the best silhouette wins (computed over the participants, each placed at its
   base cluster's centre), except that fewer groups are kept when they score within K_MARGIN of it. See
   `choose_groups`. Groups are numbered 0, 1, ... by descending size (ties: by centroid). No groups when
   fewer than 3 participants are clustered, fewer than 2 statements have votes, or all points coincide.
4. Per group, the representative statements (Polis "repness"): with ``n`` the group's votes on a statement
   (passes included), pa = (agree + 1) / (n + 2) and pd = (disagree + 1) / (n + 2); the same for the rest of
   the clustered participants; ratio = p(group) / p(rest); z = two-proportion z test of the smoothed
   shares, group against rest; p-test = one-proportion z test of p against 0.5, 2 sqrt(n + 2) (p - 0.5).
   A statement represents the group in the agree direction when both tests pass at 90 % one-sided
   (z > Z90) -- likewise for disagree; both can never pass at once, as pa + pd <= 1. Ranked by
   ratio x z x p x p-test (Polis's repness metric), strongest first.
5. Consensus (group-informed, Polis): for agree, the product over groups of (agree + 1) / (votes + 2); for
   disagree the same with disagree votes. A statement is a consensus statement in the stronger of the two
   directions when the geometric mean of the groups' factors exceeds 1/2 (the groups on average lean that
   way); ranked by the product. Without groups, the clustered participants count as one group.
6. Divisiveness of a statement, in [0, 1]: max - min over groups of the smoothed agree share
   (agree + 1) / (votes + 2). 1 would be one group all agreeing and another all disagreeing (never quite
   reached, because of the smoothing); 0 without groups.

``statement_priorities`` is the routing weight for the next statement shown to a voter (see there), and
``adjusted_rand_index`` compares two partitions (how the tests check the groups against Polis's).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from threadpoolctl import threadpool_limits

# One-sided 90 % critical value of the standard normal distribution.
Z90 = 1.2815515655446004
# `silhouette` (exact up to this many points, else on a fixed sample of this size).
SILHOUETTE_EXACT = 5000
# Polis's base clusters: this many k-means centres summarise the clustered participants (one k-means++
# run, as Polis; fitted on a fixed sample of BASE_SAMPLE distinct points when there are more). Groups are
# then formed from the base clusters, the best of GROUP_STARTS k-means runs per k.
BASE_CLUSTERS = 100
BASE_STARTS = 1
BASE_SAMPLE = 10_000
GROUP_STARTS = 10
# A larger k must beat the best smaller k's silhouette by more than this to be chosen.
K_MARGIN = 0.02
# k-means: the cap on Lloyd iterations (they normally stop earlier, when no point changes group); runs
# side by side while (runs x points x centres) stays under KMEANS_BATCH_CELLS; nearest-centre searches in
# chunks of KMEANS_CHUNK_CELLS distances (cache-sized).
KMEANS_MAX_ITER = 300
KMEANS_BATCH_CELLS = 1_000_000
KMEANS_CHUNK_CELLS = 131_072


@dataclass(frozen=True)
class Representative:
    statement: int
    direction: str  # "agree" | "disagree"
    agree: int
    disagree: int
    passed: int
    votes: int
    probability: float  # pa or pd within the group, smoothed
    ratio: float  # p(group) / p(rest)
    z: float  # two-proportion z, group against rest


@dataclass(frozen=True)
class Group:
    id: int
    size: int
    members: np.ndarray  # participant row indices, ascending
    centroid: tuple[float, float]
    representative: list[Representative]


@dataclass(frozen=True)
class Consensus:
    statement: int
    direction: str
    score: float
    agree: int
    disagree: int
    passed: int
    votes: int


@dataclass(frozen=True)
class Divisive:
    statement: int
    score: float
    agree_shares: tuple[float, ...]  # per group: agree / votes (0 when the group did not vote on it)


@dataclass(frozen=True)
class OpinionResult:
    coords: np.ndarray  # (n_participants, 2); 0, 0 for participants without votes
    labels: np.ndarray  # (n_participants,), -1 = not clustered
    groups: list[Group]
    consensus: list[Consensus]
    divisive: list[Divisive]
    divisiveness: np.ndarray  # (n_statements,)
    group_counts: np.ndarray  # (k, n_statements, 3): agree, disagree, passed
    participants_clustered: int
    k: int
    silhouette: float | None  # of the chosen grouping, as scored by `choose_groups`; None without groups
    seconds: float  # the analysis' own wall time


# --- the vote matrix -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Votes:
    """The votes sorted by (participant, statement), one per pair."""

    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    values: np.ndarray  # int8
    n_participants: int
    n_statements: int


def _prepare(rows, cols, values, n_participants: int, n_statements: int) -> _Votes:
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    values = np.asarray(values).ravel()
    if not (len(rows) == len(cols) == len(values)):
        raise ValueError("rows, cols and values must have the same length")
    if len(rows):
        if rows.min() < 0 or rows.max() >= n_participants:
            raise ValueError("a row index is outside 0 .. n_participants - 1")
        if cols.min() < 0 or cols.max() >= n_statements:
            raise ValueError("a column index is outside 0 .. n_statements - 1")
        if not np.isin(values, (-1, 0, 1)).all():
            raise ValueError("votes must be -1, 0 or +1")
    key = rows * max(n_statements, 1) + cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    # Should a pair come twice, the later triple wins (the input is meant to hold the latest vote only).
    last = np.ones(len(key), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    order = order[last]
    return _Votes(
        rows=rows[order].astype(np.int32),
        cols=cols[order].astype(np.int32),
        values=values[order].astype(np.int8),
        n_participants=n_participants,
        n_statements=n_statements,
    )


def statement_means(cols, values, n_statements: int) -> np.ndarray:
    """Each statement's mean vote over the votes cast on it (0 for a statement without votes): the value a
    missing vote is imputed with."""
    cols = np.asarray(cols)
    sums = np.bincount(cols, weights=np.asarray(values, dtype=np.float64), minlength=n_statements)
    counts = np.bincount(cols, minlength=n_statements)
    return np.divide(sums, counts, out=np.zeros(n_statements), where=counts > 0)


def scaling_factors(votes_per_participant: np.ndarray, statements_with_votes: int) -> np.ndarray:
    """Polis's sparsity-aware scaling: sqrt(statements with votes / the participant's votes) (1 for none)."""
    return np.sqrt(statements_with_votes / np.maximum(votes_per_participant, 1))


def _centred(votes: _Votes, means: np.ndarray) -> sp.csr_matrix:
    """The mean-imputed, centred vote matrix: vote - mean on voted cells, 0 elsewhere (sparse)."""
    data = votes.values.astype(np.float64) - means[votes.cols]
    indptr = np.zeros(votes.n_participants + 1, dtype=np.int64)
    np.cumsum(np.bincount(votes.rows, minlength=votes.n_participants), out=indptr[1:])
    return sp.csr_matrix((data, votes.cols, indptr), shape=(votes.n_participants, votes.n_statements))


def principal_axes(centred: sp.csr_matrix, seed: int = 0) -> np.ndarray:
    """The two leading principal axes (statements x 2) of a centred sparse matrix, signs fixed."""
    n, m = centred.shape
    if m == 0 or centred.nnz == 0:
        return np.zeros((m, 2))
    work = float(np.square(np.diff(centred.indptr).astype(np.float64)).sum())
    if m <= 64 or (m <= 1000 and work <= 5e7):
        gram = (centred.T @ centred).toarray()
        top = min(2, m)
        with threadpool_limits(1, user_api="blas"):  # a small problem: waking BLAS threads costs more
            eigenvalues, eigenvectors = scipy.linalg.eigh(gram, subset_by_index=[m - top, m - 1], driver="evr")
        axes = eigenvectors[:, ::-1]
        eigenvalues = eigenvalues[::-1]
    else:
        transposed = centred.T.tocsr()
        operator = LinearOperator(
            (m, m), matvec=lambda v: transposed @ (centred @ v), dtype=np.float64
        )
        start = np.random.default_rng(seed).standard_normal(m)
        try:
            eigenvalues, eigenvectors = eigsh(operator, k=2, which="LA", v0=start, tol=1e-10)
        except ArpackNoConvergence:  # nearly equal eigenvalues: settle for less precision
            eigenvalues, eigenvectors = eigsh(operator, k=2, which="LA", v0=start, tol=1e-6, maxiter=100 * m)
        order = np.argsort(-eigenvalues, kind="stable")
        eigenvalues, axes = eigenvalues[order], eigenvectors[:, order]
    if axes.shape[1] < 2:
        axes = np.hstack([axes, np.zeros((m, 2 - axes.shape[1]))])
    axes = axes.copy()
    for c in range(axes.shape[1]):
        if c >= len(eigenvalues) or eigenvalues[c] <= 1e-12 * max(eigenvalues[0], 1e-300):
            axes[:, c] = 0.0  # no variance left along this axis
            continue
        pivot = int(np.argmax(np.abs(axes[:, c])))
        if axes[pivot, c] < 0:
            axes[:, c] = -axes[:, c]
    return axes


# --- groups ----------------------------------------------------------------------------------------------


def _square_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared distances between 2-D points (..., n, 2) and centres (..., k, 2): (..., n, k).

    Direct differences rather than the |x|^2 - 2 x.c + |c|^2 expansion: exact, and no BLAS call (in a
    loop of small products, waking BLAS threads costs more than the arithmetic)."""
    dx = points[..., :, None, 0] - centres[..., None, :, 0]
    out = dx * dx
    dy = points[..., :, None, 1] - centres[..., None, :, 1]
    out += dy * dy
    return out


def _kmeans_runs(points: np.ndarray, weights: np.ndarray, k: int, starts: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``starts`` weighted k-means++ runs: labels (starts, n) and inertias (starts,).

    Seeding draws each next centre with probability weight x squared distance to the nearest centre so
    far; Lloyd iterations then run until no point changes group (or KMEANS_MAX_ITER). Runs go side by
    side, in batches that keep each (runs x points x centres) array within KMEANS_BATCH_CELLS; the
    random draws do not depend on the batching."""
    n = len(points)
    draws = rng.random((k, starts))
    batch = max(1, min(starts, KMEANS_BATCH_CELLS // max(1, n * k)))
    labels = np.empty((starts, n), dtype=np.int64)
    inertias = np.empty(starts)
    for first in range(0, starts, batch):
        chosen = slice(first, min(starts, first + batch))
        labels[chosen], inertias[chosen] = _lloyd_batch(points, weights, _seed_batch(points, weights, draws[:, chosen]))
    return labels, inertias


def _seed_batch(points: np.ndarray, weights: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """k-means++ centres for each column of ``draws`` (k uniform numbers per run): (runs, k, 2)."""
    k, runs = draws.shape
    n = len(points)
    centres = np.empty((runs, k, 2))
    cumulative = np.cumsum(weights)
    first = np.searchsorted(cumulative, draws[0] * cumulative[-1], side="right")
    centres[:, 0] = points[np.minimum(first, n - 1)]
    closest = _square_distances(points, centres[:, :1])[:, :, 0]  # (runs, n)
    for c in range(1, k):
        mass = np.cumsum(closest * weights, axis=1)
        pick = np.minimum((mass <= (draws[c] * mass[:, -1])[:, None]).sum(axis=1), n - 1)
        pick = np.where(mass[:, -1] > 0, pick, 0)  # every point on a centre already: repeat one
        centres[:, c] = points[pick]
        np.minimum(closest, _square_distances(points, centres[:, c:c + 1])[:, :, 0], out=closest)
    return centres


def _lloyd_batch(points: np.ndarray, weights: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Lloyd iterations for a batch of runs (centres: runs x k x 2)."""
    runs, k, _ = centres.shape
    offsets = (np.arange(runs) * k)[:, None]
    flat_weights = np.tile(weights, runs)
    flat_x = flat_weights * np.tile(points[:, 0], runs)
    flat_y = flat_weights * np.tile(points[:, 1], runs)
    labels = None
    for _ in range(KMEANS_MAX_ITER):
        new_labels = _nearest(points, centres)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        slots = (labels + offsets).ravel()
        mass = np.bincount(slots, weights=flat_weights, minlength=runs * k).reshape(runs, k)
        for d, flat in ((0, flat_x), (1, flat_y)):
            sums = np.bincount(slots, weights=flat, minlength=runs * k).reshape(runs, k)
            centres[:, :, d] = np.where(mass > 0, sums / np.where(mass > 0, mass, 1.0), centres[:, :, d])
    labels = _nearest(points, centres)
    nearest = np.take_along_axis(centres, labels[:, :, None], axis=1)  # (runs, n, 2)
    inertias = (np.square(points[None] - nearest).sum(axis=2) * weights).sum(axis=1)
    return labels, inertias


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each point's nearest centre in each run (centres: runs x k x 2), by chunks of points that keep
    the distance arrays small enough to stay in cache."""
    runs, k, _ = centres.shape
    n = len(points)
    chunk = max(1, KMEANS_CHUNK_CELLS // (runs * k))
    if chunk >= n:
        return np.argmin(_square_distances(points, centres), axis=2)
    labels = np.empty((runs, n), dtype=np.int64)
    for start in range(0, n, chunk):
        labels[:, start:start + chunk] = np.argmin(_square_distances(points[start:start + chunk], centres), axis=2)
    return labels


def silhouette(points: np.ndarray, labels: np.ndarray, seed: int = 0, exact_up_to: int = SILHOUETTE_EXACT) -> float:
    """Mean silhouette of a labelling (exact up to ``exact_up_to`` points, else on a fixed sample that size).

    A point alone in its group scores 0 (as in scikit-learn)."""
    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels)
    n = len(points)
    if n > exact_up_to:
        sample = np.sort(np.random.default_rng([seed, n]).choice(n, exact_up_to, replace=False))
        points, labels, n = points[sample], labels[sample], exact_up_to
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.ravel()
    k = int(labels.max()) + 1 if n else 0
    if k < 2:
        return 0.0
    one_hot = np.zeros((n, k))
    one_hot[np.arange(n), labels] = 1.0
    sums = np.empty((n, k))
    chunk = 256
    for start in range(0, n, chunk):
        # Summed per group with a plain reduction (not a BLAS product): identical on every machine.
        block = np.sqrt(_square_distances(points[start:start + chunk], points))
        for g in range(k):
            sums[start:start + chunk, g] = block[:, labels == g].sum(axis=1)
    return float(_silhouettes(sums, labels).mean())


def _silhouettes(sums: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-point silhouettes from each point's summed distances to every group (n, k)."""
    n, k = sums.shape
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    rows = np.arange(n)
    own = counts[labels]
    a = sums[rows, labels] / np.maximum(own - 1, 1)
    others = sums / np.maximum(counts, 1)
    others[rows, labels] = np.inf
    b = others.min(axis=1)
    top = np.maximum(a, b)
    return np.where((own > 1) & (top > 0), (b - a) / np.where(top > 0, top, 1.0), 0.0)


def base_clusters(points: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polis's base clusters: (each point's base cluster, centres, member counts).

    Up to BASE_CLUSTERS distinct points, every distinct point is its own base cluster. Beyond, the
    lowest-inertia of BASE_STARTS k-means runs with BASE_CLUSTERS centres over the distinct points
    (weighted by multiplicity; over a fixed sample of BASE_SAMPLE of them when there are more), then every
    point joins its nearest centre and the centres become their members' means (empty ones dropped)."""
    distinct, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    weights = np.bincount(inverse).astype(np.float64)
    if len(distinct) <= BASE_CLUSTERS:
        return inverse, distinct, weights
    fit = np.arange(len(distinct))
    if len(distinct) > BASE_SAMPLE:
        fit = np.sort(np.random.default_rng([seed, 2]).choice(len(distinct), BASE_SAMPLE, replace=False))
    labels, inertias = _kmeans_runs(distinct[fit], weights[fit], BASE_CLUSTERS, BASE_STARTS,
                                    np.random.default_rng([seed, 0]))
    labels = labels[int(np.argmin(inertias))]
    mass = np.bincount(labels, weights=weights[fit], minlength=BASE_CLUSTERS)
    centres = np.column_stack([
        np.bincount(labels, weights=weights[fit] * distinct[fit, d], minlength=BASE_CLUSTERS) for d in range(2)
    ])[mass > 0] / mass[mass > 0, None]
    nearest = _nearest(distinct, centres[None])[0]
    _, nearest = np.unique(nearest, return_inverse=True)
    mass = np.bincount(nearest, weights=weights)
    centres = np.column_stack([np.bincount(nearest, weights=weights * distinct[:, d]) for d in range(2)])
    return nearest[inverse], centres / mass[:, None], mass


def choose_groups(points: np.ndarray, max_groups: int, seed: int = 0) -> tuple[np.ndarray, float] | None:
    """Group labels for the clustered participants' points and their silhouette, Polis-style; None when
    no grouping fits.

    The points are first summarised by base clusters. For each k from 2 to min(max_groups, 2 + base
    clusters // 12) (Polis's cap: about a dozen base clusters per group), GROUP_STARTS weighted k-means++
    runs on the base-cluster centres (weights: member counts) give candidate groupings. Each is scored by
    the participants' silhouette, every participant placed at its base cluster's centre (a weighted
    silhouette of the centres: exact for the summary, and cheap whatever the number of participants).
    The best-scoring grouping wins, except that fewer groups are kept when they score within K_MARGIN of
    it: differences that small are noise between near-equal groupings, and fewer, larger groups give
    steadier statistics (Polis likewise holds on to its k until a new one wins repeatedly)."""
    assignment, centres, weights = base_clusters(points, seed)
    n_base = len(centres)
    largest_k = min(max_groups, 2 + n_base // 12, n_base)
    if largest_k < 2:
        return None
    distances = np.sqrt(_square_distances(centres, centres))
    candidates: list[tuple[float, int, np.ndarray]] = []
    for k in range(2, largest_k + 1):
        runs, _ = _kmeans_runs(centres, weights, k, GROUP_STARTS, np.random.default_rng([seed, 1, k]))
        seen: set[bytes] = set()
        for labels in runs:
            labels = _canonical(labels)
            if labels.max() + 1 < k or labels.tobytes() in seen:
                continue
            seen.add(labels.tobytes())
            candidates.append((_weighted_silhouette(distances, weights, labels), k, labels))
    if not candidates:
        return None
    best = max(score for score, _, _ in candidates)
    chosen_k = min(k for score, k, _ in candidates if score >= best - K_MARGIN)
    score, _, labels = max((c for c in candidates if c[1] == chosen_k), key=lambda c: c[0])
    return labels[assignment], score


def _weighted_silhouette(distances: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette of points standing for ``weights`` participants each (distances between the points)."""
    k = int(labels.max()) + 1
    sums = np.column_stack([(distances[:, labels == g] * weights[labels == g]).sum(axis=1) for g in range(k)])
    mass = np.bincount(labels, weights=weights, minlength=k)
    rows = np.arange(len(labels))
    own = mass[labels]
    a = sums[rows, labels] / np.maximum(own - 1, 1)  # the participant itself is at distance 0
    others = sums / mass
    others[rows, labels] = np.inf
    b = others.min(axis=1)
    top = np.maximum(a, b)
    s = np.where((own > 1) & (top > 0), (b - a) / np.where(top > 0, top, 1.0), 0.0)
    return float((s * weights).sum() / weights.sum())


def _canonical(labels: np.ndarray) -> np.ndarray:
    """The same partition always gets the same labels: 0, 1, ... in order of first appearance."""
    values, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(values))
    return rank[inverse.ravel()]


def _renumber(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Group ids 0, 1, ... by descending size (ties: by centroid x, then y)."""
    _, labels = np.unique(labels, return_inverse=True)
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    centroids = np.column_stack([np.bincount(labels, weights=points[:, d], minlength=k) / sizes for d in range(2)])
    order = sorted(range(k), key=lambda g: (-sizes[g], centroids[g][0], centroids[g][1]))
    mapping = np.empty(k, dtype=np.int64)
    mapping[order] = np.arange(k)
    return mapping[labels]


# --- statistics ------------------------------------------------------------------------------------------


def _counts(votes: _Votes, group_of_row: np.ndarray, k: int) -> np.ndarray:
    """(k, n_statements, 3): agree, disagree, passed per group (votes of rows with group -1 left out)."""
    counts = np.zeros((k, votes.n_statements, 3), dtype=np.int64)
    if k == 0:
        return counts
    groups = group_of_row[votes.rows]
    kept = groups >= 0
    groups, cols, values = groups[kept], votes.cols[kept], votes.values[kept]
    kind = np.where(values == 1, 0, np.where(values == -1, 1, 2))
    flat = (groups.astype(np.int64) * votes.n_statements + cols) * 3 + kind
    counts += np.bincount(flat, minlength=k * votes.n_statements * 3).reshape(k, votes.n_statements, 3)
    return counts


def _smoothed(successes, trials):
    return (np.asarray(successes) + 1.0) / (np.asarray(trials) + 2.0)


def one_proportion_z(successes, trials):
    """z of the smoothed share against 1/2: 2 sqrt(n + 2) (p - 1/2)."""
    trials = np.asarray(trials, dtype=np.float64)
    return 2.0 * np.sqrt(trials + 2.0) * (_smoothed(successes, trials) - 0.5)


def two_proportion_z(successes_in, trials_in, successes_out, trials_out):
    """z of the smoothed share in a group against the rest, pooled standard error."""
    p_in = _smoothed(successes_in, trials_in)
    p_out = _smoothed(successes_out, trials_out)
    n_in = np.asarray(trials_in, dtype=np.float64) + 2.0
    n_out = np.asarray(trials_out, dtype=np.float64) + 2.0
    pooled = (np.asarray(successes_in) + np.asarray(successes_out) + 2.0) / (n_in + n_out)
    return (p_in - p_out) / np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_in + 1.0 / n_out))


def representative_statements(counts: np.ndarray, group: int, pick: int) -> list[Representative]:
    """The statements that set ``group`` apart from the other clustered participants, strongest first."""
    mine = counts[group]
    rest = counts.sum(axis=0) - mine
    n_mine, n_rest = mine.sum(axis=1), rest.sum(axis=1)
    candidates = []
    for column, direction in ((0, "agree"), (1, "disagree")):
        p = _smoothed(mine[:, column], n_mine)
        p_test = one_proportion_z(mine[:, column], n_mine)
        ratio = p / _smoothed(rest[:, column], n_rest)
        z = two_proportion_z(mine[:, column], n_mine, rest[:, column], n_rest)
        passing = (p_test > Z90) & (z > Z90) & (n_mine > 0)
        metric = ratio * z * p * p_test
        for s in np.flatnonzero(passing):
            candidates.append((-float(metric[s]), int(s), direction, float(p[s]), float(ratio[s]), float(z[s])))
    candidates.sort()
    return [
        Representative(
            statement=s, direction=direction, agree=int(mine[s, 0]), disagree=int(mine[s, 1]),
            passed=int(mine[s, 2]), votes=int(n_mine[s]), probability=p, ratio=ratio, z=z,
        )
        for _, s, direction, p, ratio, z in candidates[:pick]
    ]


def consensus_statements(counts: np.ndarray, pick: int) -> list[Consensus]:
    """Group-informed consensus, strongest first (see the module docstring)."""
    k, m, _ = counts.shape
    if k == 0 or m == 0:
        return []
    votes = counts.sum(axis=2)
    agree = np.prod(_smoothed(counts[:, :, 0], votes), axis=0)
    disagree = np.prod(_smoothed(counts[:, :, 1], votes), axis=0)
    direction_agree = agree >= disagree
    score = np.where(direction_agree, agree, disagree)
    kept = np.flatnonzero(score > 0.5 ** k)
    order = kept[np.lexsort((kept, -score[kept]))][:pick]
    total = counts.sum(axis=0)
    return [
        Consensus(
            statement=int(s), direction="agree" if direction_agree[s] else "disagree", score=float(score[s]),
            agree=int(total[s, 0]), disagree=int(total[s, 1]), passed=int(total[s, 2]),
            votes=int(total[s].sum()),
        )
        for s in order
    ]


def divisiveness_of(counts: np.ndarray) -> np.ndarray:
    """Per statement: max - min over groups of the smoothed agree share (0 with fewer than two groups)."""
    k, m, _ = counts.shape
    if k < 2:
        return np.zeros(m)
    shares = _smoothed(counts[:, :, 0], counts.sum(axis=2))
    return shares.max(axis=0) - shares.min(axis=0)


def divisive_statements(counts: np.ndarray, divisiveness: np.ndarray, pick: int) -> list[Divisive]:
    if counts.shape[0] < 2:
        return []
    votes = counts.sum(axis=2)
    raw_shares = np.divide(counts[:, :, 0], votes, out=np.zeros(votes.shape), where=votes > 0)
    candidates = np.flatnonzero(divisiveness > 0)
    order = candidates[np.lexsort((candidates, -divisiveness[candidates]))][:pick]
    return [
        Divisive(statement=int(s), score=float(divisiveness[s]),
                 agree_shares=tuple(float(x) for x in raw_shares[:, s]))
        for s in order
    ]


# --- the analysis ----------------------------------------------------------------------------------------


def analyse(rows, cols, values, n_participants: int, n_statements: int, *, min_votes: int = 7,
            max_groups: int = 5, seed: int = 0, pick: int = 5) -> OpinionResult:
    """The opinion map of a conversation (see the module docstring).

    ``rows``/``cols``: participant row and statement column of each vote (0-based, below ``n_participants``
    and ``n_statements``), one vote per pair -- the latest (were a pair to come twice, the later triple
    would count); ``values``: -1 disagree, 0 pass, +1 agree. ``min_votes``: votes a participant needs to be
    clustered; ``max_groups``: the largest k tried; ``seed``: fixes every random choice; ``pick``: the length
    of each list of statements. Raises ValueError on malformed input, never on small or degenerate input."""
    start = time.perf_counter()
    votes = _prepare(rows, cols, values, n_participants, n_statements)
    per_participant = np.bincount(votes.rows, minlength=n_participants)
    per_statement = np.bincount(votes.cols, minlength=n_statements)
    statements_with_votes = int(np.count_nonzero(per_statement))

    means = statement_means(votes.cols, votes.values, n_statements)
    centred = _centred(votes, means)
    axes = principal_axes(centred, seed)
    coords = np.asarray(centred @ axes) * scaling_factors(per_participant, statements_with_votes)[:, None]
    coords[per_participant == 0] = 0.0

    threshold = min(min_votes, statements_with_votes)
    clustered = np.flatnonzero((per_participant >= max(threshold, 1)))
    labels = np.full(n_participants, -1, dtype=np.int64)
    group_labels, score = None, None
    if len(clustered) >= 3 and statements_with_votes >= 2:
        points = coords[clustered]
        chosen = choose_groups(points, max_groups, seed)
        if chosen is not None:
            group_labels = _renumber(points, chosen[0])
            labels[clustered] = group_labels
            score = chosen[1]

    if group_labels is not None:
        k = int(group_labels.max()) + 1
        counts = _counts(votes, labels, k)
    else:
        k = 0
        counts = _counts(votes, labels, 0)
    if k:
        consensus = consensus_statements(counts, pick)
    else:
        one_group = np.full(n_participants, -1, dtype=np.int64)
        one_group[clustered] = 0
        consensus = consensus_statements(_counts(votes, one_group, 1), pick)
    divisiveness = divisiveness_of(counts)
    groups = [
        Group(
            id=g, size=int(np.count_nonzero(labels == g)), members=np.flatnonzero(labels == g),
            centroid=tuple(float(x) for x in coords[labels == g].mean(axis=0)),
            representative=representative_statements(counts, g, pick),
        )
        for g in range(k)
    ]
    return OpinionResult(
        coords=coords, labels=labels, groups=groups, consensus=consensus,
        divisive=divisive_statements(counts, divisiveness, pick), divisiveness=divisiveness,
        group_counts=counts, participants_clustered=int(len(clustered)), k=k,
        silhouette=score if k else None, seconds=time.perf_counter() - start,
    )


# --- routing and comparison ------------------------------------------------------------------------------


def statement_priorities(agree, disagree, passed, divisiveness=None) -> np.ndarray:
    """Routing weights (> 0) for choosing the next statement to show, Polis-style:

        ((1 - pass share) * (1 + divisiveness) * (1 + 8 * 2 ** (-votes / 5))) ** 2

    with pass share = (passed + 1) / (votes + 2) (smoothed, so never 1), votes = agree + disagree + passed,
    and divisiveness (0 ... 1) taken as 0 when not given. The newness factor goes from 9 (no votes) towards
    1, halving its excess every 5 votes; divisiveness up to doubles the base; a statement people keep
    passing on sinks. Every weight is > 0, so every statement can still be drawn.
    """
    agree = np.asarray(agree, dtype=np.float64)
    disagree = np.asarray(disagree, dtype=np.float64)
    passed = np.asarray(passed, dtype=np.float64)
    votes = agree + disagree + passed
    engagement = 1.0 - _smoothed(passed, votes)
    division = 0.0 if divisiveness is None else np.clip(np.asarray(divisiveness, dtype=np.float64), 0.0, 1.0)
    newness = 1.0 + 8.0 * np.power(2.0, -votes / 5.0)
    return np.square(engagement * (1.0 + division) * newness)


def adjusted_rand_index(a, b) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = same partition, ~0 = chance)."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if len(a) != len(b):
        raise ValueError("the two labelings must have the same length")
    n = len(a)
    if n < 2:
        return 1.0
    _, a_codes = np.unique(a, return_inverse=True)
    _, b_codes = np.unique(b, return_inverse=True)
    table = np.bincount(a_codes * (int(b_codes.max()) + 1) + b_codes).astype(np.float64)
    pairs = lambda x: float((x * (x - 1.0)).sum() / 2.0)  # noqa: E731
    both = pairs(table)
    in_a = pairs(np.bincount(a_codes).astype(np.float64))
    in_b = pairs(np.bincount(b_codes).astype(np.float64))
    total = n * (n - 1.0) / 2.0
    expected = in_a * in_b / total
    maximum = (in_a + in_b) / 2.0
    if maximum == expected:
        return 1.0
    return (both - expected) / (maximum - expected)
