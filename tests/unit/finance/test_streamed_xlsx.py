"""The streamed workbook says what the whole one says, whatever the text; a PDF
is bounded."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from application.reporting import Column, Report, Table
from infrastructure.reports import render_xlsx
from infrastructure.reports.xlsx_stream import CHUNK, stream_xlsx
from interfaces.http.exports import PDF_ROW_LIMIT, export_response
from interfaces.http.problems import Problem
from tests.unit.finance.test_reports import statement


def cells(book: bytes) -> dict[str, list[list[tuple[Any, str]]]]:
    """Each sheet's rows as (value, number format) of the cells that hold a value."""
    workbook = load_workbook(io.BytesIO(book))
    return {
        sheet.title: [
            [(c.value, c.number_format) for c in row if c.value is not None]
            for row in sheet.iter_rows()
        ]
        for sheet in workbook
    }


def without_totals(report: Report) -> Report:
    # A streamed table has rows only: its totals, if any, are rows of their own.
    return replace(report, tables=tuple(replace(t, totals=None) for t in report.tables))


def test_the_streamed_workbook_holds_the_cells_of_the_whole_one() -> None:
    report = without_totals(statement())
    whole = cells(render_xlsx(report))
    streamed = cells(b"".join(stream_xlsx(report, [])))
    assert streamed == whole
    book = load_workbook(io.BytesIO(b"".join(stream_xlsx(report, []))))
    frozen = [s.freeze_panes for s in load_workbook(io.BytesIO(render_xlsx(report)))]
    assert [s.freeze_panes for s in book] == frozen
    assert book.properties.title == report.title


def test_rows_in_batches_land_under_their_tables_header_in_order() -> None:
    report = without_totals(statement())
    heads = replace(report, tables=tuple(replace(t, rows=()) for t in report.tables))
    summary, ledger = report.tables
    batches = [
        (0, summary.rows[:1]),
        (0, summary.rows[1:]),
        *((1, ledger.rows[i : i + 7]) for i in range(0, len(ledger.rows), 7)),
    ]
    chunks = list(stream_xlsx(heads, batches))
    assert cells(b"".join(chunks)) == cells(render_xlsx(report))


def test_a_big_sheet_leaves_in_chunks_as_it_is_written() -> None:
    columns = (Column("n", "N", "number"), Column("text", "Text"))
    report = Report("Long", tables=(Table("Rows", columns, ()),))
    rows = ((n, f"row {n:06d} {n * 7919 % 104729}") for n in range(60_000))
    sizes = [len(c) for c in stream_xlsx(report, ((0, [row]) for row in rows))]
    assert len(sizes) > 5 and max(sizes[:-1]) < 2 * CHUNK


def test_tables_come_in_order() -> None:
    columns = (Column("a", "A"),)
    report = Report("Two", tables=(Table("One", columns, ()), Table("Two", columns, ())))
    with pytest.raises(ValueError, match="after table 1"):
        b"".join(stream_xlsx(report, [(1, [("x",)]), (0, [("y",)])]))


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_text_stays_text(text: str) -> None:
    columns = (Column("text", "Text"), Column("amount", "Amount", "money"))
    report = Report("Texts", tables=(Table("Texts", columns, ((text, None),)),))
    [*_, row] = cells(b"".join(stream_xlsx(report, [])))["Texts"]
    # A spreadsheet cell cannot hold C0 controls; they read back as U+FFFD.
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)
    assert row == [(expected, "General")]


def test_a_pdf_prints_at_most_its_row_limit_and_names_the_workbook_beyond() -> None:
    columns = (Column("n", "N", "number"),)

    def report(rows: int) -> Report:
        half = tuple((n,) for n in range(rows // 2))
        rest = tuple((n,) for n in range(rows - rows // 2))
        return Report("Rows", tables=(Table("A", columns, half), Table("B", columns, rest)))

    assert export_response(report(PDF_ROW_LIMIT), "pdf", "rows").body.startswith(b"%PDF")
    with pytest.raises(Problem, match="format=xlsx") as refused:
        export_response(report(PDF_ROW_LIMIT + 1), "pdf", "rows")
    assert refused.value.status == 422
    assert export_response(report(PDF_ROW_LIMIT + 1), "xlsx", "rows").body[:2] == b"PK"
