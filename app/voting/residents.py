"""Resident verification. A planner imports the city's census codes (only a digest of each is kept); a member
enters the code the city gave them and is verified as a resident of its district, with its year of birth; a
planner can also verify a member by hand, or take a verification back. A code verifies one member only: a
conditional UPDATE claims it, and the unique constraint on who used it settles the rest."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.models import AuditTarget, City, District, Membership, ResidentCode, User, utcnow
from app.voting.services import voted_where_residence_counts

MAX_CENSUS_BYTES = 20 * 1024 * 1024
MAX_REPORTED_PROBLEMS = 50
CODE_LENGTH = (4, 64)
COLUMNS = ("code", "district", "birth_year")
# Spaces of every kind, and the hyphens and dashes people type or paste between groups of characters.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")
_CODE = re.compile(r"^[A-Z0-9]+$")


def normalise_code(raw: str) -> str:
    """The form a code is compared in: full-width characters folded (NFKC, as a Korean keyboard may type
    them), stripped, upper-cased, without spaces or hyphens."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "").strip().upper())


def code_digest(raw: str) -> str:
    """The SHA-256 digest of the normalised code, in hex: the only trace of a code the database keeps."""
    return hashlib.sha256(normalise_code(raw).encode("utf-8")).hexdigest()


# The census import ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str


class CensusRejected(Exception):
    """The file cannot be imported; nothing was."""

    def __init__(self, problems: list[Problem], more: int = 0):
        super().__init__(f"{len(problems) + more} problem(s)")
        self.problems = problems
        self.more = more  # problems beyond those listed


@dataclass(frozen=True)
class CensusRow:
    line: int
    digest: str
    district_id: int
    birth_year: int


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: list[int] = field(default_factory=list)  # line numbers of codes imported before


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CensusRejected([Problem(line, str(_l("The file is not UTF-8 text. Save it as “CSV UTF-8” and "
                                                   "upload it again.")))]) from error


def parse_census(data: bytes, city: City, this_year: int) -> list[CensusRow]:
    """Every row of the file, checked; CensusRejected with each bad row's line number if any is bad."""
    if len(data) > MAX_CENSUS_BYTES:
        raise CensusRejected([Problem(0, str(_l("The file is larger than %(size)d MB. Split it and upload the "
                                                "parts one after the other.", size=MAX_CENSUS_BYTES // 2**20)))])
    text = _decode(data)
    districts = {d.code.strip().casefold(): d.id for d in city.districts}
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    rows: list[CensusRow] = []
    seen: dict[str, int] = {}
    try:
        header = next(reader, None)
        names = [name.strip().casefold() for name in header or []]
        missing = [name for name in COLUMNS if name not in names]
        if header is None or missing:
            raise CensusRejected([Problem(1, str(_l(
                "The first line must name the columns: code,district,birth_year.")))])
        position = {name: names.index(name) for name in COLUMNS}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines
            line = reader.line_num
            row, problem = _check_row(cells, position, districts, this_year, line, seen)
            if problem is not None:
                problems.append(Problem(line, problem))
            else:
                rows.append(row)
    except csv.Error:  # Python's own text is English and technical: name the line instead
        problems.append(Problem(0, str(_l("Line %(line)d could not be read as CSV.", line=reader.line_num))))
    if not rows and not problems:
        problems.append(Problem(0, str(_l("The file has no codes under its first line."))))
    if problems:
        raise CensusRejected(problems[:MAX_REPORTED_PROBLEMS], max(0, len(problems) - MAX_REPORTED_PROBLEMS))
    return rows


def _check_row(cells, position, districts, this_year, line, seen) -> tuple[CensusRow | None, str | None]:
    if len(cells) <= max(position.values()):
        return None, str(_l("This line has %(found)d columns; it needs code, district and birth_year.",
                            found=len(cells)))
    code = normalise_code(cells[position["code"]])
    if not code:
        return None, str(_l("The code is empty."))
    if not _CODE.match(code) or not CODE_LENGTH[0] <= len(code) <= CODE_LENGTH[1]:
        return None, str(_l("A code is %(min)d to %(max)d letters and digits (spaces and hyphens are ignored).",
                            min=CODE_LENGTH[0], max=CODE_LENGTH[1]))
    district_code = cells[position["district"]].strip()
    district_id = districts.get(district_code.casefold())
    if district_id is None:
        return None, str(_l("No district of this city has the code “%(code)s”.", code=district_code[:40]))
    raw_year = cells[position["birth_year"]].strip()
    if not (raw_year.isascii() and raw_year.isdigit() and 1900 <= int(raw_year) <= this_year):
        return None, str(_l("The year of birth must be a year between %(min)d and %(max)d.", min=1900,
                            max=this_year))
    digest = code_digest(code)
    if digest in seen:
        return None, str(_l("This code is on line %(first)d already.", first=seen[digest]))
    seen[digest] = line
    return CensusRow(line, digest, district_id, int(raw_year)), None


def _insert_new(rows: list[dict]) -> int:
    """Insert rows, skipping any code another import wrote meanwhile; the number inserted."""
    table = ResidentCode.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["city_id", "code_digest"]).returning(table.c.id)
    return len(db.session.execute(statement, rows).all())


def import_census(actor: User, city: City, data: bytes, filename: str = "", now: datetime | None = None,
                  chunk: int = 500) -> ImportReport:
    """Import a census file (code,district,birth_year): every row is checked first and a bad row rejects the
    whole file; codes imported before are reported as duplicates and left as they are."""
    now = now or utcnow()
    rows = parse_census(data, city, now.astimezone(ZoneInfo(city.time_zone)).year)
    report = ImportReport()
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        known = set(db.session.scalars(select(ResidentCode.code_digest).where(
            ResidentCode.city_id == city.id, ResidentCode.code_digest.in_([r.digest for r in part]))))
        fresh = [r for r in part if r.digest not in known]
        report.duplicates.extend(r.line for r in part if r.digest in known)
        if fresh:
            inserted = _insert_new([{"city_id": city.id, "code_digest": r.digest, "district_id": r.district_id,
                                     "birth_year": r.birth_year, "imported_at": now, "imported_by_id": actor.id}
                                    for r in fresh])
            report.imported += inserted
            if inserted < len(fresh):  # written by a simultaneous import between our look and our insert
                report.duplicates.extend([0] * (len(fresh) - inserted))
    record(actor, "resident_codes.import", AuditTarget.CITY, city.id, city_id=city.id,
           changes={"file": filename[:200], "imported": report.imported, "duplicates": len(report.duplicates)})
    return report


@dataclass(frozen=True)
class CodeStats:
    imported: int
    used: int


def code_stats(city: City) -> CodeStats:
    imported, used = db.session.execute(
        select(func.count(ResidentCode.id), func.count(ResidentCode.used_by_id)).where(ResidentCode.city_id == city.id)
    ).one()
    return CodeStats(imported=imported, used=used)


# Members: their residence, and verifying it with a code ---------------------------------------------------

class AlreadyVerified(Exception):
    pass


class CodeNotAccepted(Exception):
    """Wrong, or already used: the member is told the same either way, so a guess learns nothing."""


class CodeUsedBefore(Exception):
    """The member has used a code before (their verification was later taken back)."""


class ResidenceLocked(Exception):
    """A verified member's district and year of birth come from the city and cannot be changed by them."""


class ResidenceCounted(Exception):
    """The member has voted where only some districts or ages may vote: their residence decided that vote, so
    only a planner may change it now."""


class OwnResidence(Exception):
    """Staff verify other members' residence, never their own."""


class UnknownDistrict(Exception):
    pass


def _residence(membership: Membership) -> dict:
    return {"verified_at": membership.verified_at, "district_id": membership.district_id,
            "birth_year": membership.birth_year}


def _audit_residence(actor, action: str, membership: Membership, before: dict, method: str | None = None) -> None:
    """Audited without the year of birth itself, which is never shown to others: only that it changed."""
    after = _residence(membership)
    changes: dict = {"user_id": membership.user_id}
    if method:
        changes["method"] = method
    for key in ("verified_at", "district_id"):
        if before[key] != after[key]:
            changes[key] = [before[key], after[key]]
    if before["birth_year"] != after["birth_year"]:
        changes["birth_year_changed"] = True
    record(actor, action, AuditTarget.MEMBERSHIP, membership.id, city_id=membership.city_id, changes=changes)


def verify_with_code(membership: Membership, raw_code: str, now: datetime | None = None) -> None:
    """Claim an unused code of the member's city and take the district and year of birth it carries."""
    now = now or utcnow()
    if membership.verified_at is not None:
        raise AlreadyVerified()
    code = normalise_code(raw_code)
    if not code:
        raise CodeNotAccepted()
    digest = code_digest(code)
    try:
        with db.session.begin_nested():
            claimed = db.session.execute(
                update(ResidentCode)
                .where(ResidentCode.city_id == membership.city_id, ResidentCode.code_digest == digest,
                       ResidentCode.used_by_id.is_(None))
                .values(used_by_id=membership.id, used_at=now)
                .returning(ResidentCode.district_id, ResidentCode.birth_year)
                .execution_options(synchronize_session=False)
            ).first()
    except IntegrityError as error:  # this member holds another code already
        raise CodeUsedBefore() from error
    if claimed is None:
        mine = db.session.scalar(select(ResidentCode.id).where(
            ResidentCode.city_id == membership.city_id, ResidentCode.code_digest == digest,
            ResidentCode.used_by_id == membership.id))
        if mine is not None:  # the same form sent twice: the first request verified them
            db.session.refresh(membership)
            if membership.verified_at is not None:
                return
        raise CodeNotAccepted()
    before = _residence(membership)
    membership.verified_at = now
    if claimed.district_id is not None:
        membership.district_id = claimed.district_id
    if claimed.birth_year is not None:
        membership.birth_year = claimed.birth_year
    db.session.flush()
    _audit_residence(membership.user, "membership.verify", membership, before, method="code")


def _checked_district(membership: Membership, district_id: int | None) -> int | None:
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    if district is None or district.city_id != membership.city_id:
        raise UnknownDistrict()
    return district.id


def update_own_residence(membership: Membership, district_id: int, birth_year: int) -> None:
    """The member's own (unverified) district and year of birth. Once they have voted in a process that lets
    only some districts or ages vote, ResidenceCounted: moving district or changing age would let them vote
    there again, or in a neighbour's process, as someone else."""
    if membership.verified_at is not None:
        raise ResidenceLocked()
    if voted_where_residence_counts(membership):
        raise ResidenceCounted()
    membership.district_id = _checked_district(membership, district_id)
    membership.birth_year = birth_year
    db.session.flush()


def is_own_residence(actor: User, membership: Membership) -> bool:
    return actor is not None and actor.id == membership.user_id


def _not_own(actor: User, membership: Membership) -> None:
    if is_own_residence(actor, membership):
        raise OwnResidence()


def verify_by_hand(actor: User, membership: Membership, district_id: int | None, birth_year: int | None,
                   now: datetime | None = None) -> None:
    """A planner checked the person's papers: verified, with the district and year of birth seen there.
    OwnResidence if the planner is the member."""
    _not_own(actor, membership)
    before = _residence(membership)
    membership.district_id = _checked_district(membership, district_id)
    membership.birth_year = birth_year
    membership.verified_at = membership.verified_at or now or utcnow()
    db.session.flush()
    _audit_residence(actor, "membership.verify", membership, before, method="hand")


def unverify(actor: User, membership: Membership) -> None:
    """Take a verification back. A code the member used stays used. OwnResidence if the planner is the
    member."""
    _not_own(actor, membership)
    if membership.verified_at is None:
        return
    before = _residence(membership)
    membership.verified_at = None
    db.session.flush()
    _audit_residence(actor, "membership.unverify", membership, before)
