"""The balance sheet and income statement in the 企业会计准则 general-enterprise
layouts (一般企业财务报表格式), with their comparative columns.

资产负债表: per line, 期末余额 (``closing``, at the end of ``at``) and 年初余额
(``opening``, at the end of the previous year), receivables net of the allowance,
the result not yet closed in 未分配利润. 利润表: per line, 本期金额 (``current``,
``from``..``to``), 本年累计金额 (``year_to_date``, 1 January..``to``) and 上年同期
(``prior_year``, the same range a year earlier), the year-end closing entries left
out. Which account lands on which line: ``domain/finance/statement_lines.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.errors import ValidationFailed
from domain.finance.accounts import CHART, Kind
from domain.finance.statement_lines import (
    BALANCE_SHEET_SECTIONS,
    EQUITY_LINES,
    INCOME_LINES,
    OPERATING,
    SUBTOTALS,
    StatementLine,
    balance_sheet_line,
    income_line,
)
from projections.finance.statements.books import account_balances
from projections.finance.statements.common import ZERO, money

# The subtotal that follows a line: 营业利润, 利润总额, 净利润.
SUBTOTAL_AFTER = {
    "asset_impairment": "operating_profit",
    "non_operating_expense": "total_profit",
    "income_tax": "net_profit",
}
RETAINED = next(line for line in EQUITY_LINES if line.key == "retained_earnings")


def _row(line: StatementLine | tuple[str, str, str], **amounts: Decimal) -> dict[str, Any]:
    key, name, name_zh = (
        (line.key, line.name, line.name_zh) if isinstance(line, StatementLine) else line
    )
    return {"line": key, "name": name, "name_zh": name_zh, **amounts}


def cas_balance_sheet(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """资产负债表 at the end of ``at`` beside the start of its year, per currency."""
    year_start = date(at.year, 1, 1) - timedelta(days=1)
    cols = {"closing": at, "opening": year_start}
    sums: dict[str, dict[tuple[str, str], dict[str, Decimal]]] = {}
    for col, day in cols.items():
        for r in account_balances(conn, estate_ids, None, day, as_of_position):
            c, code = r["currency"], r["account"]
            raw = money(r["opening"] + r["debit"] - r["credit"], c)
            placed = balance_sheet_line(code)
            section, line = placed if placed is not None else ("equity", RETAINED)
            value = raw if section == "assets" else -raw
            cell = sums.setdefault(c, {}).setdefault((section, line.key), {})
            cell[col] = cell.get(col, ZERO) + value
    currencies: dict[str, Any] = {}
    for c, cells in sums.items():
        out: dict[str, Any] = {}
        totals: dict[str, dict[str, Decimal]] = {}
        for section, (_, _, lines) in BALANCE_SHEET_SECTIONS.items():
            rows = []
            for line in lines:
                got = cells.get((section, line.key), {})
                rows.append(_row(line, **{k: got.get(k, ZERO) for k in cols}))
            out[section] = rows
            totals[section] = {k: sum((r[k] for r in rows), ZERO) for k in cols}
        both = {k: totals["liabilities"][k] + totals["equity"][k] for k in cols}
        totals["liabilities_and_equity"] = both
        out["totals"] = {
            **totals,
            "balanced": all(totals["assets"][k] == both[k] for k in cols),
        }
        currencies[c] = out
    return {
        "at": at,
        "year_start": year_start,
        "as_of_position": as_of_position,
        "columns": {"closing": "期末余额", "opening": "年初余额"},
        "currencies": currencies,
    }


def _total(
    amounts: dict[str, dict[str, Decimal]],
    cols: Any,
    base: str | None,
    plus: Sequence[str],
    minus: Sequence[str],
) -> dict[str, Decimal]:
    return {
        k: (amounts[base][k] if base else ZERO)
        + sum((amounts[x][k] for x in plus), ZERO)
        - sum((amounts[x][k] for x in minus), ZERO)
        for k in cols
    }


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def cas_income_statement(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """利润表 for ``from``..``to`` (``from`` defaults to the 1st of ``to``'s month) with
    the year to ``to`` and the same range a year earlier, per currency."""
    if date_to is None:
        raise ValidationFailed("to: the last day of the income statement is required")
    start = date_from or date_to.replace(day=1)
    if start > date_to:
        raise ValidationFailed("from: after to")
    cols = {
        "current": (start, date_to),
        "year_to_date": (date(date_to.year, 1, 1), date_to),
        "prior_year": (_year_earlier(start), _year_earlier(date_to)),
    }
    sums: dict[str, dict[str, dict[str, Decimal]]] = {}
    for col, (lo, hi) in cols.items():
        rows = account_balances(conn, estate_ids, lo, hi, as_of_position, without_closing=True)
        for r in rows:
            c, code = r["currency"], r["account"]
            line = income_line(code)
            if line is None:
                continue
            movement = money(r["debit"] - r["credit"], c)
            value = -movement if CHART[code].kind is Kind.REVENUE else movement
            cell = sums.setdefault(c, {}).setdefault(line.key, {})
            cell[col] = cell.get(col, ZERO) + value
    currencies: dict[str, Any] = {}
    for c, cells in sums.items():
        amounts = {
            line.key: {k: cells.get(line.key, {}).get(k, ZERO) for k in cols}
            for line in INCOME_LINES
        }
        amounts["operating_profit"] = _total(amounts, cols, None, ["revenue"], OPERATING[1:])
        amounts["total_profit"] = _total(
            amounts, cols, "operating_profit", ["non_operating_income"], ["non_operating_expense"]
        )
        amounts["net_profit"] = _total(amounts, cols, "total_profit", [], ["income_tax"])
        lines: list[dict[str, Any]] = []
        for line in INCOME_LINES:
            lines.append(_row(line, **amounts[line.key]))
            after = SUBTOTAL_AFTER.get(line.key)
            if after is not None:
                lines.append(_row((after, *SUBTOTALS[after]), **amounts[after]))
        currencies[c] = {"lines": lines}
    return {
        "from": start,
        "to": date_to,
        "as_of_position": as_of_position,
        "columns": {
            "current": "本期金额",
            "year_to_date": "本年累计金额",
            "prior_year": "上年同期金额",
        },
        "currencies": currencies,
    }
