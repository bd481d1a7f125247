"""A report as a PDF (fpdf2) that says the same thing in any font (decision 0014)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF, FPDF_VERSION
from fpdf.fonts import FontFace, TTFFont

from application.reporting import Column, Report, Table
from infrastructure.reports.cells import format_cell

# The font that ships in the package (decision 0044): Noto Sans CJK SC cut to GBK
# (people's names reach beyond GB2312), ASCII, Latin-1 and punctuation
# (scripts/build_cjk_font.py; OFL, fonts/OFL.txt), so a fresh install prints
# Chinese without a system font.
BUNDLED_FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GBK.ttf"

# Fonts that cover CJK and Latin, tried in order by ``ESTATELOG_PDF_FONT=auto`` (font
# collections use their first face): the bundled one first, so a report prints the
# same on every machine; the system ones only if a packager left it out. fpdf2 embeds
# only the glyphs actually used.
UNICODE_FONT_CANDIDATES: tuple[Path, ...] = (
    BUNDLED_FONT,
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
    machine (the bundled font, :data:`BUNDLED_FONT`), ``core`` always the core font,
    anything else is the path of a TrueType/OpenType font or collection, which must
    exist.
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
