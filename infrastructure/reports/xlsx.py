"""A report as an xlsx workbook (openpyxl): one sheet per table, typed cells."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from application.reporting import Report, Table
from infrastructure.reports.cells import as_utc_naive, format_cell

MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


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
        cell.value = as_utc_naive(value)
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
