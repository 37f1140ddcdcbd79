"""Moving opinion conversations between Madang and Polis (pol.is) in Polis's openData format: a folder with
`comments.csv`, `votes.csv` (the vote history), `participants-votes.csv` (one row per participant with the group
Polis assigned) and `summary.csv` (the topic, the URL, the description).

Import: each comment that was not moderated out becomes a published statement (keeping its comment id, its
text and its time), each voter an imported participant (source `polis/<process slug>`, keeping the voter id),
and each voter's latest vote per comment a statement vote. Comments moderated out are left out with their votes.

Export ids: imported statements and voters keep their Polis ids. Everything Madang-native gets an id above every
imported one, so none can collide: a statement `C + Statement.id` and a participant `V + Participant.id`, where
C (V) is one more than the largest imported comment (voter) id of the process, or 0 when there is none.
`V` itself is nobody's id: it stands for an author Madang does not know as a participant (the author of an
imported comment, whose Polis author id is not kept, or a facilitator who never voted)."""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from app.extensions import db
from app.markdown import render_markdown
from app.methods.language import detect_language
from app.models import (
    Membership,
    OpinionMap,
    Participant,
    Phase,
    PhaseAction,
    Process,
    Statement,
    StatementState,
    StatementVote,
    utcnow,
)
from app.slugs import unique_process_slug
from app.voting.pabulib_io import ImportProblem
from app.voting.pabulib_io import _city_for as city_for_import

COMMENT_COLUMNS = ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                   "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
REQUIRED_COMMENT_COLUMNS = ("timestamp", "comment-id", "moderated", "comment-body")
ATTRIBUTION = ("Data gathered using the Polis software (compdemocracy.org/polis), sub-licensed under CC BY 4.0 "
               "with attribution to The Computational Democracy Project.")
CHUNK = 20_000
WHOLE_NUMBER = re.compile(r"-?\d+")
SECONDS_BELOW = 10**11  # a timestamp under this is in seconds (as 10**11 ms it would be March 1973)


class PolisProblem(ImportProblem):
    """A Polis export Madang cannot read: "FILE: line N: problem"."""


@dataclass
class Comment:
    comment_id: int
    body: str
    created_ms: int


@dataclass
class Conversation:
    """What an openData folder holds, checked: the comments kept, and the latest vote per (voter, comment)."""

    title: str = ""
    url: str = ""
    description: str = ""
    comments: list[Comment] = field(default_factory=list)
    moderated_out: int = 0
    # (voter id, comment id) -> [first vote ms, latest vote ms, latest value]
    votes: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    votes_read: int = 0


# Reading ----------------------------------------------------------------------------------------------------

def _records(path: Path, required: tuple[str, ...]):
    """(line number, row as a dict) for each record of a CSV file whose header names the required columns.
    The line number is the record's first line (a quoted text may run over several)."""
    if not path.is_file():
        raise PolisProblem(f"{path}: no such file")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        with handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise PolisProblem(f"{path}: line 1: the file is empty (expected the columns "
                                   f"{', '.join(required)})") from None
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise PolisProblem(f"{path}: line 1: missing column{'s' if len(missing) > 1 else ''} "
                                   f"{', '.join(missing)}")
            line = reader.line_num + 1
            try:
                for row in reader:
                    if row and any(cell.strip() for cell in row):
                        if len(row) != len(header):
                            raise PolisProblem(f"{path}: line {line}: {len(row)} fields, the header has "
                                               f"{len(header)}")
                        yield line, dict(zip(header, row))
                    line = reader.line_num + 1
            except csv.Error as error:
                raise PolisProblem(f"{path}: line {line}: {error}") from None
    except UnicodeDecodeError as error:
        raise PolisProblem(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _whole(path: Path, line: int, row: dict, column: str, *, allowed=None, minimum=None) -> int:
    text = (row.get(column) or "").strip()
    if not WHOLE_NUMBER.fullmatch(text):
        raise PolisProblem(f"{path}: line {line}: {column} {text!r} is not a whole number")
    value = int(text)
    if allowed is not None and value not in allowed:
        raise PolisProblem(f"{path}: line {line}: {column} {text!r} is not one of "
                           f"{', '.join(str(a) for a in sorted(allowed))}")
    if minimum is not None and value < minimum:
        raise PolisProblem(f"{path}: line {line}: {column} {text!r} is below {minimum}")
    return value


def _milliseconds(value: int) -> int:
    """Polis writes timestamps in milliseconds; some older exports write seconds."""
    return value * 1000 if value < SECONDS_BELOW else value


def _summary(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {row[0].strip(): row[1].strip() for row in csv.reader(handle) if len(row) >= 2}
    except (UnicodeDecodeError, csv.Error) as error:
        raise PolisProblem(f"{path}: {error}") from None


def read_export(folder: Path) -> Conversation:
    """Read and check an openData folder; raises PolisProblem naming the file and line before anything is
    written."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PolisProblem(f"{folder}: not a folder")
    summary = _summary(folder / "summary.csv")
    conversation = Conversation(title=summary.get("topic", ""), url=summary.get("url", ""),
                                description=summary.get("conversation-description", ""))
    path = folder / "comments.csv"
    kept: dict[int, Comment] = {}
    out: set[int] = set()
    for line, row in _records(path, REQUIRED_COMMENT_COLUMNS):
        comment_id = _whole(path, line, row, "comment-id", minimum=0)
        if comment_id in kept or comment_id in out:
            raise PolisProblem(f"{path}: line {line}: comment-id {comment_id} appears twice")
        moderated = _whole(path, line, row, "moderated", allowed={-1, 0, 1})
        created = _milliseconds(_whole(path, line, row, "timestamp", minimum=0))
        body = (row.get("comment-body") or "").strip()
        if moderated == -1:
            out.add(comment_id)
            continue
        if not body:
            raise PolisProblem(f"{path}: line {line}: comment {comment_id} has no text")
        kept[comment_id] = Comment(comment_id, body, created)
    conversation.comments = sorted(kept.values(), key=lambda c: c.comment_id)
    conversation.moderated_out = len(out)
    path = folder / "votes.csv"
    votes = conversation.votes
    for line, row in _records(path, VOTE_COLUMNS[:1] + VOTE_COLUMNS[2:]):
        comment_id = _whole(path, line, row, "comment-id", minimum=0)
        voter_id = _whole(path, line, row, "voter-id", minimum=0)
        value = _whole(path, line, row, "vote", allowed={-1, 0, 1})
        moment = _milliseconds(_whole(path, line, row, "timestamp", minimum=0))
        conversation.votes_read += 1
        if comment_id in out:
            continue
        if comment_id not in kept:
            raise PolisProblem(f"{path}: line {line}: comment {comment_id} is not in comments.csv")
        key = (voter_id, comment_id)
        known = votes.get(key)
        if known is None:
            votes[key] = [moment, moment, value]
        else:
            known[0] = min(known[0], moment)
            if moment >= known[1]:  # the latest vote counts; of two at the same moment, the later line
                known[1], known[2] = moment, value
    return conversation


def latest_votes(folder) -> list[tuple[int, int, int, int]]:
    """(voter id, comment id, vote, timestamp in ms) of an openData folder: each voter's latest vote per comment,
    comments moderated out left out, sorted by voter and comment. What the analysis of a conversation reads."""
    conversation = read_export(folder)
    return [(voter, comment, value, last)
            for (voter, comment), (_first, last, value) in sorted(conversation.votes.items())]


# Importing --------------------------------------------------------------------------------------------------

def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _language(text: str) -> str:
    """"ko" or "en" for Madang's languages, "" for text in neither (vTaiwan's Chinese, for one)."""
    letters = [c for c in text if c.isalpha()]
    found = detect_language(text)
    if found == "en" and letters and sum(c.isascii() for c in letters) < len(letters) / 2:
        return ""
    return found


def _describe(conversation: Conversation, folder: Path) -> str:
    parts = [f"Imported from a Polis openData export ({conversation.url or folder.name})."]
    if conversation.description:
        parts.append(conversation.description)
    parts.append(ATTRIBUTION)
    return "\n\n".join(parts)


@dataclass
class ImportResult:
    process: Process
    statements: int
    moderated_out: int
    votes: int
    votes_read: int
    participants: int


def import_polis(folder, city_slug: str | None = None) -> ImportResult:
    """Create a process from an openData folder (a new one on every import). Without a city, the city named
    after the folder (created if needed). Raises PolisProblem (or ImportProblem for the city) before writing
    anything the caller would keep: the caller commits only when this returns."""
    folder = Path(folder)
    conversation = read_export(folder)
    name = folder.resolve().name
    city = city_for_import({"unit": name[:40]}, city_slug)
    title = (conversation.title or name).strip()[:200]
    description = _describe(conversation, folder)
    korean = detect_language(title) == "ko"
    process = Process(
        slug=unique_process_slug(name, title), city_id=city.id, title_ko=title if korean else "",
        title_en="" if korean else title, description_en=description,
        description_html_en=render_markdown(description), citizen_statements=False,
    )
    db.session.add(process)
    db.session.flush()
    moments = [m for first, last, _v in conversation.votes.values() for m in (first, last)] or \
        [c.created_ms for c in conversation.comments]
    if moments:
        phase = Phase(process_id=process.id, name_en="Polis conversation", name_ko="Polis 대화",
                      starts_at=_moment(min(moments)), ends_at=_moment(max(moments)) + timedelta(seconds=1))
        phase.set_actions([PhaseAction.STATEMENT_VOTE])
        db.session.add(phase)
    tallies: dict[int, Counter] = defaultdict(Counter)
    for (_voter, comment_id), (_first, _last, value) in conversation.votes.items():
        tallies[comment_id][value] += 1
    if conversation.comments:
        db.session.execute(insert(Statement), [{
            "process_id": process.id, "author_id": None, "body": c.body, "language": _language(c.body),
            "seeded": False, "state": StatementState.PUBLISHED.value, "external_id": str(c.comment_id),
            "created_at": _moment(c.created_ms), "agree_count": tallies[c.comment_id][1],
            "disagree_count": tallies[c.comment_id][-1], "pass_count": tallies[c.comment_id][0],
        } for c in conversation.comments])
    statement_ids = dict(db.session.execute(
        select(Statement.external_id, Statement.id).where(Statement.process_id == process.id)).all())
    source = f"polis/{process.slug}"
    voters = sorted({voter for voter, _c in conversation.votes})
    now = utcnow()
    for start in range(0, len(voters), CHUNK):
        db.session.execute(insert(Participant), [
            {"city_id": city.id, "source": source, "external_id": str(v), "created_at": now}
            for v in voters[start:start + CHUNK]])
    participant_ids = dict(db.session.execute(
        select(Participant.external_id, Participant.id).where(Participant.city_id == city.id,
                                                              Participant.source == source)).all())
    rows = [{"participant_id": participant_ids[str(voter)], "statement_id": statement_ids[str(comment_id)],
             "process_id": process.id, "value": value, "created_at": _moment(first), "updated_at": _moment(last)}
            for (voter, comment_id), (first, last, value) in sorted(conversation.votes.items())]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(StatementVote), rows[start:start + CHUNK])
    db.session.flush()
    db.session.refresh(process)
    return ImportResult(process=process, statements=len(conversation.comments),
                        moderated_out=conversation.moderated_out, votes=len(rows),
                        votes_read=conversation.votes_read, participants=len(voters))


# Exporting --------------------------------------------------------------------------------------------------

def _polis_id(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


@dataclass
class ExportIds:
    """Polis ids for a process's statements and participants (the rule is in the module's docstring)."""

    comments: dict[int, int]  # Statement.id -> comment id
    voters: dict[int, int]  # Participant.id -> voter id
    voter_base: int

    def unknown_author(self) -> int:
        return self.voter_base


def export_ids(process: Process, statements: list[Statement], participants: list[Participant]) -> ExportIds:
    source = f"polis/{process.slug}"
    imported_comments = {s.id: _polis_id(s.external_id) for s in statements}
    comment_base = max((i for i in imported_comments.values() if i is not None), default=-1) + 1
    imported_voters = {p.id: _polis_id(p.external_id) if p.source == source else None for p in participants}
    voter_base = max((i for i in imported_voters.values() if i is not None), default=-1) + 1
    return ExportIds(
        comments={sid: cid if cid is not None else comment_base + sid for sid, cid in imported_comments.items()},
        voters={pid: vid if vid is not None else voter_base + pid for pid, vid in imported_voters.items()},
        voter_base=voter_base,
    )


def _ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def _polis_datetime(moment: datetime, zone: ZoneInfo) -> str:
    """Polis's human-readable column ("Mon Jul 17 16:10:15 KST 2017"), in the city's time zone."""
    return moment.astimezone(zone).strftime("%a %b %d %H:%M:%S %Z %Y")


@dataclass
class ExportResult:
    statements: int
    votes: int
    participants: int
    groups: int
    files: list[Path]


def export_polis(process: Process, folder) -> ExportResult:
    """Write the process's published statements and their votes as comments.csv, votes.csv and
    participants-votes.csv (with each participant's group from the opinion map, computed if it is missing or
    out of date; flushed, the caller commits), and summary.csv (the title and the description, so that an
    import of the folder is titled like the process). Statements pending or rejected were never public and
    are not written."""
    from app.vision import opinion

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(process.city.time_zone)
    current = opinion.fingerprint(process)
    opinion_map = db.session.get(OpinionMap, process.id)
    if current.votes and not opinion.is_fresh(opinion_map, current):
        opinion_map = opinion.refresh(process)
    statements = list(db.session.scalars(select(Statement).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED).order_by(Statement.id)))
    votes = db.session.execute(
        select(StatementVote.participant_id, StatementVote.statement_id, StatementVote.value,
               StatementVote.updated_at).join(Statement, Statement.id == StatementVote.statement_id)
        .where(StatementVote.process_id == process.id, Statement.state == StatementState.PUBLISHED)).all()
    voter_rows = {v.participant_id for v in votes}
    authors = {s.author_id for s in statements if s.author_id is not None}
    author_participants = dict(db.session.execute(
        select(Membership.user_id, Participant.id).join(Participant, Participant.membership_id == Membership.id)
        .where(Membership.city_id == process.city_id, Membership.user_id.in_(authors))).all()) if authors else {}
    wanted = voter_rows | set(author_participants.values())
    participants = list(db.session.scalars(select(Participant).where(Participant.id.in_(wanted)))) if wanted else []
    ids = export_ids(process, statements, participants)

    tally: dict[int, Counter] = defaultdict(Counter)
    per_voter: dict[int, dict[int, int]] = defaultdict(dict)
    for v in votes:
        tally[v.statement_id][v.value] += 1
        per_voter[v.participant_id][v.statement_id] = v.value
    authored = Counter(author_participants.get(s.author_id) for s in statements if s.author_id in author_participants)

    files = []
    path = folder / "comments.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COMMENT_COLUMNS)
        for s in sorted(statements, key=lambda s: ids.comments[s.id]):
            author = author_participants.get(s.author_id)
            writer.writerow([_ms(s.created_at), _polis_datetime(s.created_at, zone), ids.comments[s.id],
                             ids.voters[author] if author is not None else ids.unknown_author(),
                             tally[s.id][1], tally[s.id][-1], 1, s.body])
    files.append(path)

    path = folder / "votes.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VOTE_COLUMNS)
        for v in sorted(votes, key=lambda v: (ids.comments[v.statement_id], ids.voters[v.participant_id])):
            writer.writerow([_ms(v.updated_at), _polis_datetime(v.updated_at, zone), ids.comments[v.statement_id],
                             ids.voters[v.participant_id], v.value])
    files.append(path)

    groups: dict[int, int] = {}
    if opinion_map is not None:
        data = opinion_map.data or {}
        groups = {pid: label for pid, label in zip(data.get("participants", []), data.get("labels", []))
                  if label is not None and label >= 0}
    columns = sorted(ids.comments[s.id] for s in statements)
    by_comment = {ids.comments[s.id]: s.id for s in statements}
    path = folder / "participants-votes.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(PARTICIPANT_COLUMNS) + [str(c) for c in columns])
        for pid in sorted(per_voter, key=lambda p: ids.voters[p]):
            mine = per_voter[pid]
            values = list(mine.values())
            writer.writerow([ids.voters[pid], groups.get(pid, ""), authored.get(pid, 0), len(values),
                             values.count(1), values.count(-1)]
                            + [mine.get(by_comment[c], "") for c in columns])
    files.append(path)

    path = folder / "summary.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for key, value in (("topic", process.title_en or process.title_ko), ("url", ""),
                           ("voters", len(per_voter)), ("voters-in-conv", len(per_voter)),
                           ("commenters", len(authored)), ("comments", len(statements)),
                           ("groups", len(set(groups.values()))),
                           ("conversation-description", process.description_en or process.description_ko)):
            writer.writerow([key, value])
    files.append(path)
    return ExportResult(statements=len(statements), votes=len(votes), participants=len(per_voter),
                        groups=len(set(groups.values())), files=files)
