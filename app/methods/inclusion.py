"""The inclusion monitor's arithmetic: who took part, by group, against the city's census shares.

Pure: counts and shares in, rows out. A group is under-represented when its share of the participants whose
group is known falls below its census share by more than UNDER_REPRESENTED_POINTS percentage points. People
whose group is unknown (no district or birth year given, imported voters, ages outside every census band) are
counted apart and left out of the shares, so they neither dilute nor inflate any group."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# A gap wider than this (in percentage points, below the census share) marks a group as under-represented.
UNDER_REPRESENTED_POINTS = 5.0


@dataclass(frozen=True)
class AgeBand:
    """An age band of the census; max_age None means "and over"."""

    min_age: int
    max_age: int | None

    def holds(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


@dataclass(frozen=True)
class GroupRow:
    key: Hashable
    participants: int
    participant_share: float  # percent of the participants whose group is known
    census_share: float  # percent of the population
    gap: float  # participant_share - census_share, in percentage points
    under_represented: bool


@dataclass(frozen=True)
class Comparison:
    rows: tuple[GroupRow, ...]
    known: int
    unknown: int
    threshold: float

    @property
    def total(self) -> int:
        return self.known + self.unknown

    @property
    def census_total(self) -> float:
        return sum(row.census_share for row in self.rows)


def band_of(age: int | None, bands: Sequence[AgeBand]) -> int | None:
    """The index of the band holding this age, or None (no age, or outside every band)."""
    if age is None:
        return None
    return next((index for index, band in enumerate(bands) if band.holds(age)), None)


def count_by_band(ages: Iterable[tuple[int | None, int]], bands: Sequence[AgeBand]) -> tuple[dict[int, int], int]:
    """(age, how many people) pairs → ({band index: people}, people in no band)."""
    counts = {index: 0 for index in range(len(bands))}
    outside = 0
    for age, people in ages:
        index = band_of(age, bands)
        if index is None:
            outside += people
        else:
            counts[index] += people
    return counts, outside


def compare(counts: Mapping[Hashable, int], census: Mapping[Hashable, float], unknown: int = 0,
            threshold: float = UNDER_REPRESENTED_POINTS) -> Comparison:
    """One row per census group, in the census's order. `census` gives each group's share as a fraction
    (0.25 for a quarter); `counts` the participants per group (groups missing from the census count as
    unknown). Shares and gaps come back in percent and percentage points."""
    strays = sum(people for key, people in counts.items() if key not in census)
    known = sum(counts.get(key, 0) for key in census)
    rows = []
    for key, fraction in census.items():
        people = counts.get(key, 0)
        share = 100.0 * people / known if known else 0.0
        expected = 100.0 * float(fraction)
        gap = share - expected
        # With nobody known there is nothing to compare: no group is flagged. Rounding keeps a gap of exactly
        # the threshold (5 points) from tipping over on float noise.
        rows.append(GroupRow(key, people, share, expected, gap, bool(known) and round(gap, 6) < -threshold))
    return Comparison(tuple(rows), known, unknown + strays, threshold)
