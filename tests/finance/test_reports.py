"""Statement exports (R5.3): the same report as a spreadsheet and as a printable PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from application.reporting import Column, Report, Table
from infrastructure.reports import (
    MONEY_FORMAT,
    latin1_safe,
    render_pdf,
    render_xlsx,
    sheet_names,
)
from interfaces.http.exports import (
    PDF_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    export_response,
    safe_filename,
)

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


def test_pdf_breaks_the_long_ledger_over_pages_with_page_numbers() -> None:
    text = render_pdf(statement(), compress=False).decode("latin-1")
    pages = len(re.findall(r"/Type /Page\b(?!s)", text))

    assert text.startswith("%PDF")
    assert pages > 1
    assert "(Quarterly statements)" in text
    assert f"(page {pages} of ) Tj ({pages})" in text or f"(page {pages} of {pages})" in text
    # the ledger header is repeated on every page the ledger spans
    assert text.count("(Description)") >= 2


def test_pdf_without_a_cjk_font_replaces_chinese_instead_of_failing() -> None:
    missing = Path("/nonexistent/font.ttf")
    pdf = render_pdf(statement(), font_path=missing, compress=False)

    assert pdf.startswith(b"%PDF")
    # fall back to core fonts (unless this machine happens to have a known CJK font)
    assert b"(Service charge income)" in pdf or b"/FontFile2" in pdf


def test_pdf_with_a_broken_font_file_falls_back(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")

    assert render_pdf(statement(), font_path=bogus).startswith(b"%PDF")


def test_pdf_is_deterministic() -> None:
    assert render_pdf(statement()) == render_pdf(statement())


def test_pdf_uses_landscape_for_wide_tables() -> None:
    wide = Table(
        "Wide",
        tuple(Column(f"c{i}", f"C{i}", "money") for i in range(8)),
        ((Decimal("1.00"),) * 8,),
    )
    text = render_pdf(Report("Wide", tables=(wide,)), compress=False).decode("latin-1")

    assert "/MediaBox [0 0 841.89 595.28]" in text


def test_pdf_embeds_a_unicode_font_when_given_one() -> None:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not dejavu.is_file():
        pytest.skip("no DejaVu font on this machine")

    pdf = render_pdf(statement(), font_path=dejavu)

    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf


def test_latin1_safe_keeps_latin1_and_replaces_the_rest() -> None:
    assert (
        latin1_safe("Café ¥1 \u2013 \u201cok\u201d \u20ac 花园 \u0150") == 'Café ¥1 - "ok" EUR ?? O'
    )


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
