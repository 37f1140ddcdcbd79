"""Polis openData import and export through the command line (`flask polis import|export`, `flask opinion
compute`), on the real brexit-consensus conversation (and vTaiwan's, marked slow). Expected figures are computed
here from the CSV files with the csv module, independently of the importer."""
from __future__ import annotations

import csv
import functools
import http.server
import json
import shutil
import threading
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    City,
    Participant,
    PhaseAction,
    Process,
    Role,
    Statement,
    StatementState,
    StatementVote,
    utcnow,
)
from tests.conftest import DATA

BREXIT = DATA / "polis" / "brexit-consensus"
VTAIWAN = DATA / "polis" / "vtaiwan.uberx"


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected(folder: Path) -> dict:
    """What an import of the folder must hold: the comments not moderated out, and each voter's latest vote per
    such comment (the later line wins a tie)."""
    comments = {int(c["comment-id"]): c for c in _read(folder / "comments.csv") if c["moderated"] != "-1"}
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    for row in _read(folder / "votes.csv"):
        if int(row["comment-id"]) not in comments:
            continue
        key = (row["voter-id"], row["comment-id"])
        stamp = int(row["timestamp"])
        if key not in latest or stamp >= latest[key][0]:
            latest[key] = (stamp, int(row["vote"]))
    return {"comments": comments, "votes": {k: v for k, (_t, v) in latest.items()},
            "first": min(t for t, _v in latest.values()), "last": max(t for t, _v in latest.values())}


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    return result


def imported(app, folder=BREXIT, *options) -> str:
    result = run(app, "polis", "import", folder, *options)
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("process: ")
    return last.removeprefix("process: ")


def stored_votes(db, process) -> dict[tuple[str, str], int]:
    """(voter id, comment id) -> value, read back through the participants' and statements' external ids."""
    rows = db.session.execute(
        select(Participant.external_id, Statement.external_id, StatementVote.value)
        .join(Participant, Participant.id == StatementVote.participant_id)
        .join(Statement, Statement.id == StatementVote.statement_id)
        .where(StatementVote.process_id == process.id)).all()
    return {(voter, comment): value for voter, comment, value in rows}


def _process(db, slug) -> Process:
    return db.session.scalar(select(Process).where(Process.slug == slug))


def test_import_keeps_the_latest_vote_per_voter_and_comment(app, db):
    want = expected(BREXIT)
    slug = imported(app)
    db.session.commit()
    process = _process(db, slug)
    assert slug == "brexit-consensus"
    assert process.city.slug == "brexit-consensus"
    assert process.title == "Can there be consensus on Brexit?"

    statements = db.session.scalars(select(Statement).where(Statement.process_id == process.id)).all()
    assert len(statements) == len(want["comments"]) == 50
    assert {s.external_id for s in statements} == {str(c) for c in want["comments"]}
    assert all(s.state == StatementState.PUBLISHED for s in statements)
    one = next(s for s in statements if s.external_id == "36")
    assert one.body == want["comments"][36]["comment-body"]
    assert one.created_at == datetime.fromtimestamp(1500282615.559, tz=timezone.utc)

    votes = stored_votes(db, process)
    assert len(votes) == len(want["votes"]) == 5303  # 5,312 lines in the file: nine were changed later
    assert votes == want["votes"]
    values_in_file = defaultdict(set)
    for row in _read(BREXIT / "votes.csv"):
        values_in_file[(row["voter-id"], row["comment-id"])].add(int(row["vote"]))
    assert any(len(v) > 1 for v in values_in_file.values()), "the file has voters who changed their vote"
    participants = db.session.scalars(select(Participant).where(Participant.source == f"polis/{slug}")).all()
    assert sorted(p.external_id for p in participants) == sorted({v for v, _c in want["votes"]})

    # The stored tallies are the votes' counts.
    counts = defaultdict(Counter)
    for statement_id, value, n in db.session.execute(
            select(StatementVote.statement_id, StatementVote.value, func.count())
            .where(StatementVote.process_id == process.id).group_by(StatementVote.statement_id, StatementVote.value)):
        counts[statement_id][value] = n
    for s in statements:
        assert (s.agree_count, s.disagree_count, s.pass_count) == (counts[s.id][1], counts[s.id][-1], counts[s.id][0])

    # One past round enabling statement votes, from the first vote to the last.
    [phase] = process.phases
    assert phase.enables(PhaseAction.STATEMENT_VOTE)
    assert phase.starts_at == datetime.fromtimestamp(want["first"] / 1000, tz=timezone.utc)
    assert phase.starts_at < phase.ends_at < utcnow()
    assert phase.ends_at >= datetime.fromtimestamp(want["last"] / 1000, tz=timezone.utc)


def test_importing_again_makes_a_new_process_in_the_same_city(app, db):
    first, second = imported(app), imported(app)
    db.session.commit()
    assert first != second
    processes = db.session.scalars(select(Process).order_by(Process.id)).all()
    assert [p.slug for p in processes] == [first, second]
    assert db.session.scalar(select(func.count(City.id))) == 1
    assert stored_votes(db, processes[0]) == stored_votes(db, processes[1])
    assert db.session.scalar(select(func.count(StatementVote.id))) == 2 * 5303


def test_import_into_a_named_city(app, db, make):
    make.city(slug="london", name_en="London", name_ko="런던")
    slug = imported(app, BREXIT, "--city", "london")
    db.session.commit()
    assert _process(db, slug).city.slug == "london"
    assert db.session.scalar(select(func.count(City.id))) == 1

    result = run(app, "polis", "import", BREXIT, "--city", "nowhere")
    assert result.exit_code != 0
    assert "no city with the slug 'nowhere'" in result.output
    assert db.session.scalar(select(func.count(Process.id))) == 1


def _copy(tmp_path) -> Path:
    folder = tmp_path / "broken-conversation"
    shutil.copytree(BREXIT, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def _rewrite(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def _replace_line(n: int, old: str, new: str):
    def change(lines):
        assert old in lines[n - 1]
        lines[n - 1] = lines[n - 1].replace(old, new, 1)
        return lines
    return change


BAD_FILES = [
    ("votes.csv", lambda lines: [lines[0].replace(",vote\n", ",value\n")] + lines[1:], 1, "missing column vote"),
    ("votes.csv", _replace_line(40, ",-1\n", ",x\n"), 40, "vote 'x' is not a whole number"),
    ("votes.csv", _replace_line(1855, ",1\n", ",2\n"), 1855, "vote '2' is not one of -1, 0, 1"),
    ("votes.csv", _replace_line(7, "WIB 2017,0,", "WIB 2017,77,"), 7, "comment 77 is not in comments.csv"),
    ("comments.csv", lambda lines: [lines[0].replace(",moderated", "")] + lines[1:], 1, "missing column moderated"),
    ("comments.csv", _replace_line(3, ",1,\"", ",maybe,\""), 3, "moderated 'maybe' is not a whole number"),
]


@pytest.mark.parametrize("name, change, line, problem", BAD_FILES,
                         ids=["no-vote-column", "vote-not-a-number", "vote-of-2", "unknown-comment",
                              "no-moderated-column", "moderated-not-a-number"])
def test_a_bad_file_names_file_and_line_and_imports_nothing(app, db, tmp_path, name, change, line, problem):
    folder = _copy(tmp_path)
    _rewrite(folder / name, change)
    result = run(app, "polis", "import", folder)
    assert result.exit_code != 0
    assert f"{folder / name}: line {line}: {problem}" in result.output, result.output
    db.session.commit()
    for model in (City, Process, Statement, StatementVote, Participant):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_a_missing_file_or_folder_is_named(app, db, tmp_path):
    folder = _copy(tmp_path)
    (folder / "votes.csv").unlink()
    result = run(app, "polis", "import", folder)
    assert result.exit_code != 0 and f"{folder / 'votes.csv'}: no such file" in result.output
    result = run(app, "polis", "import", tmp_path / "nothing-here")
    assert result.exit_code != 0 and "not a folder" in result.output
    assert db.session.scalar(select(func.count(Process.id))) == 0


def test_moderated_out_comments_are_left_out_with_their_votes(app, db, tmp_path):
    folder = _copy(tmp_path)
    _rewrite(folder / "comments.csv", _replace_line(2, ",1,\"Opposition", ",-1,\"Opposition"))  # comment 36
    want = expected(folder)
    assert 36 not in want["comments"]
    slug = imported(app, folder)
    db.session.commit()
    process = _process(db, slug)
    assert db.session.scalar(select(func.count(Statement.id)).where(Statement.process_id == process.id)) == 49
    assert stored_votes(db, process) == want["votes"]
    assert not any(comment == "36" for _v, comment in want["votes"])


def compute_json(app, slug) -> dict:
    result = run(app, "opinion", "compute", slug, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_opinion_compute_prints_the_groups_as_voter_ids(app, db):
    slug = imported(app)
    summary = compute_json(app, slug)
    assert list(summary) == ["participants_clustered", "groups", "consensus", "seconds"]
    voters = {row["voter-id"] for row in _read(BREXIT / "votes.csv")}
    comments = {row["comment-id"] for row in _read(BREXIT / "comments.csv")}
    groups = summary["groups"]
    assert len(groups) >= 2
    assert [g["id"] for g in groups] == list(range(len(groups)))
    assert [g["size"] for g in groups] == sorted((g["size"] for g in groups), reverse=True)
    members = [p for g in groups for p in g["participants"]]
    assert all(isinstance(p, str) for p in members)
    assert set(members) <= voters and len(members) == len(set(members))
    assert all(len(g["participants"]) == g["size"] for g in groups)
    assert summary["participants_clustered"] == len(members)
    assert 1 <= len(summary["consensus"]) <= 5 and set(summary["consensus"]) <= comments
    assert isinstance(summary["seconds"], float) and summary["seconds"] >= 0
    # The map is kept for the pages.
    db.session.commit()
    from app.models import OpinionMap

    stored = db.session.get(OpinionMap, _process(db, slug).id)
    assert stored.vote_count == 5303 and stored.participants_clustered == summary["participants_clustered"]

    text = run(app, "opinion", "compute", slug)
    assert text.exit_code == 0 and f"{len(groups)} groups" in text.output
    assert run(app, "opinion", "compute", "no-such-process").exit_code != 0


def test_opinion_refresh_recomputes_only_stale_maps(app, db):
    first, second = imported(app), imported(app)
    def refreshed(output):
        return {line.split(":")[0] for line in output.splitlines()}

    result = run(app, "opinion", "refresh")
    assert result.exit_code == 0
    assert refreshed(result.output) == {first, second}
    assert "up to date" in run(app, "opinion", "refresh").output
    # A changed vote makes one map stale again.
    db.session.commit()
    process = _process(db, second)
    vote = db.session.scalars(select(StatementVote).where(StatementVote.process_id == process.id)).first()
    vote.value = -vote.value if vote.value else 1
    vote.updated_at = utcnow()
    db.session.commit()
    assert refreshed(run(app, "opinion", "refresh").output) == {second}


# Export ----------------------------------------------------------------------------------------------------

@pytest.fixture
def served():
    """Serves folders over HTTP on a local port, as red-dwarf's loader reads a CSV export by URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def red_dwarf_reads(url: str):
    """red-dwarf's Loader reading comments.csv and votes.csv from a CSV export directory, as
    `Loader(directory_url=…)` does — without its fallback to the pol.is API for the `is-meta` column, which
    openData exports (Polis's own included) do not have."""
    from reddwarf.data_loader import Loader

    loader = Loader()
    loader.is_cache_enabled = False
    loader.init_http_client()
    loader.load_remote_export_data_comments(url)
    loader.load_remote_export_data_votes(url)
    loader.filter_duplicate_votes(keep="recent")
    return loader


def test_export_writes_the_votes_red_dwarf_reads_and_the_groups(app, db, tmp_path, served):
    slug = imported(app)
    summary = compute_json(app, slug)
    out = tmp_path / "export"
    result = run(app, "polis", "export", slug, out)
    assert result.exit_code == 0, result.output
    for name in ("comments.csv", "votes.csv", "participants-votes.csv"):
        header = (out / name).read_text(encoding="utf-8").splitlines()[0]
        original = (BREXIT / name).read_text(encoding="utf-8").splitlines()[0]
        assert header == original, name  # the openData columns in their order

    want = expected(BREXIT)
    votes = {(r["voter-id"], r["comment-id"]): int(r["vote"]) for r in _read(out / "votes.csv")}
    assert len(_read(out / "votes.csv")) == len(votes)
    assert votes == want["votes"]
    comments = {r["comment-id"]: r for r in _read(out / "comments.csv")}
    assert {c: r["comment-body"] for c, r in comments.items()} == \
        {str(c): r["comment-body"] for c, r in want["comments"].items()}
    agrees = Counter(c for (_v, c), value in want["votes"].items() if value == 1)
    assert all(int(r["agrees"]) == agrees[c] for c, r in comments.items())

    # participants-votes.csv: each participant's group from the map, and their votes by comment column.
    rows = {r["participant"]: r for r in _read(out / "participants-votes.csv")}
    assert set(rows) == {v for v, _c in want["votes"]}
    for group in summary["groups"]:
        assert {rows[p]["group-id"] for p in group["participants"]} == {str(group["id"])}
    clustered = {p for g in summary["groups"] for p in g["participants"]}
    assert all(r["group-id"] == "" for p, r in rows.items() if p not in clustered)
    assert all(int(rows[v][c] or 99) == value for (v, c), value in want["votes"].items())
    assert all(int(r["n-votes"]) == sum(1 for (v, _c) in want["votes"] if v == p) for p, r in rows.items())

    loader = red_dwarf_reads(served(out))
    assert len(loader.comments_data) == 50
    assert {(str(v["participant_id"]), str(v["statement_id"])): v["vote"] for v in loader.votes_data} == want["votes"]
    assert not loader.skipped_dup_votes


def test_the_original_export_reads_the_same_way(served):
    """The check above reads Polis's own files too (it is not lenient to ours only)."""
    loader = red_dwarf_reads(served(BREXIT))
    assert len(loader.votes_data) == 5303 and len(loader.skipped_dup_votes) == 9


def test_export_then_import_gives_the_same_statements_and_votes(app, db, tmp_path):
    slug = imported(app)
    out = tmp_path / "brexit-again"
    assert run(app, "polis", "export", slug, out).exit_code == 0
    again = imported(app, out)
    db.session.commit()
    first, second = _process(db, slug), _process(db, again)
    assert second.title == first.title == "Can there be consensus on Brexit?"  # from summary.csv
    assert stored_votes(db, first) == stored_votes(db, second)

    def statements(process):
        return {(s.external_id, s.body, s.created_at, s.agree_count, s.disagree_count, s.pass_count)
                for s in db.session.scalars(select(Statement).where(Statement.process_id == process.id))}

    assert statements(first) == statements(second)


def test_madang_native_statements_and_members_get_ids_that_cannot_collide(app, db, make, tmp_path, served):
    """A member votes in an imported conversation and adds a statement: the export numbers them above every
    Polis id (C + Statement.id, V + Participant.id), and red-dwarf reads the result."""
    from app.voting.services import participant_for
    from app.models import Membership

    slug = imported(app)
    db.session.commit()
    process = _process(db, slug)
    member = make.member(process.city, Role.FACILITATOR)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == member.id))
    participant = participant_for(membership)
    statement = Statement(process_id=process.id, author_id=member.id, body="A statement written in Madang.",
                          state=StatementState.PUBLISHED, seeded=True, agree_count=1)
    rejected = Statement(process_id=process.id, author_id=member.id, body="Never public.",
                         state=StatementState.REJECTED, moderated_at=utcnow())
    db.session.add_all([statement, rejected])
    db.session.flush()
    first = db.session.scalar(select(Statement).where(Statement.process_id == process.id,
                                                      Statement.external_id == "0"))
    db.session.add_all([
        StatementVote(participant_id=participant.id, statement_id=statement.id, process_id=process.id, value=1),
        StatementVote(participant_id=participant.id, statement_id=first.id, process_id=process.id, value=-1),
        StatementVote(participant_id=participant.id, statement_id=rejected.id, process_id=process.id, value=1),
    ])
    db.session.commit()

    out = tmp_path / "mixed"
    assert run(app, "polis", "export", slug, out).exit_code == 0
    comments = {r["comment-id"]: r for r in _read(out / "comments.csv")}
    native_comment, native_voter = str(50 + statement.id), str(204 + participant.id)  # ids 0…49, voters 0…203
    assert len(comments) == 51 and "Never public." not in {r["comment-body"] for r in comments.values()}
    assert comments[native_comment]["comment-body"] == "A statement written in Madang."
    assert comments[native_comment]["author-id"] == native_voter
    assert comments["0"]["author-id"] == "204"  # an imported comment's author is not known: V itself
    votes = {(r["voter-id"], r["comment-id"]): r["vote"] for r in _read(out / "votes.csv")}
    assert votes[(native_voter, native_comment)] == "1" and votes[(native_voter, "0")] == "-1"
    assert len(votes) == 5303 + 2
    row = next(r for r in _read(out / "participants-votes.csv") if r["participant"] == native_voter)
    assert (row["n-comments"], row["n-votes"], row[native_comment], row["0"]) == ("1", "2", "1", "-1")

    loader = red_dwarf_reads(served(out))
    assert len(loader.comments_data) == 51 and len(loader.votes_data) == 5305


def test_export_of_an_unknown_process_is_refused(app, db, tmp_path):
    result = run(app, "polis", "export", "nothing", tmp_path / "x")
    assert result.exit_code != 0 and "no process with the slug 'nothing'" in result.output


@pytest.mark.slow
def test_vtaiwan_imports_and_maps(app, db):
    want = expected(VTAIWAN)
    result = run(app, "polis", "import", VTAIWAN)
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1].removeprefix("process: ")
    assert slug == "vtaiwan-uberx"
    db.session.commit()
    process = _process(db, slug)
    assert db.session.scalar(select(func.count(Statement.id)).where(Statement.process_id == process.id)) == \
        len(want["comments"]) == 119  # 78 of the 197 comments were moderated out
    assert stored_votes(db, process) == want["votes"]
    summary = compute_json(app, slug)
    assert summary["participants_clustered"] == sum(g["size"] for g in summary["groups"])
    assert set(summary["consensus"]) <= {str(c) for c in want["comments"]}


def _in_seconds(lines):
    """Older Polis exports write the timestamp column in seconds, not milliseconds."""
    head, *rows = lines
    out = [head]
    for line in rows:
        stamp, rest = line.split(",", 1)
        out.append(f"{int(stamp) // 1000},{rest}")
    return out


def test_timestamps_in_seconds_are_read_as_seconds(app, db, tmp_path):
    folder = _copy(tmp_path)
    _rewrite(folder / "comments.csv", _in_seconds)
    _rewrite(folder / "votes.csv", _in_seconds)
    slug = imported(app, folder)
    db.session.commit()
    process = _process(db, slug)
    first = db.session.scalar(select(func.min(Statement.created_at)).where(Statement.process_id == process.id))
    phase = process.phases[0]
    for moment in (first, phase.starts_at, phase.ends_at):
        assert moment.replace(tzinfo=timezone.utc).year == 2017, moment  # not January 1970
