"""Render an :class:`application.reporting.Report` as xlsx (openpyxl) or PDF (fpdf2).

Both renderers are pure functions of their arguments: no clock, no settings, no network.

PDF fonts: the font is an argument of :func:`render_pdf` (``None``: the core font
Helvetica); the service chooses it with the ``ESTATELOG_PDF_FONT`` setting, read by
:func:`pdf_font_file`. A PDF must say the same thing whichever font renders it, so a
character the font has no glyph for is never dropped or turned into ``?``: obvious
look-alikes are transliterated (dashes, quotes, full-width punctuation, ``€`` ->
``EUR``) and every other such character is written as its code point, ``[U+82B1]``,
which :func:`restore_code_points` turns back. The PDF names the font it used in its
document info (Producer). See docs/finance/exports.md.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF, FPDF_VERSION
from fpdf.fonts import FontFace, TTFFont
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from application.reporting import Column, Report, Table

MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Fonts that cover CJK and Latin, tried in order by ``ESTATELOG_PDF_FONT=auto`` (font
# collections use their first face). fpdf2 embeds only the glyphs actually used.
UNICODE_FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
)

PRODUCER = f"estatelog (fpdf2 {FPDF_VERSION})"

# A table with more columns than this is printed on landscape pages.
PORTRAIT_MAX_COLUMNS = 6

# PDF metadata date: fixed so the same report renders to the same bytes. The report's
# own "Generated at" meta line carries the real time.
_PDF_CREATION_DATE = datetime(2000, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- cells


def _as_utc_naive(value: datetime) -> datetime:
    """Excel has no time zones: aware datetimes are written as naive UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def format_cell(value: Any, kind: str) -> str:
    """The text a cell shows in the PDF (and the basis of xlsx column widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money" and isinstance(value, Decimal | int):
        amount = Decimal(value)
        if not amount.is_finite():
            return str(amount)
        exponent = amount.as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
        return f"{amount:,.{places}f}"
    if kind == "number" and isinstance(value, Decimal | int) and Decimal(value).is_finite():
        return f"{value:,}"
    if isinstance(value, datetime):
        return _as_utc_naive(value).strftime("%Y-%m-%d %H:%M") + (
            " UTC" if value.tzinfo is not None else ""
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- xlsx

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_MAX = 31


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Excel-legal, case-insensitively unique sheet names for ``titles``, in order.

    Excel forbids ``[]:*?/\\``, names longer than 31 characters, leading or trailing
    apostrophes, blank names and the reserved name "History".
    """
    used: set[str] = set()
    names: list[str] = []
    for index, title in enumerate(titles, start=1):
        base = _SHEET_FORBIDDEN.sub(" ", title)
        base = " ".join(base.split()).strip("'").strip()[:_SHEET_NAME_MAX].strip()
        if not base or base.casefold() == "history":
            base = f"{base or 'Sheet'} {index}".strip()
        name, counter = base, 2
        while name.casefold() in used:
            suffix = f" ({counter})"
            name = base[: _SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
            counter += 1
        used.add(name.casefold())
        names.append(name)
    return names


def _write_cell(sheet: Worksheet, row: int, column: int, value: Any, kind: str) -> None:
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, datetime):
        cell.value = _as_utc_naive(value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        cell.value = value
        if kind == "money":
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, int) or value == value.to_integral_value():
            cell.number_format = INTEGER_FORMAT
    else:
        cell.value = str(value)
        # openpyxl turns any string starting with "=" into a formula; account names and
        # descriptions are user input, so they must stay text (no formula injection).
        cell.data_type = "s"
    if kind in ("money", "number"):
        cell.alignment = Alignment(horizontal="right")


def _write_meta(sheet: Worksheet, report: Report, table: Table) -> int:
    """Title, subtitle, meta lines and the table title; returns the next free row."""
    sheet.cell(row=1, column=1, value=report.title).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).data_type = "s"
    row = 2
    if report.subtitle:
        sheet.cell(row=row, column=1, value=report.subtitle).data_type = "s"
        row += 1
    for label, value in report.meta:
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        sheet.cell(row=row, column=1).data_type = "s"
        sheet.cell(row=row, column=2, value=value).data_type = "s"
        row += 1
    if table.title and table.title != report.title:
        sheet.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=12)
        sheet.cell(row=row, column=1).data_type = "s"
        row += 1
    return row + 1  # one blank row before the header


def _display_width(text: str) -> int:
    """Approximate character cells: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_table(sheet: Worksheet, report: Report, table: Table) -> None:
    header_row = _write_meta(sheet, report, table)
    widths = [_display_width(column.title) for column in table.columns]
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=header_row, column=index, value=column.title)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        if column.kind in ("money", "number"):
            cell.alignment = Alignment(horizontal="right")
    body: list[tuple[tuple[Any, ...], bool]] = [(row, False) for row in table.rows]
    if table.totals is not None:
        body.append((table.totals, True))
    for offset, (values, is_total) in enumerate(body, start=1):
        for index, (column, value) in enumerate(zip(table.columns, values, strict=True)):
            _write_cell(sheet, header_row + offset, index + 1, value, column.kind)
            if is_total:
                sheet.cell(row=header_row + offset, column=index + 1).font = Font(bold=True)
            widths[index] = max(widths[index], _display_width(format_cell(value, column.kind)))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def render_xlsx(report: Report) -> bytes:
    """One worksheet per table, each headed by the report title and meta lines.

    Money is written as numbers (from ``Decimal``) formatted ``#,##0.00``; the header
    row is bold and frozen, the totals row bold. A report without tables gets a single
    sheet with the meta block.
    """
    workbook = Workbook()
    default = workbook.active
    tables = report.tables
    if not tables:
        assert default is not None
        default.title = sheet_names([report.title])[0]
        _write_meta(default, report, Table(title="", columns=(), rows=()))
    else:
        if default is not None:
            workbook.remove(default)
        for name, table in zip(sheet_names(t.title for t in tables), tables, strict=True):
            _write_table(workbook.create_sheet(title=name), report, table)
    workbook.properties.title = report.title
    workbook.properties.creator = "estatelog"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- pdf

_CORE_FONT = "Helvetica"
_UNICODE_FONT = "ReportUnicode"
PDF_FONT_AUTO = "auto"
PDF_FONT_CORE = "core"

# Look-alikes that keep the meaning; anything else without a glyph becomes [U+XXXX].
_FALLBACKS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"',
    "\u201d": '"', "\u201e": '"', "\u2026": "...", "\u2022": "*", "\u20ac": "EUR",
    "\u3000": " ", "\u3001": ",", "\u3002": ".", "\uff0c": ",", "\uff1a": ":",
    "\uff08": "(", "\uff09": ")",
}  # fmt: skip
_CODE_POINT = re.compile(r"\[U\+([0-9A-F]{4,6})\]")


def printable(text: str, has_glyph: Callable[[str], bool]) -> str:
    """``text`` with each character ``has_glyph`` refuses replaced by a look-alike
    (itself printable) or by its code point, so no character is lost."""
    out: list[str] = []
    for ch in text:
        if has_glyph(ch):
            out.append(ch)
            continue
        # NFKC maps full-width letters and other compatibility forms to plain ones
        # without dropping accents, so "ő" stays itself and is written as a code point.
        alike = _FALLBACKS.get(ch) or unicodedata.normalize("NFKC", ch)
        if alike != ch and all(has_glyph(c) for c in alike):
            out.append(alike)
        else:
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


def latin1_safe(text: str) -> str:
    """``text`` as the core fonts (Latin-1) can print it: see :func:`printable`."""
    return printable(text, lambda ch: ord(ch) < 256)


def restore_code_points(text: str) -> str:
    """Undo the ``[U+XXXX]`` notation of :func:`printable` (what a reader can do by eye)."""
    return _CODE_POINT.sub(lambda m: chr(int(m.group(1), 16)), text)


def find_unicode_font(candidates: Sequence[Path] = UNICODE_FONT_CANDIDATES) -> Path | None:
    """The first existing font file among ``candidates``, or None."""
    for path in candidates:
        if path.is_file():
            return path
    return None


def pdf_font_file(
    setting: str, candidates: Sequence[Path] = UNICODE_FONT_CANDIDATES
) -> Path | None:
    """The font file that ``ESTATELOG_PDF_FONT`` names; None means the core font.

    ``auto`` (the default) takes the first of ``candidates`` that exists on this
    machine, ``core`` always the core font, anything else is the path of a
    TrueType/OpenType font or collection, which must exist.
    """
    if setting == PDF_FONT_CORE:
        return None
    if setting == PDF_FONT_AUTO:
        return find_unicode_font(candidates)
    path = Path(setting)
    if not path.is_file():
        raise ValueError(
            f"ESTATELOG_PDF_FONT: no font file at {setting!r} "
            f"(give a .ttf/.otf/.ttc path, {PDF_FONT_AUTO!r} or {PDF_FONT_CORE!r})"
        )
    return path


class _ReportPDF(FPDF):
    """FPDF with a "page N of M" footer and the report's text sanitiser."""

    def __init__(self, orientation: str, unicode_font: Path | None) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.report_font = _CORE_FONT
        self._glyphs: frozenset[int] = frozenset()
        self._font_name = ""
        if unicode_font is not None and self._try_add_font(unicode_font):
            self.report_font = _UNICODE_FONT
        self.footer_label = ""

    def _try_add_font(self, path: Path) -> bool:
        try:
            self.add_font(_UNICODE_FONT, "", str(path))
            # No separate bold face is assumed to exist; bold text uses the same glyphs.
            self.add_font(_UNICODE_FONT, "B", str(path))
        except Exception:  # a broken or unsupported font file must not break the report
            self.fonts.pop(_UNICODE_FONT.lower(), None)
            self.fonts.pop(_UNICODE_FONT.lower() + "B", None)
            return False
        font = self.fonts[_UNICODE_FONT.lower()]
        assert isinstance(font, TTFFont)
        self._glyphs = frozenset(font.cmap)
        self._font_name = f"{font.name} ({path.name})"
        return True

    @property
    def uses_unicode_font(self) -> bool:
        return self.report_font == _UNICODE_FONT

    @property
    def font_name(self) -> str:
        """The font this PDF prints with, as recorded in its document info."""
        return self._font_name if self.uses_unicode_font else f"{_CORE_FONT} (core, Latin-1)"

    def text_of(self, text: str) -> str:
        if not self.uses_unicode_font:
            return latin1_safe(text)
        glyphs = self._glyphs
        # Whitespace prints as a gap whether or not the font draws it.
        return printable(text, lambda ch: ord(ch) in glyphs or ch in " \n")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.report_font, "", 8)
        self.cell(0, 6, self.text_of(self.footer_label), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 6, f"page {self.page_no()} of {{nb}}", align="R")


def _pdf_orientation(report: Report) -> str:
    widest = max((len(table.columns) for table in report.tables), default=0)
    return "L" if widest > PORTRAIT_MAX_COLUMNS else "P"


def _column_fractions(pdf: _ReportPDF, table: Table) -> tuple[float, ...]:
    """Relative column widths from the widest cell (capped so one column cannot starve the rest)."""
    widths: list[float] = []
    cells = [*table.rows, *([table.totals] if table.totals is not None else [])]
    for index, column in enumerate(table.columns):
        pdf.set_font(pdf.report_font, "B", 9)
        widest = pdf.get_string_width(pdf.text_of(column.title))
        pdf.set_font(pdf.report_font, "", 9)
        for row in cells[:500]:  # enough to judge; very long tables need not be measured fully
            text = pdf.text_of(format_cell(row[index], column.kind))
            widest = max(widest, pdf.get_string_width(text))
        widths.append(min(max(widest, 12.0), 90.0) + 4)
    return tuple(widths)


def _write_pdf_table(pdf: _ReportPDF, table: Table) -> None:
    if pdf.will_page_break(30):  # never leave a table title alone at the foot of a page
        pdf.add_page()
    if table.title:
        pdf.set_font(pdf.report_font, "B", 12)
        pdf.multi_cell(0, 7, pdf.text_of(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    if not table.columns:
        return
    pdf.set_font(pdf.report_font, "", 9)
    aligns = tuple("RIGHT" if c.kind in ("money", "number") else "LEFT" for c in table.columns)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=_column_fractions(pdf, table),
        text_align=aligns,
        line_height=5,
        padding=(0.8, 1.5),
        repeat_headings=1,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        width=pdf.epw,
    ) as grid:
        grid.row([pdf.text_of(column.title) for column in table.columns])
        for values in table.rows:
            grid.row(_pdf_row(pdf, table.columns, values))
        if table.totals is not None:
            grid.row(_pdf_row(pdf, table.columns, table.totals), style=bold)
    pdf.ln(6)


def _pdf_row(pdf: _ReportPDF, columns: Sequence[Column], values: Sequence[Any]) -> list[str]:
    return [pdf.text_of(format_cell(v, c.kind)) for c, v in zip(columns, values, strict=True)]


def render_pdf(report: Report, *, font_path: Path | None = None, compress: bool = True) -> bytes:
    """An A4 PDF: title, subtitle, meta lines, then each table with repeated headers.

    Pages are landscape when any table has more than :data:`PORTRAIT_MAX_COLUMNS`
    columns. Money and numbers are right-aligned; the footer reads "page N of M".
    ``font_path`` names a Unicode TrueType font to embed (an unreadable one falls
    back); without it the core font prints Latin-1. Text the font cannot print is
    written as look-alikes or code points (see module docstring), and the document
    info's Producer names the font used. ``compress=False`` leaves page streams
    readable.
    """
    pdf = _ReportPDF(_pdf_orientation(report), font_path)
    pdf.set_compression(compress)
    pdf.set_creation_date(_PDF_CREATION_DATE)
    pdf.set_title(report.title)
    pdf.set_creator("estatelog")
    pdf.set_producer(f"{PRODUCER}; font: {pdf.font_name}")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.footer_label = report.title
    pdf.add_page()

    pdf.set_font(pdf.report_font, "B", 16)
    pdf.multi_cell(0, 8, pdf.text_of(report.title), new_x="LMARGIN", new_y="NEXT")
    if report.subtitle:
        pdf.set_font(pdf.report_font, "", 11)
        pdf.multi_cell(0, 6, pdf.text_of(report.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in report.meta:
        pdf.set_font(pdf.report_font, "B", 9)
        pdf.cell(40, 5, pdf.text_of(label))
        pdf.set_font(pdf.report_font, "", 9)
        pdf.multi_cell(0, 5, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    for table in report.tables:
        _write_pdf_table(pdf, table)
    return bytes(pdf.output())
