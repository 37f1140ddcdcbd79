"""A process's exports: every dataset checked against the hand-made city of test_exports_world (counts, exact
rows, what the staff see and what open data leaves out); the three formats read back (CSV with its BOM through
the csv module, JSON, XLSX through openpyxl) to the same rows; formula injection neutralised; the .pb and Polis
downloads; who may download."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app.exports.datasets import DATASETS, Export
from app.extensions import db as _db
from app.models import Role, StatementVote, utcnow
from app.voting import budget_services
from tests.conftest import login
from tests.functional.test_exports_world import build, in_city, member, publish_vision


@pytest.fixture
def w(make, db):
    return build(make, db)


def rows_of(app, w, name, public, viewer=None):
    with in_city(app, w.city):
        export = Export(w.process, w.city, public=public, viewer=viewer or w.planner)
        dataset = DATASETS[name]
        names = [c.name for c in dataset.columns_for(public)]
        return [dict(zip(names, row, strict=True)) for row in dataset.rows_for(export)]


def summary_of(app, w, name, public, viewer=None):
    with in_city(app, w.city):
        return DATASETS[name].summary(Export(w.process, w.city, public=public, viewer=viewer or w.planner))


class Reader:
    """A signed-in client that reads each response whole inside its request (`buffered`), as a server sends a
    streamed body before the request ends."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        return self.client.get(*args, buffered=True, **kwargs)


def staff(app, user):
    client = app.test_client()
    login(client, user)
    return Reader(client)


def url(w, suffix=""):
    return f"/c/seoul/processes/{w.process.id}/exports{suffix}"


# Datasets against the database ----------------------------------------------------------------------------

def test_proposals_for_staff_and_in_open_data(app, w):
    rows = rows_of(app, w, "proposals", public=False)
    assert [r["id"] for r in rows] == sorted([w.bike.id, w.formula.id, w.hidden.id, w.by_blocked.id, w.korean.id])
    bike = rows[0]
    assert bike["title"] == 'A protected bike lane, "safe" for children'
    assert bike["author"] == "Author Thaddeus"
    assert (bike["state"], bike["supports"], bike["sdg_targets"]) == ("accepted", 3, "3.6; 11.2")  # in the SDGs' order
    assert bike["plan_items"] == "cycling-network; shade"
    assert bike["cost"] == Decimal(60000) and bike["district"] == w.city.districts[0].code
    assert bike["answer"] == "We will build it in spring." and bike["answered_at"] is not None
    assert [r["hidden"] for r in rows].count(True) == 1

    public = rows_of(app, w, "proposals", public=True)
    assert [r["id"] for r in public] == sorted([w.bike.id, w.formula.id, w.korean.id])  # no hidden, no blocked
    assert "hidden" not in public[0]
    assert public[0]["author"] == w.city.pseudonym(w.author.id)
    assert summary_of(app, w, "proposals", public=True).rows == 3
    assert summary_of(app, w, "proposals", public=False).rows == 5


def test_comments_for_staff_and_in_open_data(app, w):
    rows = {r["id"]: r for r in rows_of(app, w, "comments", public=False)}
    assert set(rows) == {w.first.id, w.reply.id, w.hidden_comment.id, w.deleted.id, w.on_hidden.id,
                         w.by_blocked_comment.id, w.debate_comment.id}
    assert rows[w.reply.id] | {"created_at": None} == {
        "id": w.reply.id, "on_type": "proposal", "on_id": w.bike.id, "parent_id": w.first.id,
        "author": w.city.pseudonym(w.author.id), "stance": "against", "body": "@team: and shops?", "up_votes": 0,
        "down_votes": 0, "created_at": None, "hidden": False}
    # Staff exports name a comment's author only by the city's pseudonym too, never by name.
    assert not any(r["author"] == w.author.name for r in rows.values())
    assert (rows[w.first.id]["up_votes"], rows[w.first.id]["down_votes"]) == (4, 1)
    assert rows[w.deleted.id]["on_type"] == "debate" and rows[w.deleted.id]["body"] == ""
    assert rows[w.hidden_comment.id]["hidden"] is True

    public = {r["id"]: r for r in rows_of(app, w, "comments", public=True)}
    # Hidden, under a hidden proposal, by a blocked member: left out. Deleted: its place stays, empty, anonymous.
    assert set(public) == {w.first.id, w.reply.id, w.deleted.id, w.debate_comment.id}
    assert public[w.first.id]["author"] == w.city.pseudonym(w.citizen.id)
    assert public[w.deleted.id]["author"] is None and public[w.deleted.id]["body"] == ""
    assert summary_of(app, w, "comments", public=True).rows == 4


def test_vote_totals(app, w):
    rows = rows_of(app, w, "vote-totals", public=False)
    proposals = {r["item_id"]: r["supports"] for r in rows if r["item_type"] == "proposal"}
    assert proposals[w.bike.id] == 3 and proposals[w.korean.id] == 1 and proposals[w.hidden.id] == 1
    statements = {r["item_id"]: (r["agree"], r["disagree"], r["pass"]) for r in rows if r["item_type"] == "statement"}
    for statement in [*w.statements, w.rejected]:
        votes = _db.session.scalars(select(StatementVote.value).where(
            StatementVote.statement_id == statement.id)).all()
        assert statements[statement.id] == (votes.count(1), votes.count(-1), votes.count(0))
    assert statements[w.statements[0].id] == (6, 1, 0)

    public = rows_of(app, w, "vote-totals", public=True)
    assert {r["item_id"] for r in public if r["item_type"] == "statement"} == {s.id for s in w.statements}
    assert w.hidden.id not in {r["item_id"] for r in public if r["item_type"] == "proposal"}
    assert summary_of(app, w, "vote-totals", public=True).rows == 3 + 3


def test_statement_votes_name_voters_by_pseudonym_for_staff_and_in_open_data(app, w):
    rows = rows_of(app, w, "statement-votes", public=False)
    assert len(rows) == _db.session.scalar(select(__import__("sqlalchemy").func.count(StatementVote.id)))
    first_voter, first_participant = w.voters[0]
    assert not any(r["voter"] == u.name for r in rows for u, _p in w.voters)  # the pages never show who voted what
    mine = [r for r in rows if r["voter"] == w.city.pseudonym(first_voter.id)]
    assert sorted((r["statement_id"], r["value"]) for r in mine) == sorted(
        [(w.statements[0].id, "agree"), (w.statements[1].id, "agree"), (w.statements[2].id, "disagree"),
         (w.rejected.id, "agree")])

    public = rows_of(app, w, "statement-votes", public=True)
    assert len(public) == len(rows) - 1  # the vote on the rejected statement is left out
    assert summary_of(app, w, "statement-votes", public=True).rows == len(public)
    pseudonyms = {r["voter"] for r in public}
    assert w.city.pseudonym(first_voter.id) in pseudonyms
    assert all(p.startswith("p-") and len(p) == 14 for p in pseudonyms)
    assert len(pseudonyms) == 7  # six members and the imported voter, each their own
    imported = [r for r in public if r["statement_id"] == w.statements[0].id and r["value"] == "disagree"]
    assert len(imported) == 1 and imported[0]["voter"] not in {w.city.pseudonym(u.id) for u, _p in w.voters}
    assert [r["statement_id"] for r in public if r["voter"] == imported[0]["voter"]] == [w.statements[0].id]
    assert not any(r["voter"] == first_voter.name for r in public)


def test_budget_results_are_the_voting_services_outcome(app, w):
    rows = rows_of(app, w, "budget-results", public=True)
    with in_city(app, w.city):
        outcome = budget_services.compute(w.process)
    assert [r["project_id"] for r in rows] == [w.bike.id, w.formula.id]
    assert {r["project_id"] for r in rows if r["selected"]} == set(outcome.winner_ids) == {w.bike.id}
    assert [(r["votes"], r["cost"], r["rule"], r["certified"]) for r in rows] == [
        (2, Decimal(60000), "greedy", False), (1, Decimal(30000), "greedy", False)]


def test_budget_results_wait_for_the_vote_to_close_in_open_data(app, w, db):
    from datetime import timedelta

    now = utcnow()
    later, budget_round = w.process.phases[1], w.process.phases[0]
    later.starts_at, later.ends_at = now + timedelta(days=20), now + timedelta(days=30)
    db.session.flush()
    budget_round.ends_at = now + timedelta(days=10)  # the budget vote is still open
    db.session.commit()
    assert summary_of(app, w, "budget-results", public=True) is None
    # As on the results page: those who manage voting see the provisional count; a planner does not.
    assert summary_of(app, w, "budget-results", public=False, viewer=w.facilitator).rows == 2
    assert summary_of(app, w, "budget-results", public=False, viewer=w.planner) is None


def test_poll_results(app, w):
    rows = rows_of(app, w, "poll-results", public=True)
    assert [(r["option"], r["score"], r["place"], r["winner"]) for r in rows] == [
        ("Madang Plaza", 1, 2, False), ("Maple Square", 2, 1, True)]
    assert {r["ballots"] for r in rows} == {3} and all(r["final"] for r in rows)
    assert rows[0]["method"] == "plurality" and rows[0]["question"] == "Name of the new plaza?"


def test_opinion_groups_come_from_the_map(app, w):
    rows = rows_of(app, w, "opinion-groups", public=True)
    assert len(rows) == 3 * 2
    row = next(r for r in rows if r["statement_id"] == w.statements[2].id and r["group"] == "B")
    assert (row["agree"], row["disagree"], row["pass"], row["group_size"]) == (2, 0, 1, 3)
    assert (row["agree_share"], row["pass_share"]) == (round(2 / 3, 4), round(1 / 3, 4))
    assert row["statement"] == "-Parking must stay free"


def test_the_published_vision(app, w):
    assert summary_of(app, w, "vision", public=True) is None  # nothing published yet
    version = publish_vision(app, w)
    rows = rows_of(app, w, "vision", public=True)
    assert rows[0]["section"] == "introduction" and rows[0]["text"] == "우리는 안전한 자전거 도로를 원합니다."
    assert {r["version"] for r in rows} == {version.version}
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    assert any(r["text"] == "Everyone wants shade." and r["section"] == "consensus" for r in rows)
    linked = [r for r in rows if r["evidence_kind"] == "proposal"]
    assert linked and all(r["evidence_url"].endswith(f"/proposals/{r['evidence_id']}") for r in linked)
    assert summary_of(app, w, "vision", public=True).rows == len(rows)


# Formats --------------------------------------------------------------------------------------------------

def _expected_csv(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(("=", "+", "-", "@")) else text


@pytest.mark.parametrize("name", ["proposals", "comments", "statement-votes", "opinion-groups"])
def test_csv_has_a_bom_and_reads_back_to_the_same_rows(app, w, name):
    client = staff(app, w.planner)
    response = client.get(url(w, f"/{name}.csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="seoul-{w.process.slug}-{name}.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    expected = rows_of(app, w, name, public=False)
    assert read[0] == list(expected[0].keys())
    assert read[1:] == [[_expected_csv(v) for v in row.values()] for row in expected]


def test_json_parses_to_the_same_rows(app, w):
    response = staff(app, w.planner).get(url(w, "/proposals.json"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert document["dataset"] == "proposals" and document["licence"]["id"] == "CC-BY-4.0"
    assert [c["name"] for c in document["columns"]][:3] == ["id", "title", "author"]
    expected = rows_of(app, w, "proposals", public=False)
    assert [r["id"] for r in document["rows"]] == [r["id"] for r in expected]
    bike = document["rows"][0]
    assert bike["title"] == expected[0]["title"] and bike["cost"] == 60000 and bike["hidden"] is False
    assert bike["created_at"] == expected[0]["created_at"].isoformat()


def test_xlsx_opens_with_the_same_rows(app, w):
    response = staff(app, w.planner).get(url(w, "/comments.xlsx"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    expected = rows_of(app, w, "comments", public=False)
    assert list(rows[0]) == list(expected[0].keys())
    assert len(rows) == len(expected) + 1
    for got, want in zip(rows[1:], expected, strict=True):
        assert got[0] == want["id"] and (got[6] or "") == want["body"] and got[4] == want["author"]
        assert got[9].replace(microsecond=0) == want["created_at"].replace(tzinfo=None, microsecond=0)


def test_formula_injection_is_neutralised(app, w):
    client = staff(app, w.planner)
    text = client.get(url(w, "/proposals.csv")).get_data().decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text, newline="")))
    titles = [row[1] for row in read[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)
    statements = client.get(url(w, "/vote-totals.csv")).get_data().decode("utf-8-sig")
    assert "'-Parking must stay free" in statements
    book = openpyxl.load_workbook(io.BytesIO(client.get(url(w, "/proposals.xlsx")).get_data()))
    cell = next(c for c in book.worksheets[0]["B"] if str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"  # text, never a formula


# The .pb and Polis downloads ------------------------------------------------------------------------------

def test_pabulib_and_polis_downloads(app, w):
    client = staff(app, w.facilitator)
    pb = client.get(url(w, "/budget.pb"))
    assert pb.status_code == 200
    text = pb.get_data(as_text=True)
    assert text.startswith("META") and "PROJECTS" in text and "VOTES" in text
    assert "num_votes;3" in text
    archive = client.get(url(w, "/polis.zip"))
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as bundle:
        assert sorted(bundle.namelist()) == ["comments.csv", "participants-votes.csv", "summary.csv", "votes.csv"]
        votes = bundle.read("votes.csv").decode().splitlines()
    assert len(votes) == 1 + 6 * 3 + 1  # published statements only


def test_the_exports_page_lists_datasets_with_counts_and_downloads(app, w):
    page = staff(app, w.planner).get(url(w))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("proposals", "comments", "vote-totals", "statement-votes", "budget-results", "poll-results",
                 "opinion-groups"):
        for fmt in ("csv", "json", "xlsx"):
            assert f"/exports/{name}.{fmt}" in html
    assert "/exports/vision." not in html  # not published yet
    assert "/exports/budget.pb" in html and "/exports/polis.zip" in html
    assert "/c/seoul/open-data" in html
    process_page = staff(app, w.planner).get(f"/c/seoul/processes/{w.process.id}").get_data(as_text=True)
    assert url(w) in process_page


# Who may download -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", "/proposals.csv", "/statement-votes.xlsx", "/budget.pb", "/polis.zip"])
def test_citizens_and_other_cities_planners_are_refused(app, make, w, suffix):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    other_planner, _ = member(make, busan, Role.PLANNER)
    moderator, _ = member(make, w.city, Role.MODERATOR)
    for user in (w.citizen, other_planner, moderator):
        response = staff(app, user).get(url(w, suffix))
        assert response.status_code == 403
        assert "facilitators, planners and administrators" in response.get_data(as_text=True)
    anonymous = app.test_client().get(url(w, suffix), buffered=True)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert staff(app, w.facilitator).get(url(w, suffix)).status_code == 200


def test_unknown_datasets_and_other_cities_processes_are_not_found(app, make, w):
    client = staff(app, w.planner)
    assert client.get(url(w, "/passwords.csv")).status_code == 404
    assert client.get(url(w, "/proposals.pdf")).status_code == 404
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    elsewhere = make.process(busan, title="Busan harbour")
    assert client.get(f"/c/seoul/processes/{elsewhere.id}/exports/proposals.csv").status_code == 404
    assert client.get(url(w, "/vision.csv")).status_code == 404  # no published vision


def test_a_download_is_made_when_read_and_one_left_unread_leaves_nothing_behind(app, w):
    import gc

    client = app.test_client()
    login(client, w.planner)
    dropped = client.get(url(w, "/statement-votes.csv"))  # not read: its body is never made
    assert dropped.status_code == 200
    del dropped
    gc.collect()
    later = client.get(url(w, "/proposals.csv"))  # read after its request has ended
    read = list(csv.reader(io.StringIO(later.get_data().decode("utf-8-sig"), newline="")))
    assert [int(row[0]) for row in read[1:]] == [r["id"] for r in rows_of(app, w, "proposals", public=False)]
    assert _db.session.get(type(w.planner), w.planner.id).name == "Planner Bartholomew"  # the test's session lives
