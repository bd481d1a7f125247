"""Reading an import file (CSV or xlsx) into the rows a registry import decides on.

What the bytes are is the interface's business (the HTTP body, the demo's
files); what the rows mean is the handler's (``application/registry/imports.py``).
Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record row 2. Blank rows are skipped but keep their numbers.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from application.registry.importing import MAX_ROWS, ImportRejected, RowError, Table
from domain.text import describe, forbidden_character

CSV_TYPES = ("text/csv", "application/csv", "text/plain")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENCODINGS = ("utf-8-sig", "gb18030")
#: A unit in a header's brackets, full-width or not: 建筑面积(㎡), "Gross area (m2)".
_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)$")


def file_kind(content_type: str | None) -> str:
    """``csv`` or ``xlsx`` from a Content-Type; anything else is refused."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in CSV_TYPES:
        return "csv"
    if mime == XLSX_TYPE:
        return "xlsx"
    raise ImportRejected(
        [RowError(0, None, f"send the file as text/csv or {XLSX_TYPE}, not {mime or 'nothing'}")]
    )


def read_table(content: bytes, kind: str) -> Table:
    raw = _read_csv(content) if kind == "csv" else _read_xlsx(content)
    if not raw:
        raise ImportRejected([RowError(1, None, "the file is empty: it needs a header row")])
    header = [_header(c) for c in raw[0]]
    if any(not c for c in header):
        raise ImportRejected([RowError(1, None, "every column of the header row needs a name")])
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise ImportRejected([RowError(1, c, "the column appears twice") for c in duplicated])
    table = Table(columns=header)
    for number, values in enumerate(raw[1:], start=2):
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        _check_text(number, header, cells)
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise ImportRejected(
                [RowError(number, None, f"{len(cells)} values for {len(header)} columns")]
            )
        cells += [""] * (len(header) - len(cells))
        table.rows.append((number, dict(zip(header, cells[: len(header)], strict=True))))
        if len(table.rows) > MAX_ROWS:
            raise ImportRejected(
                [RowError(number, None, f"at most {MAX_ROWS} rows in one file; split it")]
            )
    if not table.rows:
        raise ImportRejected([RowError(2, None, "the file has a header but no rows")])
    return table


def _check_text(number: int, header: list[str], cells: list[str]) -> None:
    # Every imported value is a name, a code or a number: one line of text.
    errors = [
        RowError(number, column, f"{found[0]} {describe(found[1])} is not allowed")
        for column, cell in zip(header, cells, strict=False)
        if (found := forbidden_character(cell)) is not None
    ]
    if errors:
        raise ImportRejected(errors)


def decode(content: bytes) -> str:
    """The text of a CSV file as Chinese offices save it: UTF-8 (with or without the
    byte-order mark Excel writes) or GB18030, which includes GBK and GB2312.

    UTF-8 is tried strictly first: GB18030 would read most UTF-8 Chinese as other,
    wrong hanzi, while GBK text is almost never valid UTF-8. A file that is neither
    is refused naming the line of the byte that the decoder reading further stopped
    at: that is the encoding the file most likely meant.
    """
    stops: list[int] = []
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError as error:
            stops.append(error.start)
    where = max(stops)
    line = content.count(b"\n", 0, where) + 1
    raise ImportRejected(
        [
            RowError(
                line,
                None,
                f"the file is neither UTF-8 nor GBK/GB18030: line {line} has a byte "
                f"(0x{content[where]:02X}) neither can read; save it as CSV UTF-8",
            )
        ]
    )


def _read_csv(content: bytes) -> list[list[str]]:
    text = decode(content)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise ImportRejected([RowError(0, None, f"not a CSV file: {error}")]) from None


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook  # imported on use: a second or so of start-up

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # any unreadable file is the sender's error
        raise ImportRejected([RowError(0, None, f"not an xlsx workbook: {error}")]) from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _header(value: Any) -> str:
    # NFKC makes full-width brackets and letters plain ones.
    text = unicodedata.normalize("NFKC", _cell(value))
    return _UNIT_SUFFIX.sub("", text).strip().lower().replace(" ", "_")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # A spreadsheet's 85.5 is a binary float; its shortest repr is what was typed.
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, (date, Decimal, int)):
        return str(value)
    return unicodedata.normalize("NFC", str(value).strip())
