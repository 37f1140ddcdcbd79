"""Planners set the city's census shares, the inclusion monitor's reference: each district's share of the
population and the age bands with theirs. Audited on the city."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from app.audit import diff, record
from app.extensions import db
from app.models import AuditTarget, CensusAgeBand, City, User

SHARE_PLACES = Decimal("0.00001")  # the column keeps five decimals of a fraction (three of a percent)


@dataclass(frozen=True)
class BandShare:
    min_age: int
    max_age: int | None
    percent: Decimal


def fraction(percent: Decimal) -> Decimal:
    return (Decimal(percent) / 100).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)


def percent(share: Decimal) -> Decimal:
    return (Decimal(share) * 100).quantize(Decimal("0.001"))


def _snapshot(city: City) -> dict:
    return {
        **{f"district {d.code}": str(d.population_share) for d in city.districts},
        "age bands": [f"{b.label}: {b.share}" for b in city.age_bands],
    }


def save_census_shares(actor: User, city: City, district_percents: dict[int, Decimal],
                       bands: list[BandShare]) -> None:
    before = _snapshot(city)
    for district in city.districts:
        if district.id in district_percents:
            district.population_share = fraction(district_percents[district.id])
    # Bands are replaced as a whole; the old rows go first, as a new band may reuse an old one's lowest age.
    for band in list(city.age_bands):
        city.age_bands.remove(band)
    db.session.flush()
    for band in sorted(bands, key=lambda b: b.min_age):
        city.age_bands.append(CensusAgeBand(min_age=band.min_age, max_age=band.max_age,
                                            share=fraction(band.percent)))
    db.session.flush()
    db.session.refresh(city, ["districts", "age_bands"])
    changes = diff(before, _snapshot(city))
    if changes:
        record(actor, "city.census_shares", AuditTarget.CITY, city.id, city_id=city.id, changes=changes)
