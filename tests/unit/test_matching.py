"""Matching practices with plans: the pure ranking on a hand-made set (target overlap first, goal overlap
weaker, text similarity in English and Korean)."""
from app.practices.matching import Candidate, jaccard, rank


def _ids(ranked):
    return [pid for pid, _score in ranked]


SET = [
    Candidate(1, frozenset({"11.2"}), "Protected bike lanes across the city"),
    Candidate(2, frozenset({"11.2", "3.6"}), "Safer school routes with traffic calming"),
    Candidate(3, frozenset({"11.6"}), "Air quality sensors in every district"),
    Candidate(4, frozenset({"4.1"}), "After-school tutoring"),
    Candidate(5, frozenset({"11.2", "11.6", "3.6", "3.9"}), "Low emission zone"),
]


def test_jaccard():
    assert jaccard({"a"}, {"a"}) == 1
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), set()) == 0


def test_target_overlap_ranks_first_then_goal_overlap_and_unrelated_goals_are_left_out():
    ranked = rank({"11.2"}, "", SET)
    # 1: exact target; 2: half its targets; 5: a quarter; 3: same goal only; 4: another goal (left out).
    assert _ids(ranked) == [1, 2, 5, 3]
    scores = dict(ranked)
    assert scores[1] > scores[2] > scores[5] > scores[3] > 0


def test_text_breaks_ties_between_equal_target_overlaps():
    candidates = [Candidate(1, frozenset({"11.2"}), "Bus rapid transit corridors"),
                  Candidate(2, frozenset({"11.2"}), "Protected bike lanes and cycling network")]
    assert _ids(rank({"11.2"}, "a cycling network of bike lanes", candidates)) == [2, 1]
    assert _ids(rank({"11.2"}, "bus corridors", candidates)) == [1, 2]


def test_korean_text_matches_through_character_ngrams():
    candidates = [Candidate(1, frozenset({"11.2"}), "어린이 통학로 안전 개선"),
                  Candidate(2, frozenset({"11.2"}), "자전거 도로 확충과 공공자전거")]
    assert _ids(rank({"11.2"}, "자전거도로를 늘리는 계획", candidates)) == [2, 1]


def test_without_targets_text_alone_decides():
    ranked = rank(set(), "air quality sensors", SET)
    assert _ids(ranked)[0] == 3
    assert 4 not in _ids(ranked[:1])


def test_limit():
    assert len(rank({"11.2"}, "", SET, limit=2)) == 2
