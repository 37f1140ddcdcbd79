"""The opinion map of a process, cached: the analysis of its statement votes (app.methods.opinion) kept in one
OpinionMap row with what it was computed from — how many votes, the newest change, how many published
statements — so a page recomputes it only when that changed, and only inline while it is cheap.

Only published statements and their votes count: rejecting a statement takes its votes out of the map."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import OpinionMap, Participant, Process, Statement, StatementState, StatementVote, utcnow

INLINE_VOTES = 200_000  # above this many votes a page shows the stored map and `flask opinion refresh` updates it
MAX_DOTS = 3_000  # dots drawn on the map page; beyond, a deterministic sample


@dataclass(frozen=True)
class Fingerprint:
    """What a map is computed from: the votes on published statements (count, newest change) and the number
    of published statements (rejecting or publishing one changes what counts). `changed_at` is the newest vote
    change or moderation decision in the process, whichever is later: approving one statement and rejecting
    another can leave both counts and the newest vote as they were."""

    votes: int
    changed_at: datetime | None
    statements: int


def _published_votes():
    return (select(StatementVote.participant_id, StatementVote.statement_id, StatementVote.value)
            .join(Statement, Statement.id == StatementVote.statement_id)
            .where(Statement.state == StatementState.PUBLISHED))


def fingerprint(process: Process) -> Fingerprint:
    """One aggregate query."""
    listed = aliased(Statement)
    published = (select(func.count(listed.id))
                 .where(listed.process_id == process.id, listed.state == StatementState.PUBLISHED)
                 .correlate(None).scalar_subquery())
    moderated = (select(func.max(listed.moderated_at)).where(listed.process_id == process.id)
                 .correlate(None).scalar_subquery())
    votes, changed_at, statements, moderated_at = db.session.execute(
        select(func.count(StatementVote.id), func.max(StatementVote.updated_at), published, moderated)
        .join(Statement, Statement.id == StatementVote.statement_id)
        .where(StatementVote.process_id == process.id, Statement.state == StatementState.PUBLISHED)
    ).one()
    if changed_at is not None and moderated_at is not None:
        changed_at = max(changed_at, moderated_at)
    return Fingerprint(votes or 0, changed_at, statements or 0)


def votes_fingerprint(process: Process) -> tuple[int, datetime | None]:
    """(vote count, newest change) over the process's published statements: the newest StatementVote.updated_at,
    or a later moderation decision."""
    current = fingerprint(process)
    return current.votes, current.changed_at


def is_fresh(opinion_map: OpinionMap | None, current: Fingerprint) -> bool:
    return (opinion_map is not None and opinion_map.vote_count == current.votes
            and opinion_map.votes_changed_at == current.changed_at
            and opinion_map.statement_count == current.statements)


@dataclass
class MapState:
    """The map a page shows, and whether votes changed since it was computed (a large process's map is only
    recomputed by `flask --app app opinion refresh`)."""

    opinion_map: OpinionMap | None
    stale: bool = False
    fingerprint: Fingerprint | None = None
    computed: bool = False  # computed for this request (flushed, for the caller to commit)


def map_state(process: Process, *, compute: bool = True) -> MapState:
    current = fingerprint(process)
    stored = db.session.get(OpinionMap, process.id)
    if current.votes == 0:
        return MapState(None, False, current)
    if is_fresh(stored, current):
        return MapState(stored, False, current)
    if compute and current.votes <= current_app.config.get("OPINION_INLINE_VOTES", INLINE_VOTES):
        return MapState(_store(process, current), False, current, computed=True)
    return MapState(stored, stored is not None, current)


def current_map(process: Process, *, compute: bool = True) -> OpinionMap | None:
    """The process's map: the stored one while fresh; recomputed (flushed, not committed) when votes changed
    and there are few enough of them to do it during a request; else the stored one, stale (None if it was
    never computed). None when nobody has voted on a published statement."""
    return map_state(process, compute=compute).opinion_map


def refresh(process: Process) -> OpinionMap:
    """Recompute and store the map, however many votes (the command line's job)."""
    return _store(process, fingerprint(process))


def stale_processes() -> list[Process]:
    """Processes with statement votes whose map is missing or out of date."""
    processes = db.session.scalars(
        select(Process).where(Process.id.in_(select(StatementVote.process_id).distinct())).order_by(Process.id))
    return [p for p in processes if not is_fresh(db.session.get(OpinionMap, p.id), fingerprint(p))]


# Computing --------------------------------------------------------------------------------------------------

def vote_arrays(process: Process):
    """(participant ids, statement ids, rows, cols, values): the latest vote per (participant, statement) on
    the published statements, read in one SELECT; rows and cols index the sorted ids."""
    result = db.session.execute(_published_votes().where(StatementVote.process_id == process.id))
    flat = np.fromiter(itertools.chain.from_iterable(result), dtype=np.int64)
    triples = flat.reshape(-1, 3)
    participant_ids, rows = np.unique(triples[:, 0], return_inverse=True)
    statement_ids, cols = np.unique(triples[:, 1], return_inverse=True)
    return participant_ids, statement_ids, rows.astype(np.int64), cols.astype(np.int64), triples[:, 2].astype(np.int8)


def _analysis(process: Process) -> tuple[dict, int, float]:
    """(the map's JSON data, participants clustered, seconds of the analysis)."""
    from app.methods.opinion import analyse

    participant_ids, statement_ids, rows, cols, values = vote_arrays(process)
    if not len(values):
        return empty_data(), 0, 0.0
    result = analyse(rows, cols, values, len(participant_ids), len(statement_ids))
    return as_data(result, participant_ids, statement_ids), int(result.participants_clustered), float(result.seconds)


def empty_data() -> dict:
    return {"participants": [], "coords": [], "labels": [], "groups": [], "consensus": [], "divisive": [],
            "statements": {}, "k": 0, "silhouette": None}


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def as_data(result, participant_ids, statement_ids) -> dict:
    """The analysis as the map's JSON: statements by database id, participants by Participant.id."""
    sid = [int(s) for s in statement_ids]
    coords = np.round(np.asarray(result.coords, dtype=float), 5)
    counts = np.asarray(result.group_counts)
    return {
        "participants": [int(p) for p in participant_ids],
        "coords": [[_number(x), _number(y)] for x, y in coords.tolist()],
        "labels": [int(label) for label in result.labels],
        "groups": [{
            "id": int(g.id), "size": int(g.size), "centroid": [_number(g.centroid[0]), _number(g.centroid[1])],
            "representative": [{
                "statement_id": sid[r.statement], "direction": r.direction, "agree": int(r.agree),
                "disagree": int(r.disagree), "passed": int(r.passed), "votes": int(r.votes),
                "probability": _number(r.probability), "ratio": _number(r.ratio), "z": _number(r.z),
            } for r in g.representative],
        } for g in result.groups],
        "consensus": [{
            "statement_id": sid[c.statement], "direction": c.direction, "score": _number(c.score),
            "agree": int(c.agree), "disagree": int(c.disagree), "passed": int(c.passed), "votes": int(c.votes),
        } for c in result.consensus],
        "divisive": [{
            "statement_id": sid[d.statement], "score": _number(d.score),
            "agree_shares": [_number(s) for s in d.agree_shares],
        } for d in result.divisive],
        "statements": {
            str(s): {"divisiveness": _number(result.divisiveness[j]),
                     "groups": [[int(v) for v in counts[g, j]] for g in range(counts.shape[0])] if counts.size else []}
            for j, s in enumerate(sid)
        },
        "k": int(result.k),
        "silhouette": None if result.silhouette is None else _number(result.silhouette),
    }


def _store(process: Process, current: Fingerprint) -> OpinionMap:
    """Compute and write the map row. Two requests computing at once both succeed: the row's key is the
    process, so the second insert fails in its savepoint and that request updates the winner's row instead."""
    data, clustered, seconds = _analysis(process)
    values = dict(vote_count=current.votes, votes_changed_at=current.changed_at, statement_count=current.statements,
                  participants_clustered=clustered, seconds=seconds, computed_at=utcnow(), data=data)
    row = db.session.get(OpinionMap, process.id)
    if row is None:
        try:
            with db.session.begin_nested():
                row = OpinionMap(process_id=process.id, **values)
                db.session.add(row)
            return row
        except IntegrityError:
            row = db.session.scalars(select(OpinionMap).where(OpinionMap.process_id == process.id)
                                     .execution_options(populate_existing=True)).one()
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    return row


# What the map page shows ------------------------------------------------------------------------------------

# Group colours (each at least 4.5:1 against white, distinguishable in the common colour-vision deficiencies)
# and shapes, so a group is told apart by shape and label as well as by colour.
GROUP_STYLES = (
    ("#0b5394", "circle"), ("#b34700", "square"), ("#1b7a4d", "triangle"), ("#8e3b8f", "diamond"),
    ("#6b5a00", "cross"),
)
UNGROUPED_COLOUR = "#6b7280"
WIDTH, HEIGHT, MARGIN = 640, 420, 24


def group_letter(group_id: int) -> str:
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id + 1)


def group_style(group_id: int) -> tuple[str, str]:
    return GROUP_STYLES[group_id % len(GROUP_STYLES)] if group_id >= 0 else (UNGROUPED_COLOUR, "dot")


STROKED = {"circle": "round", "square": "square", "dot": "round"}  # drawn as zero-length strokes: ~14 bytes a dot
DOT_SIZE = 8.4  # the width of a group's mark
UNGROUPED_SIZE = 5


def _mark(shape: str, x: float, y: float, size: float = DOT_SIZE) -> str:
    """One mark centred on (x, y), as a path segment. Circles and squares are zero-length lines drawn with
    round or square caps of the stroke's width; the other shapes are small filled polygons."""
    if shape in STROKED:
        return f"M{x:.1f} {y:.1f}h0"
    r = size / 2
    if shape == "triangle":
        return f"M{x:.1f} {y - 1.25 * r:.1f}l{1.2 * r:.1f} {2.1 * r:.1f}h{-2.4 * r:.1f}z"
    if shape == "diamond":
        d = 1.3 * r
        return f"M{x:.1f} {y - d:.1f}l{d:.1f} {d:.1f}l{-d:.1f} {d:.1f}l{-d:.1f} {-d:.1f}z"
    w, r = 0.4 * r, 1.15 * r  # a plus sign
    return (f"M{x - w:.1f} {y - r:.1f}h{2 * w:.1f}v{r - w:.1f}h{r - w:.1f}v{2 * w:.1f}h{w - r:.1f}"
            f"v{r - w:.1f}h{-2 * w:.1f}v{w - r:.1f}h{w - r:.1f}v{-2 * w:.1f}h{r - w:.1f}z")


@dataclass
class GroupView:
    id: int
    letter: str
    size: int
    colour: str
    shape: str
    path: str = ""  # the group's dots, one SVG path
    centroid: tuple[float, float] | None = None
    representative: list[dict] = field(default_factory=list)
    legend_path: str = ""

    @property
    def linecap(self) -> str | None:
        """"round" or "square" when the marks are drawn as strokes, None when they are filled shapes."""
        return STROKED.get(self.shape)


@dataclass
class MapPage:
    """Everything the map page draws, from the stored map: dots scaled into the SVG's box (at most MAX_DOTS of
    them, a deterministic sample that always keeps the viewer), the groups, and the statements it names."""

    groups: list[GroupView]
    ungrouped_path: str
    participants: int  # with at least one vote
    clustered: int
    drawn: int
    statement_ids: list[int]  # every statement the page names, in order of first appearance
    consensus: list[dict]
    divisive: list[dict]
    shares: dict  # statement id -> per group [agree, disagree, passed]
    viewer_group: int | None = None  # the viewer's group id, -1 when not clustered, None when not on the map
    viewer_xy: tuple[float, float] | None = None
    viewer_path: str = ""  # the viewer's own mark, larger, drawn over the others with a ring and a label
    viewer_linecap: str | None = None
    viewer_colour: str = ""
    width: int = WIDTH
    height: int = HEIGHT


def _scale(coords: np.ndarray):
    """A function from analysis coordinates to the SVG box, keeping the aspect ratio."""
    finite = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords
    if not len(finite):
        return lambda x, y: (WIDTH / 2, HEIGHT / 2)
    low, high = finite.min(axis=0), finite.max(axis=0)
    span = np.maximum(high - low, 1e-9)
    factor = min((WIDTH - 2 * MARGIN) / span[0], (HEIGHT - 2 * MARGIN) / span[1])
    offset_x = (WIDTH - factor * span[0]) / 2
    offset_y = (HEIGHT - factor * span[1]) / 2

    def scale(x, y):
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            return WIDTH / 2, HEIGHT / 2
        # SVG's y grows downwards: flip so the picture matches the analysis' axes.
        return offset_x + factor * (x - low[0]), HEIGHT - (offset_y + factor * (y - low[1]))

    return scale


def map_page(opinion_map: OpinionMap, viewer: Participant | None, *, max_dots: int = MAX_DOTS) -> MapPage:
    data = opinion_map.data or empty_data()
    participants = data.get("participants", [])
    labels = data.get("labels", [])
    coords = np.array([[np.nan if v is None else v for v in xy] for xy in data.get("coords", [])], dtype=float)
    coords = coords.reshape(-1, 2)
    scale = _scale(coords)
    viewer_index = None
    if viewer is not None:
        try:
            viewer_index = participants.index(viewer.id)
        except ValueError:
            viewer_index = None
    n = len(participants)
    if n > max_dots:
        chosen = np.sort(np.random.default_rng(0).choice(n, size=max_dots, replace=False))
        if viewer_index is not None and viewer_index not in set(chosen.tolist()):
            chosen[-1] = viewer_index
        indices = sorted(set(chosen.tolist()))
    else:
        indices = range(n)
    groups = []
    for g in data.get("groups", []):
        colour, shape = group_style(g["id"])
        centroid = g.get("centroid") or [None, None]
        groups.append(GroupView(id=g["id"], letter=group_letter(g["id"]), size=g["size"], colour=colour,
                                shape=shape, centroid=scale(*centroid) if None not in centroid else None,
                                representative=g.get("representative", []),
                                legend_path=_mark(shape, 9, 9, 11)))
    by_id = {g.id: g for g in groups}
    segments: dict[int, list[str]] = {g.id: [] for g in groups}
    ungrouped: list[str] = []
    for i in indices:
        x, y = scale(*coords[i]) if i < len(coords) else (WIDTH / 2, HEIGHT / 2)
        label = labels[i] if i < len(labels) else -1
        if label in by_id:
            segments[label].append(_mark(by_id[label].shape, x, y))
        else:
            ungrouped.append(_mark("dot", x, y))
    for g in groups:
        g.path = "".join(segments[g.id])
    statement_ids: list[int] = []
    for item in [r for g in groups for r in g.representative] + data.get("consensus", []) + data.get("divisive", []):
        if item["statement_id"] not in statement_ids:
            statement_ids.append(item["statement_id"])
    shares = {int(k): v.get("groups", []) for k, v in data.get("statements", {}).items()
              if int(k) in statement_ids}
    page = MapPage(groups=groups, ungrouped_path="".join(ungrouped), participants=n,
                   clustered=opinion_map.participants_clustered, drawn=len(indices), statement_ids=statement_ids,
                   consensus=data.get("consensus", []), divisive=data.get("divisive", []), shares=shares)
    if viewer_index is not None:
        page.viewer_group = labels[viewer_index] if viewer_index < len(labels) else -1
        page.viewer_xy = scale(*coords[viewer_index])
        shape = group_style(page.viewer_group)[1] if page.viewer_group in by_id else "circle"
        page.viewer_path, page.viewer_linecap = _mark(shape, *page.viewer_xy, 14), STROKED.get(shape)
        page.viewer_colour = by_id[page.viewer_group].colour if page.viewer_group in by_id else UNGROUPED_COLOUR
    return page


def statements_by_id(ids) -> dict[int, Statement]:
    """The published statements among `ids`: a stored map may name one rejected since, whose text is no longer
    public (the page shows a placeholder)."""
    ids = list(ids)
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Statement).where(
        Statement.id.in_(ids), Statement.state == StatementState.PUBLISHED))}
