"""CSV, JSON and XLSX, each written as a generator of byte chunks from a generator of rows, so a response of
a million rows is sent while it is read, in constant memory.

- CSV: UTF-8 with a byte-order mark (Excel then reads Korean correctly), RFC 4180 quoting and CRLF line ends.
  A text cell that a spreadsheet would take for a formula (starting with = + - @, or a tab or carriage return)
  gets a leading apostrophe.
- JSON: one object, `{"dataset", "licence", "generated_at", "columns", "rows"}`, each row an object keyed by
  column name, written row by row.
- XLSX: xlsxwriter in constant-memory mode into a temporary file (an XLSX is a ZIP: its directory comes last),
  then sent in chunks and removed. Text is never read as a formula or a link; a header row, column widths and a
  frozen header; past a sheet's 1,048,576 rows the data goes on in a next sheet."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import islice

from app.exports.datasets import Column

CHUNK = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576


class Format:
    def __init__(self, extension: str, media_type: str, label: str):
        self.extension, self.media_type, self.label = extension, media_type, label


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", "CSV"),
    "json": Format("json", "application/json", "JSON"),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
}


def neutralised(text: str) -> str:
    """A text cell as it may go into a spreadsheet: never a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(value):
    """A value as text for CSV (what the naive reference of the bench writes too): ISO 8601 times, decimal
    numbers as written, true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv_text(value):
    return neutralised(value) if value else value


def _csv_boolean(value):
    return None if value is None else "true" if value else "false"


def _iso(value):
    return value.isoformat() if value is not None else None


def _json_number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _same(value):
    return value


# Each column's conversion, chosen once from its type: a million rows make the cost of every value count. (The
# csv module writes None as an empty field.)
CSV_CONVERSIONS = {"string": _csv_text, "boolean": _csv_boolean, "datetime": _iso}
JSON_CONVERSIONS = {"datetime": _iso, "number": _json_number}


def _converted(columns: Sequence[Column], rows: Iterable[tuple], conversions: dict) -> Iterable:
    steps = [conversions.get(c.type, _same) for c in columns]
    if all(step is _same for step in steps):
        return rows
    return ([step(value) for step, value in zip(steps, row)] for row in rows)


def csv_chunks(columns: Sequence[Column], rows: Iterable[tuple], batch: int = 2_000) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # QUOTE_MINIMAL: RFC 4180's quoting
    buffer.write("\ufeff")
    writer.writerow([c.name for c in columns])
    converted = iter(_converted(columns, rows, CSV_CONVERSIONS))
    while lines := list(islice(converted, batch)):
        writer.writerows(lines)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of an empty dataset
        yield buffer.getvalue().encode("utf-8")


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _json_number(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_chunks(columns: Sequence[Column], rows: Iterable[tuple], head: dict, batch: int = 2_000) -> Iterator[bytes]:
    """`head` holds the dataset's name, licence and time of generation; the columns and rows follow, a batch
    of rows at a time encoded by one call of the (C) encoder."""
    names = [c.name for c in columns]
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    opening = dict(head, columns=[{"name": c.name, "type": c.type, "description": str(c.description)}
                                  for c in columns])
    yield (dumps(opening)[:-1] + ', "rows": [').encode("utf-8")
    converted = iter(_converted(columns, rows, JSON_CONVERSIONS))
    separator = "\n"
    while objects := [dict(zip(names, row)) for row in islice(converted, batch)]:
        yield (separator + dumps(objects)[1:-1]).encode("utf-8")
        separator = ",\n"
    yield b"\n]}\n"


WIDTHS = {"integer": 10, "number": 14, "boolean": 9, "datetime": 20, "string": 40}


def xlsx_chunks(columns: Sequence[Column], rows: Iterable[tuple], sheet_title: str) -> Iterator[bytes]:
    """The rows written into a temporary workbook, then the file sent in chunks and removed. The work happens
    when the first chunk is asked for, so a response starts only once the workbook is complete."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(prefix="madang-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "remove_timezone": True, "tmpdir": tempfile.gettempdir()})
        header = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        number = workbook.add_format({"num_format": "0.####"})
        formats = [moment if c.type == "datetime" else number if c.type == "number" else None for c in columns]

        def new_sheet(index: int):
            name = sheet_title[:28] if index == 1 else f"{sheet_title[:24]} ({index})"
            sheet = workbook.add_worksheet(name)
            for j, column in enumerate(columns):
                sheet.set_column(j, j, max(WIDTHS.get(column.type, 16), len(column.name) + 2))
            sheet.write_row(0, 0, [c.name for c in columns], header)
            sheet.freeze_panes(1, 0)
            return sheet

        sheets = 1
        sheet, r = new_sheet(sheets), 1
        for row in rows:
            if r >= XLSX_MAX_ROWS:
                sheets += 1
                sheet, r = new_sheet(sheets), 1
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, j, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, j, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, j, value, formats[j])
                else:
                    sheet.write_number(r, j, float(value) if isinstance(value, Decimal) else value, formats[j])
            r += 1
        workbook.close()
        with open(path, "rb") as stored:
            while chunk := stored.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def chunks(fmt: str, columns: Sequence[Column], rows: Iterable[tuple], head: dict) -> Iterator[bytes]:
    if fmt == "csv":
        return csv_chunks(columns, rows)
    if fmt == "json":
        return json_chunks(columns, rows, head)
    return xlsx_chunks(columns, rows, head["dataset"])
