"""Reading an import file into rows (``interfaces/importfiles.py``), without a server."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from application.registry.importing import MAX_ROWS, ImportRejected
from interfaces.importfiles import XLSX_TYPE, file_kind, read_table


def _refusal(content: bytes, kind: str = "csv") -> list[tuple[int, str | None]]:
    with pytest.raises(ImportRejected) as refused:
        read_table(content, kind)
    return [(e.row, e.column) for e in refused.value.errors]


def test_the_content_type_names_the_kind_of_file() -> None:
    assert file_kind("text/csv; charset=utf-8") == "csv"
    assert file_kind("TEXT/PLAIN") == "csv"
    assert file_kind(XLSX_TYPE) == "xlsx"
    for refused in ("application/json", None, ""):
        with pytest.raises(ImportRejected):
            file_kind(refused)


def test_rows_keep_their_spreadsheet_numbers_and_headers_are_normalised() -> None:
    table = read_table("\ufeffBuilding,Gross Area\nB1,90\n,\nB2,80\n".encode(), "csv")
    assert table.columns == ["building", "gross_area"]
    assert table.rows == [
        (2, {"building": "B1", "gross_area": "90"}),
        (4, {"building": "B2", "gross_area": "80"}),
    ]


def test_a_short_row_is_padded_and_a_long_one_refused() -> None:
    assert read_table(b"a,b\n1\n", "csv").rows == [(2, {"a": "1", "b": ""})]
    assert _refusal(b"a,b\n1,2,3\n") == [(2, None)]


def test_a_file_without_a_usable_header_or_rows_is_refused() -> None:
    assert _refusal(b"") == [(1, None)]
    assert _refusal(b"a,,b\n1,2,3\n") == [(1, None)]
    assert _refusal(b"a,A\n1,2\n") == [(1, "a")]
    assert _refusal(b"a,b\n") == [(2, None)]
    assert _refusal("a\n\u00e9\n".encode("latin-1")) == [(0, None)]


def test_a_forbidden_character_is_refused_on_its_row_and_column() -> None:
    assert _refusal("name,phone\nLi\u202eaN,1\n".encode()) == [(2, "name")]


def test_a_file_over_the_row_limit_is_refused() -> None:
    body = "a\n" + "x\n" * (MAX_ROWS + 1)
    assert _refusal(body.encode()) == [(MAX_ROWS + 2, None)]


def test_an_xlsx_sheet_reads_as_typed() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["building", "number", "gross_area", "co_owner"])
    sheet.append(["A", 101, 88.5, True])
    sheet.append([None, None, None, None])
    sheet.append(["A", 102, 90.0, False])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "xlsx")
    assert table.rows == [
        (2, {"building": "A", "number": "101", "gross_area": "88.5", "co_owner": "true"}),
        (4, {"building": "A", "number": "102", "gross_area": "90", "co_owner": "false"}),
    ]
    assert _refusal(b"not a zip", "xlsx") == [(0, None)]
