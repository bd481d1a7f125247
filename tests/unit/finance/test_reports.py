"""Statement exports (R5.3): the same report as a spreadsheet and as a printable PDF."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import ValidationError
from pypdf import PdfReader

from application.reporting import Column, Report, Table
from infrastructure.reports import (
    BUNDLED_FONT,
    MONEY_FORMAT,
    PDF_FONT_AUTO,
    PDF_FONT_CORE,
    format_cell,
    latin1_safe,
    pdf_font_file,
    render_pdf,
    render_xlsx,
    restore_code_points,
    sheet_names,
)
from infrastructure.settings import Settings
from interfaces.http.exports import (
    PDF_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    export_response,
    pdf_font_of,
    safe_filename,
)
from tests.e2e.finance.fonts import ASCII, build_font

CHINESE = "物业管理费收入"
LEDGER_ROWS = 120


def statement() -> Report:
    summary = Table(
        title="Income statement",
        columns=(
            Column("code", "Code"),
            Column("account", "Account"),
            Column("amount", "Amount", "money"),
        ),
        rows=(
            ("4000", "Service charge income", Decimal("12500.00")),
            ("4010", CHINESE, Decimal("980.55")),
            ("5000", '=HYPERLINK("http://evil")', Decimal("-3200.10")),
        ),
        totals=("", "Net result", Decimal("10280.45")),
    )
    ledger = Table(
        title="General ledger: 2026/Q1 [all]",
        columns=(
            Column("date", "Date", "date"),
            Column("entry", "Entry", "number"),
            Column("description", "Description"),
            Column("debit", "Debit", "money"),
            Column("credit", "Credit", "money"),
        ),
        rows=tuple(
            (
                date(2026, 1, 1 + n % 28),
                n + 1,
                f"Entry {n + 1} — {CHINESE if n % 10 == 0 else 'levy'}",
                Decimal(n) + Decimal("0.25"),
                Decimal("0.00"),
            )
            for n in range(LEDGER_ROWS)
        ),
        totals=(None, None, "Total", sum(Decimal(n) + Decimal("0.25") for n in range(120)), 0),
    )
    return Report(
        title="Quarterly statements",
        subtitle="Finance Garden",
        meta=(
            ("Estate", "Finance Garden 花园"),
            ("Period", "2026-01 to 2026-03"),
            ("As of position", "1234"),
            ("Generated at", "2026-04-01 09:00 UTC"),
        ),
        tables=(summary, ledger),
    )


def header_row(sheet, first_title: str) -> int:  # type: ignore[no-untyped-def]
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == first_title:
            return int(row[0].row)
    raise AssertionError(f"no header {first_title!r}")


def test_xlsx_has_one_sheet_per_table_with_excel_legal_names() -> None:
    book = load_workbook(io.BytesIO(render_xlsx(statement())))

    assert book.sheetnames == ["Income statement", "General ledger 2026 Q1 all"]


def test_xlsx_sheet_starts_with_title_and_meta_block() -> None:
    sheet = load_workbook(io.BytesIO(render_xlsx(statement())))["Income statement"]

    assert sheet["A1"].value == "Quarterly statements"
    assert sheet["A1"].font.bold
    labels = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(2, 8)
    }
    assert labels["Estate"] == "Finance Garden 花园"
    assert labels["As of position"] == "1234"


def test_xlsx_header_is_bold_and_frozen_and_money_is_numeric() -> None:
    sheet = load_workbook(io.BytesIO(render_xlsx(statement())))["Income statement"]
    top = header_row(sheet, "Code")

    assert [c.value for c in sheet[top]] == ["Code", "Account", "Amount"]
    assert all(c.font.bold for c in sheet[top])
    assert sheet.freeze_panes == f"A{top + 1}"
    amounts = [sheet.cell(row=top + i, column=3) for i in (1, 2, 3)]
    assert [Decimal(str(c.value)) for c in amounts] == [
        Decimal("12500"),
        Decimal("980.55"),
        Decimal("-3200.10"),
    ]
    assert all(c.number_format == MONEY_FORMAT for c in amounts)
    assert sheet.cell(row=top + 2, column=2).value == CHINESE


def test_xlsx_totals_row_is_bold_and_last() -> None:
    sheet = load_workbook(io.BytesIO(render_xlsx(statement())))["General ledger 2026 Q1 all"]
    top = header_row(sheet, "Date")
    totals = sheet[top + LEDGER_ROWS + 1]

    assert totals[2].value == "Total"
    assert Decimal(str(totals[3].value)) == Decimal("7170.00")
    assert all(c.font.bold for c in totals)
    assert sheet.max_row == top + LEDGER_ROWS + 1
    assert sheet.cell(row=top + 1, column=1).value == datetime(2026, 1, 1)
    assert sheet.cell(row=top + 1, column=2).value == 1


def test_xlsx_never_turns_user_text_into_a_formula() -> None:
    sheet = load_workbook(io.BytesIO(render_xlsx(statement())))["Income statement"]
    top = header_row(sheet, "Code")
    cell = sheet.cell(row=top + 3, column=2)

    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil")'


def test_sheet_names_are_legal_short_and_unique() -> None:
    names = sheet_names(["A/B: [x]?", "A/B: [x]?", "x" * 40, "x" * 40, "", "History", "'q'"])

    assert names[0] == "A B x"
    assert names[1] == "A B x (2)"
    assert names[2] == "x" * 31 and names[3] == "x" * 27 + " (2)"
    assert all(0 < len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[6] == "q"


# ---- PDF: read as a reader reads it (pypdf's text extraction), with a CJK-capable
# font the test makes and with none, so nothing depends on the machine's fonts.


def report_text(report: Report) -> str:
    """Every string the PDF of ``report`` prints (to build a font that covers it)."""
    parts = [report.title, report.subtitle, *(x for pair in report.meta for x in pair)]
    for table in report.tables:
        parts += [table.title, *(c.title for c in table.columns)]
        for row in (*table.rows, *([table.totals] if table.totals else [])):
            parts += [format_cell(v, c.kind) for c, v in zip(table.columns, row, strict=True)]
    return "".join(parts)


@pytest.fixture
def cjk_font(tmp_path: Path) -> Path:
    return build_font(tmp_path / "cjk.ttf", ASCII + report_text(statement()) + "0123456789")


@pytest.fixture(params=["core font", "CJK font"])
def font(request: pytest.FixtureRequest, cjk_font: Path) -> Path | None:
    """Each PDF test runs twice: as on a machine without a CJK font, and with one."""
    return None if request.param == "core font" else cjk_font


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def producer_of(pdf: bytes) -> str:
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.producer is not None
    return str(metadata.producer)


def read_back(text: str) -> str:
    """What a reader of the PDF understands: code points read as their characters,
    line breaks inside wrapped cells ignored."""
    return restore_code_points(re.sub(r"\s+", "", text))


def test_pdf_breaks_the_long_ledger_over_pages_with_page_numbers(font: Path | None) -> None:
    pdf = render_pdf(statement(), font_path=font)
    pages = pages_of(pdf)

    assert pdf.startswith(b"%PDF")
    assert len(pages) > 1
    assert pages[0].startswith("Quarterly statements\nFinance Garden\n")
    for number, text in enumerate(pages, start=1):
        assert text.rstrip().endswith(f"Quarterly statements page {number} of {len(pages)}")
    # the ledger header is repeated on every page the ledger spans
    assert sum("Date Entry Description Debit Credit" in text for text in pages) == len(pages)


def test_pdf_says_the_same_thing_whichever_font_renders_it(font: Path | None) -> None:
    text = "\n".join(pages_of(render_pdf(statement(), font_path=font)))

    assert read_back(CHINESE) in read_back(text)
    assert read_back("Estate Finance Garden 花园") in read_back(text)
    assert read_back("4010 物业管理费收入 980.55") in read_back(text)
    assert read_back("Service charge income 12,500.00") in read_back(text)
    if font is None:
        # The core font has no CJK glyphs: the code points stand in, none is dropped.
        assert "[U+82B1][U+56ED]" in text and "?" not in text
        assert "Entry 1 - " in text
    else:
        assert "Estate Finance Garden 花园" in text
        assert f"4010 {CHINESE} 980.55" in text
        assert "Entry 1 — " in text and "[U+" not in text


def test_pdf_records_the_font_it_used(font: Path | None) -> None:
    pdf = render_pdf(statement(), font_path=font)
    producer = producer_of(pdf)
    resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    fonts = resources["/Font"]
    used = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}

    assert producer.startswith("estatelog (fpdf2 ")
    if font is None:
        assert producer.endswith("; font: Helvetica (core, Latin-1)")
        assert used <= {"/Helvetica", "/Helvetica-Bold"}
    else:
        assert producer.endswith("; font: EstatelogTest (cjk.ttf)")
        # the font named is the one the pages print with (subset-tagged "ABCDEF+name")
        assert {name.split("+")[-1] for name in used} == {"EstatelogTest"}


def test_pdf_is_deterministic(font: Path | None) -> None:
    assert render_pdf(statement(), font_path=font) == render_pdf(statement(), font_path=font)


def test_pdf_with_a_missing_font_file_falls_back_to_the_core_font() -> None:
    pdf = render_pdf(statement(), font_path=Path("/nonexistent/font.ttf"))

    assert producer_of(pdf).endswith("font: Helvetica (core, Latin-1)")
    assert "[U+82B1][U+56ED]" in pages_of(pdf)[0]


def test_pdf_with_a_broken_font_file_falls_back(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    pdf = render_pdf(statement(), font_path=bogus)

    assert producer_of(pdf).endswith("font: Helvetica (core, Latin-1)")
    assert pages_of(pdf)[0].startswith("Quarterly statements")


def test_pdf_embeds_a_unicode_font_when_given_one(cjk_font: Path) -> None:
    pdf = render_pdf(statement(), font_path=cjk_font)

    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf


def test_a_font_without_cjk_glyphs_prints_code_points_not_blanks(tmp_path: Path) -> None:
    """A Latin font (as DejaVu is for Chinese) would print missing glyphs as blanks."""
    latin = build_font(tmp_path / "latin.ttf", ASCII, family="LatinOnly")
    text = pages_of(render_pdf(statement(), font_path=latin))[0]

    assert "Estate Finance Garden [U+82B1][U+56ED]" in text
    assert read_back(CHINESE) in read_back(text)


def test_pdf_uses_landscape_for_wide_tables() -> None:
    wide = Table(
        "Wide",
        tuple(Column(f"c{i}", f"C{i}", "money") for i in range(8)),
        ((Decimal("1.00"),) * 8,),
    )
    page = PdfReader(io.BytesIO(render_pdf(Report("Wide", tables=(wide,))))).pages[0]

    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_latin1_safe_keeps_latin1_and_spells_out_the_rest() -> None:
    assert (
        latin1_safe("Café ¥1 \u2013 \u201cok\u201d \u20ac 花园 \u0150 \uff21")
        == 'Café ¥1 - "ok" EUR [U+82B1][U+56ED] [U+0150] A'
    )


# Characters the core font prints as a look-alike rather than a code point.
LOOK_ALIKES = st.characters().filter(
    lambda ch: (
        ord(ch) >= 256
        and unicodedata.normalize("NFKC", ch) == ch
        and latin1_safe(ch).startswith("[U+")
    )
)


@given(
    st.lists(st.one_of(st.characters(max_codepoint=255).filter(lambda c: c != "["), LOOK_ALIKES))
)
def test_latin1_safe_loses_no_character(chars: list[str]) -> None:
    text = "".join(chars)
    safe = latin1_safe(text)

    assert all(ord(ch) < 256 for ch in safe)
    assert restore_code_points(safe) == text


def test_the_pdf_font_setting_names_a_file_auto_or_core(tmp_path: Path, cjk_font: Path) -> None:
    missing = tmp_path / "missing.ttc"

    assert Settings().pdf_font == PDF_FONT_AUTO
    assert pdf_font_file(PDF_FONT_CORE, candidates=(cjk_font,)) is None
    assert pdf_font_file(PDF_FONT_AUTO, candidates=(missing, cjk_font)) == cjk_font
    assert pdf_font_file(PDF_FONT_AUTO, candidates=(missing,)) is None
    assert pdf_font_file(str(cjk_font)) == cjk_font
    with pytest.raises(ValueError, match="no font file"):
        pdf_font_file(str(missing))
    with pytest.raises(ValidationError, match="no font file"):
        Settings(pdf_font=str(missing))
    assert pdf_font_of(Settings(pdf_font=str(cjk_font))) == cjk_font
    assert pdf_font_of(Settings(pdf_font=PDF_FONT_CORE)) is None


def test_export_response_prints_with_the_font_it_is_given(cjk_font: Path) -> None:
    response = export_response(statement(), "pdf", "statement", pdf_font=cjk_font)
    pdf = bytes(response.body)

    assert producer_of(pdf).endswith("font: EstatelogTest (cjk.ttf)")
    assert CHINESE in pages_of(pdf)[0]


def test_reports_accept_an_empty_report() -> None:
    empty = Report(title="Nothing", meta=(("Generated at", datetime.now(UTC).isoformat()),))

    assert render_pdf(empty).startswith(b"%PDF")
    assert load_workbook(io.BytesIO(render_xlsx(empty))).sheetnames == ["Nothing"]


def test_table_rejects_rows_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="row 0 has 1 cells"):
        Table("T", (Column("a", "A"), Column("b", "B")), (("only one",),))


def test_export_response_is_an_attachment_with_an_ascii_filename() -> None:
    xlsx = export_response(statement(), "xlsx", "income statement 2026/Q1 花园")
    pdf = export_response(statement(), "pdf", "income-statement")

    assert xlsx.media_type == XLSX_MEDIA_TYPE
    assert xlsx.headers["content-disposition"] == (
        'attachment; filename="income-statement-2026-Q1.xlsx"'
    )
    assert pdf.media_type == PDF_MEDIA_TYPE
    assert pdf.headers["content-disposition"] == 'attachment; filename="income-statement.pdf"'
    assert bytes(pdf.body).startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["json", "csv", ""])
def test_export_response_refuses_formats_it_does_not_render(fmt: str) -> None:
    with pytest.raises(ValueError):
        export_response(statement(), fmt, "x")


def test_safe_filename_never_returns_an_empty_or_dotted_name() -> None:
    assert safe_filename("花园") == "report"
    assert safe_filename("../../etc/passwd") == "etc-passwd"


def test_the_default_font_is_the_one_the_package_ships() -> None:
    # On a fresh machine nothing but the package is there: auto must find its font.
    assert pdf_font_file(PDF_FONT_AUTO) == BUNDLED_FONT
    assert pdf_font_of(Settings()) == BUNDLED_FONT
    assert BUNDLED_FONT.stat().st_size < 8_000_000
    assert (BUNDLED_FONT.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") == 1


def test_the_shipped_font_covers_gbk_and_prints_an_owner_statement_in_chinese() -> None:
    glyphs = set(TTFont(BUNDLED_FONT).getBestCmap())
    hanzi = {
        ord(ch)
        for lead in range(0x81, 0xFF)
        for trail in range(0x40, 0xFF)
        for ch in bytes((lead, trail)).decode("gbk", errors="ignore")
        if "\u4e00" <= ch <= "\u9fff"
    }
    # GBK's hanzi: GB2312's 6,763 and the rest of the unified block to U+9FA5.
    assert len(hanzi) == 20902
    assert hanzi <= glyphs
    assert (
        set(map(ord, "0123456789 ABCxyz,.;:()-/%¥\uff0c\u3002\u3001\uff1a\uff08\uff09\u201c\u201d"))
        <= glyphs
    )

    report = Report(
        title="业主对账单",
        subtitle="Owner statement",
        meta=(("房号", "1栋-1201"),),
        tables=(
            Table(
                "CNY",
                (Column("memo", "摘要"), Column("amount", "金额", "money")),
                (("物业管理费 2026年3月", Decimal("1280.50")), ("王堃 刘䶮", Decimal("0"))),
            ),
        ),
    )
    pdf = export_response(report, "pdf", "statement", pdf_font=pdf_font_of(Settings())).body
    text = pages_of(bytes(pdf))[0]

    assert "业主对账单" in text.splitlines()[0]
    assert "物业管理费 2026年3月" in text and "1,280.50" in text
    # 堃 is in GBK, not in GB2312: names use it, and it prints. 䶮 (CJK
    # Extension A, beyond GBK) still falls back, spelled out.
    assert "王堃" in text and "刘[U+4DAE]" in text and "?" not in text
    assert producer_of(bytes(pdf)).endswith("(NotoSansSC-GBK.ttf)")
