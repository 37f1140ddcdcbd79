"""The Pabulib ``.pb`` file format (pabulib.org): read, check, write.

A file has three sections, in this order, each introduced by a line holding only its name: META, PROJECTS,
VOTES. The first line after a section name is that section's header (META's is ``key;value``); every other
line is a row with as many ``;``-separated fields as the header. Fields may be quoted CSV-style
(``"a ""quoted"" word; with a semicolon"``); a quoted field cannot span lines. Blank lines are ignored, a
UTF-8 byte-order mark and ``\\r\\n`` line ends are accepted, and fields are stripped of surrounding spaces.

`parse` is strict and names the line of the first problem it finds. `to_instance` turns a parsed file into
a `PBInstance` for the rules in `app.methods.pb`; `dump` writes a file that `parse` (and pabutools) read back.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from app.methods.pb import PBInstance

SECTIONS = ("META", "PROJECTS", "VOTES")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_POSITIVE_INTEGER = re.compile(r"[1-9]\d*")


class PabulibError(ValueError):
    """A file that is not valid Pabulib. ``line`` is the 1-based line number (None when the problem is not
    on one line); ``problem`` is a short English sentence."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(f"line {line}: {problem}" if line is not None else problem)
        self.line = line
        self.problem = problem


@dataclass
class PabulibFile:
    """A parsed file: every value is the text found in the file. ``*_lines`` hold the 1-based line number of
    each META key, project row and vote row."""

    meta: dict[str, str]
    project_columns: list[str]
    projects: list[dict[str, str]]
    vote_columns: list[str]
    votes: list[dict[str, str]]
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False)
    project_lines: list[int] = field(default_factory=list, compare=False)
    vote_lines: list[int] = field(default_factory=list, compare=False)


def _fields(text: str, line: int) -> list[str]:
    try:
        rows = list(csv.reader([text], delimiter=";", quotechar='"', strict=True))
    except csv.Error as error:
        raise PabulibError(line, f"the quoting is broken ({error})") from None
    return [value.strip() for value in rows[0]] if rows else [""]


def _decimal(text: str) -> Fraction | None:
    return Fraction(Decimal(text)) if _DECIMAL.fullmatch(text) else None


def parse(text: str) -> PabulibFile:
    """Read a ``.pb`` file's text. Raises `PabulibError` on the first problem: a missing, repeated or
    misplaced section, a header without its required columns, a row with the wrong number of fields, a
    repeated META key, project id or voter id, a cost that is not a non-negative number, a META budget that
    is missing or not a non-negative number, a vote naming an unknown project or the same project twice,
    points that are not positive integers or do not match the vote."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    section: str | None = None
    seen: list[str] = []
    header: list[str] | None = None
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    project_columns: list[str] = []
    projects: list[dict[str, str]] = []
    project_lines: list[int] = []
    project_ids: set[str] = set()
    vote_columns: list[str] = []
    votes: list[dict[str, str]] = []
    vote_lines: list[int] = []
    voter_ids: set[str] = set()
    last_line = 0
    meta_start = 1
    for number, raw in enumerate(lines, start=1):
        content = raw[:-1] if raw.endswith("\r") else raw
        if not content.strip():
            continue
        last_line = number
        name = content.strip().upper()
        if name in SECTIONS and ";" not in content:
            expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
            if name in seen:
                raise PabulibError(number, f"the {name} section appears a second time")
            if header is None and section is not None:
                raise PabulibError(number, f"the {section} section has no header line")
            if name != expected:
                raise PabulibError(number, f"expected the {expected} section here, found {name}")
            if name == "META":
                meta_start = number
            if name == "PROJECTS":
                _check_meta(meta, meta_start)
            seen.append(name)
            section, header = name, None
            continue
        if section is None:
            raise PabulibError(number, "the file must start with a META line")
        values = _fields(content, number)
        if header is None:
            header = _check_header(section, values, number)
            if section == "PROJECTS":
                project_columns = header
            elif section == "VOTES":
                vote_columns = header
            continue
        if len(values) != len(header):
            raise PabulibError(
                number, f"expected {len(header)} fields ({';'.join(header)}), found {len(values)}"
            )
        row = dict(zip(header, values))
        if section == "META":
            key, value = row["key"], row["value"]
            if key in meta:
                raise PabulibError(number, f"the META key {key!r} appears twice")
            if key == "budget":
                budget = _decimal(value)
                if budget is None or budget < 0:
                    raise PabulibError(number, f"the budget {value!r} is not a non-negative number")
            meta[key] = value
            meta_lines[key] = number
        elif section == "PROJECTS":
            _check_project(row, project_ids, number)
            project_ids.add(row["project_id"])
            projects.append(row)
            project_lines.append(number)
        else:
            _check_vote(row, project_ids, voter_ids, number)
            voter_ids.add(row["voter_id"])
            votes.append(row)
            vote_lines.append(number)
    end = last_line + 1
    if "META" not in seen:
        raise PabulibError(end, "the file has no META section")
    if "PROJECTS" not in seen:
        raise PabulibError(end, "the file ends before the PROJECTS section")
    if "VOTES" not in seen:
        raise PabulibError(end, "the file ends before the VOTES section")
    if header is None:
        raise PabulibError(end, "the VOTES section has no header line")
    return PabulibFile(meta, project_columns, projects, vote_columns, votes, meta_lines, project_lines,
                       vote_lines)


def _check_meta(meta: dict[str, str], meta_start: int) -> None:
    if "budget" not in meta:
        raise PabulibError(meta_start, "META has no budget")


def _check_header(section: str, values: list[str], line: int) -> list[str]:
    if len(set(values)) != len(values):
        raise PabulibError(line, f"the {section} header names a column twice")
    required = {"META": ("key", "value"), "PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}
    if section == "META" and values != ["key", "value"]:
        raise PabulibError(line, "the META header must be key;value")
    for column in required[section]:
        if column not in values:
            raise PabulibError(line, f"the {section} header has no {column} column")
    return values


def _check_project(row: dict[str, str], project_ids: set[str], line: int) -> None:
    project_id = row["project_id"]
    if not project_id:
        raise PabulibError(line, "the project id is empty")
    if project_id in project_ids:
        raise PabulibError(line, f"the project id {project_id!r} appears twice")
    cost = row["cost"]
    amount = _decimal(cost)
    if amount is None:
        raise PabulibError(line, f"the cost {cost!r} is not a number")
    if amount < 0:
        raise PabulibError(line, f"the cost {cost} is negative")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")] if value.strip() else []


def _check_vote(row: dict[str, str], project_ids: set[str], voter_ids: set[str], line: int) -> None:
    voter_id = row["voter_id"]
    if not voter_id:
        raise PabulibError(line, "the voter id is empty")
    if voter_id in voter_ids:
        raise PabulibError(line, f"the voter id {voter_id!r} appears twice")
    chosen = _split(row["vote"])
    seen: set[str] = set()
    for project_id in chosen:
        if project_id not in project_ids:
            raise PabulibError(line, f"the vote names an unknown project {project_id!r}")
        if project_id in seen:
            raise PabulibError(line, f"the vote names project {project_id!r} twice")
        seen.add(project_id)
    if "points" in row:
        points = _split(row["points"])
        for value in points:
            if not _POSITIVE_INTEGER.fullmatch(value):
                raise PabulibError(line, f"the points {value!r} are not a positive integer")
        if len(points) != len(chosen):
            raise PabulibError(
                line, f"there are {len(points)} points values for {len(chosen)} projects in the vote"
            )


_APPROVAL_TYPES = ("approval", "choose-1")


def to_instance(pf: PabulibFile) -> PBInstance:
    """The vote as a `PBInstance`: budget from META ``budget``, costs from the projects' ``cost`` (exact,
    decimals allowed), project ids as strings in file order. ``vote_type`` approval (also knapsack-style
    approval files, and choose-1), cumulative (``points`` aligned with ``vote``) or ordinal (``vote`` lists
    project ids best first)."""
    vote_type = pf.meta.get("vote_type", "")
    meta_line = pf.meta_lines.get("vote_type")
    if vote_type in _APPROVAL_TYPES:
        kind = "approval"
    elif vote_type in ("cumulative", "ordinal"):
        kind = vote_type
    elif not vote_type:
        raise PabulibError(None, "META has no vote_type")
    else:
        raise PabulibError(meta_line, f"the vote type {vote_type!r} is not supported")
    budget = _decimal(pf.meta.get("budget", ""))
    if budget is None or budget < 0:
        raise PabulibError(pf.meta_lines.get("budget"), "the budget is not a non-negative number")
    ids = [row["project_id"] for row in pf.projects]
    index = {project_id: position for position, project_id in enumerate(ids)}
    costs: list[Fraction] = []
    for row, line in zip(pf.projects, _lines(pf.project_lines, len(pf.projects))):
        cost = _decimal(row.get("cost", ""))
        if cost is None or cost < 0:
            raise PabulibError(line, f"the cost {row.get('cost')!r} is not a non-negative number")
        costs.append(cost)
    if kind == "cumulative" and "points" not in pf.vote_columns:
        raise PabulibError(None, "a cumulative vote needs a points column in VOTES")
    ballots: list[object] = []
    for row, line in zip(pf.votes, _lines(pf.vote_lines, len(pf.votes))):
        chosen = _split(row.get("vote", ""))
        unknown = [p for p in chosen if p not in index]
        if unknown:
            raise PabulibError(line, f"the vote names an unknown project {unknown[0]!r}")
        if kind == "ordinal":
            ballots.append(tuple(index[p] for p in chosen))
        elif kind == "approval":
            ballots.append({index[p]: 1 for p in chosen})
        else:
            points = _split(row.get("points", ""))
            if len(points) != len(chosen) or not all(_POSITIVE_INTEGER.fullmatch(v) for v in points):
                raise PabulibError(line, "the points must be positive integers, one per project in the vote")
            ballots.append({index[p]: int(v) for p, v in zip(chosen, points)})
    try:
        return PBInstance(budget, tuple(costs), tuple(ballots), kind, tuple(ids))  # type: ignore[arg-type]
    except ValueError as error:
        raise PabulibError(None, str(error)) from None


def _lines(known: list[int], count: int) -> list[int | None]:
    return list(known) if len(known) == count else [None] * count


def _format(value: object) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(decimal) != value:
            raise ValueError(f"{value} has no exact decimal form")
        return format(decimal, "f")
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError("a Pabulib value cannot contain a line break")
    return text


def dump(
    meta: Mapping[str, object],
    project_columns: Iterable[str],
    projects: Iterable[Mapping[str, object]],
    vote_columns: Iterable[str],
    votes: Iterable[Mapping[str, object]],
) -> str:
    """A Pabulib file's text. Values are written with ``str`` (Fractions as exact decimals); values holding
    ``;`` or ``"`` are quoted. A row's missing columns are written empty; a key that is not a column is an
    error, and so is a line break inside a value."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def section(name: str, columns: list[str], rows: Iterable[Mapping[str, object]]) -> None:
        out.write(name + "\n")
        writer.writerow([_format(c) for c in columns])
        for row in rows:
            extra = set(row) - set(columns)
            if extra:
                raise ValueError(f"{name} row has values for unknown columns: {sorted(extra)}")
            writer.writerow([_format(row[c]) if c in row and row[c] is not None else "" for c in columns])

    section("META", ["key", "value"], [{"key": k, "value": v} for k, v in meta.items()])
    section("PROJECTS", list(project_columns), projects)
    section("VOTES", list(vote_columns), votes)
    return out.getvalue()
