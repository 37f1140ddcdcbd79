"""Progress of a city's results: a parent result's progress is derived from its children, and the figures of
the public progress page (how many results serve each SDG goal, and how far they are) are summed up here.

Pure: plain data in, plain data out. Progress is exact (Fraction), so an average is what the reader would
work out by hand; templates round it for display."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational


@dataclass(frozen=True)
class ResultNode:
    """What derivation needs of one result: its own progress (used when it has no children), whether it was
    cancelled, and its parent's id."""

    progress: Rational | int | str
    cancelled: bool = False
    parent: int | None = None


class CyclicTree(ValueError):
    """Results whose parents lead back to themselves: no progress can be derived."""


def derived_progress(tree: Mapping[int, ResultNode]) -> dict[int, Fraction | None]:
    """The progress (0–100) of every result of `tree`: a result without children has its own progress; a parent
    has the mean of its children's progress, cancelled children left out, computed recursively. A parent whose
    children are all cancelled (or themselves have nothing to report) has None: there is nothing to measure.

    A parent named in `tree` but missing from it is ignored (the result is then a root)."""
    children: dict[int, list[int]] = {key: [] for key in tree}
    for key, node in tree.items():
        if node.parent is not None and node.parent in tree:
            children[node.parent].append(key)

    done: dict[int, Fraction | None] = {}
    visiting: set[int] = set()

    def progress_of(key: int) -> Fraction | None:
        if key in done:
            return done[key]
        if key in visiting:
            raise CyclicTree(f"result {key} is its own ancestor")
        visiting.add(key)
        kids = children[key]
        if not kids:
            value: Fraction | None = Fraction(str(tree[key].progress))
        else:
            counted = [progress_of(kid) for kid in kids if not tree[kid].cancelled]
            counted = [p for p in counted if p is not None]
            value = sum(counted, Fraction(0)) / len(counted) if counted else None
        visiting.discard(key)
        done[key] = value
        return value

    for key in tree:
        progress_of(key)
    return done


def would_cycle(parents: Mapping[int, int | None], child: int, new_parent: int | None) -> bool:
    """Whether making `new_parent` the parent of `child` would put `child` inside itself."""
    seen: set[int] = set()
    current = new_parent
    while current is not None and current not in seen:
        if current == child:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


@dataclass(frozen=True)
class GoalFigures:
    goal: int
    results: int  # results serving the goal, whatever their status
    completed: int
    cancelled: int
    average: Fraction | None  # mean progress of those neither cancelled nor without progress to report


def goal_figures(goals_of: Iterable[tuple[int, int]], progress: Mapping[int, Fraction | None],
                 cancelled: Iterable[int], completed: Iterable[int], goals: Iterable[int] = range(1, 18)
                 ) -> dict[int, GoalFigures]:
    """Per SDG goal: how many results serve it and their average progress. `goals_of` pairs (result id, goal);
    a result serving a goal by several links counts once for it. Cancelled results are counted but left out of
    the average, as they are from a parent's."""
    cancelled, completed = set(cancelled), set(completed)
    members: dict[int, set[int]] = {goal: set() for goal in goals}
    for result_id, goal in goals_of:
        if goal in members and result_id in progress:
            members[goal].add(result_id)
    figures = {}
    for goal, ids in members.items():
        measured = [progress[i] for i in ids if i not in cancelled and progress[i] is not None]
        figures[goal] = GoalFigures(
            goal=goal, results=len(ids), completed=len(ids & completed), cancelled=len(ids & cancelled),
            average=sum(measured, Fraction(0)) / len(measured) if measured else None,
        )
    return figures
