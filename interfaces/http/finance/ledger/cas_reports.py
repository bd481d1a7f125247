"""The 企业会计准则 layouts as xlsx and pdf: 资产负债表 with 期末余额 / 年初余额 and
利润表 with 本期金额 / 本年累计金额 / 上年同期金额, one table per currency; line
names in Chinese by default, English with ``lang="en"``."""

from __future__ import annotations

from typing import Any

from application.reporting import Report
from interfaces.http.finance.ledger.reports import Estates, meta, table
from interfaces.http.finance.ledger.words import ZH, Lang, label, report_titles


def _line_name(row: dict[str, Any], lang: Lang) -> dict[str, Any]:
    return {**row, "line": row["name_zh"] if lang == ZH else row["name"]}


def cas_balance_sheet_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [
        ("line", "Line", "text"),
        ("closing", "Closing", "money"),
        ("opening", "Year start", "money"),
    ]
    tables = []
    for c, sheet in body["currencies"].items():
        t = sheet["totals"]
        rows: list[dict[str, Any]] = []
        for section, total in (
            ("assets", "Total assets"),
            ("liabilities", "Total liabilities"),
            ("equity", "Total owners' equity"),
        ):
            rows += [_line_name(r, lang) for r in sheet[section]]
            rows.append({"line": label(total, lang), **t[section]})
        both = {"line": label("Total liabilities and owners' equity", lang)}
        tables.append(table(c, cols, rows, {**both, **t["liabilities_and_equity"]}, lang))
    return Report(*report_titles("Balance sheet", lang), meta(body, estates, lang), tuple(tables))


def cas_income_statement_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [
        ("line", "Line", "text"),
        ("current", "Current period", "money"),
        ("year_to_date", "Year to date", "money"),
        ("prior_year", "Same period last year", "money"),
    ]
    tables = tuple(
        table(c, cols, [_line_name(r, lang) for r in s["lines"]], lang=lang)
        for c, s in body["currencies"].items()
    )
    return Report(*report_titles("Income statement", lang), meta(body, estates, lang), tables)
