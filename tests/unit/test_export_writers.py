"""The writers on their own: CSV quoting (RFC 4180), the BOM and the formula guard; JSON that parses whatever
the text; XLSX that opens, with text never read as a formula, and rows that go on in a next sheet when one is
full; all of them generators that yield as they go."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import openpyxl
import pytest

from app.exports import writers
from app.exports.datasets import Column

COLUMNS = (Column("id", "integer", "n"), Column("text", "string", "t"), Column("cost", "number", "c"),
           Column("at", "datetime", "a"), Column("ok", "boolean", "b"))
MOMENT = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
AWKWARD = [
    (1, 'Quotes " and, commas', Decimal("1500000.50"), MOMENT, True),
    (2, "Two\nlines and 한국어", Decimal(0), None, False),
    (3, "=SUM(A1:A3)", None, MOMENT, None),
    (4, "+82 10", Decimal(-3), MOMENT, True),
    (5, "-1", Decimal(7), MOMENT, True),
    (6, "@cmd", Decimal(7), MOMENT, True),
    (-7, "\ttabbed", Decimal(7), MOMENT, True),
]


def _csv(rows):
    return b"".join(writers.csv_chunks(COLUMNS, rows)).decode("utf-8")


def test_csv_starts_with_a_bom_and_quotes_as_rfc_4180():
    text = _csv(AWKWARD)
    assert text.startswith("\ufeffid,text,cost,at,ok\r\n")
    assert '"Quotes "" and, commas"' in text
    read = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert read[1] == ["1", 'Quotes " and, commas', "1500000.50", "2026-11-28T09:30:00+00:00", "true"]
    assert read[2] == ["2", "Two\nlines and 한국어", "0", "", "false"]


def test_csv_neutralises_formulas_in_text_and_keeps_numbers():
    read = list(csv.reader(io.StringIO(_csv(AWKWARD)[1:], newline="")))
    assert [row[1] for row in read[3:]] == ["'=SUM(A1:A3)", "'+82 10", "'-1", "'@cmd", "'\ttabbed"]
    assert read[4][2] == "-3" and read[7][0] == "-7"  # numbers are numbers, never prefixed


def test_csv_streams_in_batches():
    chunks = writers.csv_chunks(COLUMNS, ((n, "x", None, None, None) for n in range(5_000)), batch=1_000)
    sizes = [len(c) for c in chunks]
    assert len(sizes) == 5  # a chunk per thousand rows, the header in the first
    assert b"".join(writers.csv_chunks(COLUMNS, [])) == "\ufeffid,text,cost,at,ok\r\n".encode()


def test_json_parses_and_keeps_text_exact():
    head = {"dataset": "test", "licence": {"id": "CC0-1.0"}, "generated_at": MOMENT.isoformat()}
    document = json.loads(b"".join(writers.json_chunks(COLUMNS, AWKWARD, head)))
    assert document["dataset"] == "test" and document["licence"] == {"id": "CC0-1.0"}
    assert [c["name"] for c in document["columns"]] == ["id", "text", "cost", "at", "ok"]
    assert document["rows"][0] == {"id": 1, "text": 'Quotes " and, commas', "cost": 1500000.5,
                                   "at": "2026-11-28T09:30:00+00:00", "ok": True}
    assert document["rows"][2]["text"] == "=SUM(A1:A3)" and document["rows"][2]["cost"] is None
    assert document["rows"][1]["cost"] == 0 and isinstance(document["rows"][1]["cost"], int)
    empty = json.loads(b"".join(writers.json_chunks(COLUMNS, [], head)))
    assert empty["rows"] == []


def test_xlsx_opens_with_a_frozen_header_and_text_never_a_formula():
    body = b"".join(writers.xlsx_chunks(COLUMNS, AWKWARD, "test"))
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["id", "text", "cost", "at", "ok"]
    assert sheet["B4"].value == "=SUM(A1:A3)" and sheet["B4"].data_type == "s"
    assert sheet["C2"].value == pytest.approx(1500000.5) and sheet["D2"].value == datetime(2026, 11, 28, 9, 30)
    assert sheet["E2"].value is True and sheet["B3"].value == "Two\nlines and 한국어"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_xlsx_goes_on_in_a_next_sheet_when_one_is_full(monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 4)  # a sheet of a header and three rows
    body = b"".join(writers.xlsx_chunks(COLUMNS, [(n, "x", None, None, None) for n in range(7)], "votes"))
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["votes", "votes (2)", "votes (3)"]
    ids = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == list(range(7))
    assert all(sheet["A1"].value == "id" for sheet in book.worksheets)
