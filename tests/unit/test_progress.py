"""Progress derivation: a parent's progress is the mean of its children's, cancelled children left out, at any
depth; and the per-goal figures of the progress page."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.methods.progress import CyclicTree, ResultNode, derived_progress, goal_figures, would_cycle


def test_a_result_without_children_keeps_its_own_progress():
    assert derived_progress({1: ResultNode(Decimal("42.50"))}) == {1: Fraction(85, 2)}


def test_a_parent_is_the_mean_of_its_children_whatever_it_stored():
    tree = {1: ResultNode(99), 2: ResultNode(20, parent=1), 3: ResultNode(50, parent=1), 4: ResultNode(80, parent=1)}
    assert derived_progress(tree)[1] == 50


def test_cancelled_children_are_left_out():
    tree = {1: ResultNode(0), 2: ResultNode(30, parent=1), 3: ResultNode(100, cancelled=True, parent=1),
            4: ResultNode(60, parent=1)}
    assert derived_progress(tree)[1] == 45


def test_nesting_averages_level_by_level_not_over_the_leaves():
    # 1 ← {2 ← {4: 100, 5: 0, 6: 20}, 3: 10}: 2 is 40, so 1 is (40 + 10) / 2 = 25 (the leaves' mean is 32.5)
    tree = {1: ResultNode(0), 2: ResultNode(77, parent=1), 3: ResultNode(10, parent=1),
            4: ResultNode(100, parent=2), 5: ResultNode(0, parent=2), 6: ResultNode(20, parent=2)}
    progress = derived_progress(tree)
    assert progress[2] == 40
    assert progress[1] == 25


def test_three_levels_with_thirds_stay_exact():
    tree = {1: ResultNode(0), 2: ResultNode(0, parent=1), 3: ResultNode(0, parent=2), 4: ResultNode(100, parent=3),
            5: ResultNode(0, parent=3), 6: ResultNode(0, parent=3), 7: ResultNode(50, parent=1)}
    progress = derived_progress(tree)
    assert progress[3] == Fraction(100, 3)
    assert progress[1] == (Fraction(100, 3) + 50) / 2


def test_all_children_cancelled_leaves_nothing_to_report():
    tree = {1: ResultNode(70), 2: ResultNode(10, cancelled=True, parent=1), 3: ResultNode(90, cancelled=True, parent=1)}
    assert derived_progress(tree)[1] is None


def test_a_part_with_nothing_to_report_is_left_out_of_its_parent():
    tree = {1: ResultNode(0), 2: ResultNode(0, parent=1), 3: ResultNode(10, cancelled=True, parent=2),
            4: ResultNode(60, parent=1)}
    progress = derived_progress(tree)
    assert progress[2] is None
    assert progress[1] == 60


def test_a_cancelled_parent_still_has_its_derived_progress():
    tree = {1: ResultNode(0, cancelled=True), 2: ResultNode(40, parent=1)}
    assert derived_progress(tree)[1] == 40


def test_a_parent_outside_the_tree_is_ignored():
    assert derived_progress({2: ResultNode(40, parent=999)}) == {2: 40}


def test_a_cycle_is_refused():
    with pytest.raises(CyclicTree):
        derived_progress({1: ResultNode(0, parent=2), 2: ResultNode(0, parent=1)})


def test_would_cycle():
    parents = {1: None, 2: 1, 3: 2, 4: None}
    assert would_cycle(parents, 1, 3)  # 3 is inside 1
    assert would_cycle(parents, 2, 2)
    assert not would_cycle(parents, 3, 4)
    assert not would_cycle(parents, 1, None)
    assert not would_cycle(parents, 4, 3)


@given(st.lists(st.tuples(st.integers(0, 100), st.booleans()), min_size=1, max_size=12))
def test_one_level_equals_the_plain_mean_of_the_live_children(children):
    tree = {0: ResultNode(0)}
    for index, (value, cancelled) in enumerate(children, start=1):
        tree[index] = ResultNode(value, cancelled=cancelled, parent=0)
    live = [value for value, cancelled in children if not cancelled]
    expected = Fraction(sum(live), len(live)) if live else None
    assert derived_progress(tree)[0] == expected


def test_goal_figures_count_each_result_once_and_average_the_live_ones():
    progress = {1: Fraction(20), 2: Fraction(50), 3: Fraction(100), 4: None}
    links = [(1, 11), (1, 11), (2, 11), (3, 11), (3, 3), (4, 3), (2, 13)]
    figures = goal_figures(links, progress, cancelled=[3], completed=[3])
    assert figures[11].results == 3 and figures[11].cancelled == 1 and figures[11].completed == 1
    assert figures[11].average == 35
    assert figures[3].results == 2 and figures[3].average is None
    assert figures[13].average == 50
    assert figures[1].results == 0 and figures[1].average is None
    assert sorted(figures) == list(range(1, 18))
