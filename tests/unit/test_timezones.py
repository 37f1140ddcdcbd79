from datetime import datetime, timezone

import pytest

from app.timezones import UnclearLocalTime, local_to_utc, utc_to_local


def test_seoul_times_convert_both_ways():
    utc = local_to_utc(datetime(2026, 12, 1, 9, 0), "Asia/Seoul")
    assert utc == datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)
    assert utc_to_local(utc, "Asia/Seoul") == datetime(2026, 12, 1, 9, 0)


@pytest.mark.parametrize("local", [
    datetime(2026, 3, 8, 2, 30),   # New York springs forward: 02:30 never happens
    datetime(2026, 11, 1, 1, 30),  # New York falls back: 01:30 happens twice
    datetime(1, 1, 1, 0, 0),       # out of range: would overflow on conversion
    datetime(9999, 12, 31, 23, 0),
])
def test_unclear_local_times_are_refused(local):
    with pytest.raises(UnclearLocalTime):
        local_to_utc(local, "America/New_York")
