"""Render an :class:`application.reporting.Report` as xlsx (openpyxl) or PDF (fpdf2).

Both renderers are pure functions of their arguments: no clock, no settings, no network.

PDF fonts: the font is an argument of :func:`render_pdf` (``None``: the core font
Helvetica); the service chooses it with the ``ESTATELOG_PDF_FONT`` setting, read by
:func:`pdf_font_file`, whose default is the CJK font shipped in ``fonts/``
(:data:`BUNDLED_FONT`, decision 0044). A PDF must say the same thing whichever font renders it, so a
character the font has no glyph for is never dropped or turned into ``?``: obvious
look-alikes are transliterated (dashes, quotes, full-width punctuation, ``€`` ->
``EUR``) and every other such character is written as its code point, ``[U+82B1]``,
which :func:`restore_code_points` turns back. The PDF names the font it used in its
document info (Producer). See docs/finance/exports.md.
"""

from infrastructure.reports.cells import format_cell
from infrastructure.reports.pdf import (
    BUNDLED_FONT,
    PDF_FONT_AUTO,
    PDF_FONT_CORE,
    PRODUCER,
    UNICODE_FONT_CANDIDATES,
    find_unicode_font,
    latin1_safe,
    pdf_font_file,
    printable,
    render_pdf,
    restore_code_points,
)
from infrastructure.reports.xlsx import MONEY_FORMAT, render_xlsx, sheet_names

__all__ = [
    "BUNDLED_FONT",
    "MONEY_FORMAT",
    "PDF_FONT_AUTO",
    "PDF_FONT_CORE",
    "PRODUCER",
    "UNICODE_FONT_CANDIDATES",
    "find_unicode_font",
    "format_cell",
    "latin1_safe",
    "pdf_font_file",
    "printable",
    "render_pdf",
    "render_xlsx",
    "restore_code_points",
    "sheet_names",
]
