"""Reading an import file into rows (``interfaces/importfiles.py``), without a server."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from application.registry.importing import MAX_ROWS, ImportRejected, RowError, check_columns
from application.registry.imports import RESIDENT_COLUMNS, RESIDENT_OPTIONAL
from interfaces.importfiles import XLSX_TYPE, decode, file_kind, read_table


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
    # Latin-1 is neither UTF-8 nor GB18030: refused, naming the line.
    assert _refusal("a\n\u00e9\n".encode("latin-1")) == [(2, None)]


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


# Cells of a Chinese office's sheet: GB2312 hanzi, ASCII, full-width punctuation.
_HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(
    lambda ch: len(ch.encode("gb2312", errors="ignore")) == 2
)
_TEXT = st.text(
    st.one_of(
        _HANZI,
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from("\uff0c\u3002\uff08\uff09"),
    ),
    max_size=40,
)


@given(_TEXT, st.booleans())
def test_utf8_with_or_without_a_bom_reads_as_written(text: str, bom: bool) -> None:
    assert decode(("\ufeff" if bom else "").encode() + text.encode()) == text


@given(_TEXT)
def test_gbk_reads_as_written_unless_its_bytes_are_utf8_too(text: str) -> None:
    gbk = text.encode("gbk")
    try:
        gbk.decode("utf-8")
    except UnicodeDecodeError:
        assert decode(gbk) == text
    else:
        # e.g. 楼 is C2 A5 in GBK, which is ¥ in UTF-8: a short file can be both;
        # one with a few hanzi (any real sheet) is not.
        assert decode(gbk) == gbk.decode("utf-8")


def test_a_gbk_sheet_and_a_utf8_one_read_alike() -> None:
    sheet = "楼栋,房号,楼层,建筑面积\uff08\u33a1\uff09,套内面积(m2)\r\n1号楼,101,1,89.50,72.30\r\n"
    tables = [read_table(body, "csv") for body in (sheet.encode("gbk"), sheet.encode("utf-8-sig"))]
    assert tables[0] == tables[1]
    assert tables[0].columns == ["楼栋", "房号", "楼层", "建筑面积", "套内面积"]
    assert tables[0].rows == [
        (2, {"楼栋": "1号楼", "房号": "101", "楼层": "1", "建筑面积": "89.50", "套内面积": "72.30"})
    ]


def test_a_file_neither_utf8_nor_gb18030_is_refused_naming_its_line() -> None:
    body = "楼栋,房号\n1,101\n".encode("gbk") + b"2,\x80\xff\n"
    with pytest.raises(ImportRejected) as refused:
        read_table(body, "csv")
    [error] = refused.value.errors
    assert error.row == 3 and "line 3" in error.message and "GBK" in error.message


def test_chinese_headers_name_the_english_columns_and_errors_name_them_as_written() -> None:
    body = "楼栋,房号,姓名,关系,入住日期,手机号\nA,1,李雷,业主,2026-01-01,138\n".encode("gbk")
    table = read_table(body, "csv")
    check_columns(table, RESIDENT_COLUMNS, RESIDENT_OPTIONAL)
    assert table.columns == ["building", "unit", "name", "relation", "moved_in_on", "phone"]
    assert table.rows[0][1]["relation"] == "业主"
    refusal = table.refused([RowError(2, "moved_in_on", "a date as YYYY-MM-DD")])
    assert [(e.row, e.column) for e in refusal.errors] == [(2, "入住日期")]


def test_unknown_or_twice_named_chinese_columns_are_refused() -> None:
    table = read_table("楼栋,building,房号,姓名,朝向\n".encode() + b"A,A,1,x,n\n", "csv")
    with pytest.raises(ImportRejected) as refused:
        check_columns(table, RESIDENT_COLUMNS, RESIDENT_OPTIONAL)
    assert {(e.column, e.message.split(";")[0]) for e in refused.value.errors} == {
        ("relation", "required column is missing"),
        ("moved_in_on", "required column is missing"),
        ("朝向", "unknown column"),
        ("building", "names the column building a second time"),
    }
