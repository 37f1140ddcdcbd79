"""Local wall-clock times entered in a city's time zone, turned into UTC without guessing."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

MIN_YEAR, MAX_YEAR = 2000, 2100


class UnclearLocalTime(ValueError):
    """The time does not exist on that day (clocks jumped forward) or exists twice (clocks went back)."""


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        raise UnclearLocalTime(f"year outside {MIN_YEAR}–{MAX_YEAR}")
    zone = ZoneInfo(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise UnclearLocalTime("ambiguous or non-existent local time")
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != local:
        raise UnclearLocalTime("non-existent local time")
    return first.astimezone(timezone.utc)


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
