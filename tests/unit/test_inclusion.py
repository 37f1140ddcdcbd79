"""The inclusion monitor's arithmetic on a hand-made census."""
import pytest

from app.methods.inclusion import UNDER_REPRESENTED_POINTS, AgeBand, band_of, compare, count_by_band

BANDS = [AgeBand(14, 29), AgeBand(30, 64), AgeBand(65, None)]


def test_ages_fall_in_their_band_or_none():
    assert [band_of(age, BANDS) for age in (14, 29, 30, 64, 65, 101)] == [0, 0, 1, 1, 2, 2]
    assert band_of(13, BANDS) is None and band_of(None, BANDS) is None


def test_counts_by_band_keep_strays_apart():
    counts, outside = count_by_band([(20, 2), (40, 3), (70, 1), (10, 4), (None, 5)], BANDS)
    assert counts == {0: 2, 1: 3, 2: 1} and outside == 9


def test_shares_and_gaps_against_the_census():
    # 5 known participants: 3 in Mapo, 2 in Jongno; the census says 40 % and 60 %.
    result = compare({"mapo": 3, "jongno": 2}, {"mapo": 0.4, "jongno": 0.6}, unknown=2)
    mapo, jongno = result.rows
    assert (result.known, result.unknown, result.total) == (5, 2, 7)
    assert mapo.participant_share == pytest.approx(60) and mapo.census_share == pytest.approx(40)
    assert mapo.gap == pytest.approx(20) and not mapo.under_represented
    assert jongno.participant_share == pytest.approx(40) and jongno.gap == pytest.approx(-20)
    assert jongno.under_represented


def test_the_threshold_is_strict_and_named():
    assert UNDER_REPRESENTED_POINTS == 5.0
    # 1 of 4 is 25 %: exactly 5 points under 30 % is not flagged, 5.1 points under is.
    at = compare({"a": 1, "b": 3}, {"a": 0.30, "b": 0.70}).rows[0]
    beyond = compare({"a": 1, "b": 3}, {"a": 0.301, "b": 0.699}).rows[0]
    assert at.gap == pytest.approx(-5) and not at.under_represented
    assert beyond.under_represented


def test_groups_without_anyone_and_unknown_groups():
    result = compare({"a": 4, "elsewhere": 1}, {"a": 0.5, "b": 0.5}, unknown=1)
    a, b = result.rows
    assert (a.participants, b.participants) == (4, 0)
    assert b.participant_share == 0 and b.gap == pytest.approx(-50) and b.under_represented
    assert result.unknown == 2  # a group missing from the census counts as unknown


def test_nobody_known_flags_nobody():
    result = compare({}, {"a": 0.5, "b": 0.5}, unknown=3)
    assert all(not row.under_represented and row.participant_share == 0 for row in result.rows)
    assert result.known == 0 and result.unknown == 3


def test_census_order_is_kept():
    result = compare({"b": 1}, {"c": 0.2, "a": 0.3, "b": 0.5})
    assert [row.key for row in result.rows] == ["c", "a", "b"]
    assert result.census_total == pytest.approx(100)
