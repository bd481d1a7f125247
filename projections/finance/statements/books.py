"""The journal, the trial balance, the balance sheet and income statement, closing digests."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import (
    CHART,
    Kind,
)
from domain.finance.books import period_end, period_start
from domain.finance.year_end import CLOSING_AGGREGATE
from projections.finance.statements.common import (
    ZERO,
    account_row,
    dates_clause,
    dict_rows,
    money,
    normal_balance,
    scope_clause,
)

# A ledger line not of a year-end closing entry (结转损益), which the income statement
# and a period's digest leave out: it closes the period's result, it is not a movement.
NOT_CLOSING = (
    "NOT EXISTS (SELECT 1 FROM finance_ledger_entries c WHERE c.position = {line}position "
    f"AND c.aggregate = '{CLOSING_AGGREGATE}')"
)

# ---- the journal -----------------------------------------------------------------


def journal(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
    before: int | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Entries newest first (by position), each with its lines; ``before`` pages on."""
    upto, params = scope_clause(None, as_of_position, "e")
    dates, date_params = dates_clause(date_from, date_to, "e")
    paging = "e.position < %s" if before is not None else "true"
    where = f"{upto} AND {dates} AND {paging}"
    params += [*date_params, *([before] if before is not None else [])]
    page = (
        "SELECT e.position, e.estate_id, e.booked_on, e.aggregate, e.event, "
        "e.originator_id, e.originator_version, e.recorded_at, e.memo "
        f"FROM finance_ledger_entries e WHERE {{estate}} {where} "
        "ORDER BY e.position DESC LIMIT %s"
    )
    if estate_ids is None:
        sql, args = page.format(estate=""), [*params, limit]
    else:
        # A page an estate off (estate_id, position), merged: a quiet estate's
        # page does not read back through the other estates' entries.
        branches = [f"({page.format(estate='e.estate_id = %s AND')})" for _ in estate_ids]
        sql = (
            f"SELECT * FROM ({' UNION ALL '.join(branches) or page.format(estate='false AND')}) "
            "journal_page ORDER BY position DESC LIMIT %s"
        )
        args = [v for estate in estate_ids for v in (estate, *params, limit)]
        args = [*(args or [*params, limit]), limit]
    entries = dict_rows(conn.execute(sql, args))  # type: ignore[arg-type]
    positions = [e["position"] for e in entries]
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if positions:
        for row in dict_rows(
            conn.execute(
                "SELECT position, line_no, account, debit, credit, currency, unit_id, bill_id, "
                "party_id, due_on, memo, booked_on FROM finance_ledger_lines "
                "WHERE position = ANY(%s) "
                "ORDER BY position, line_no",
                [positions],
            )
        ):
            position = row.pop("position")
            row["debit"] = money(row["debit"], row["currency"])
            row["credit"] = money(row["credit"], row["currency"])
            row["account_name"] = account_row(row["account"])["name"]
            lines[position].append(row)
    for entry in entries:
        entry["lines"] = lines[entry["position"]]
    more = len(entries) == limit
    return {"items": entries, "next_before": positions[-1] if more and positions else None}


# ---- trial balance ---------------------------------------------------------------


def account_balances(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None,
    date_to: date | None,
    as_of_position: int | None,
    accounts: Sequence[str] | None = None,
    without_closing: bool = False,
) -> list[dict[str, Any]]:
    """Per account and currency: opening (before ``date_from``), debit and credit in
    the range, as raw sums; ``without_closing`` leaves out the year-end closing
    entries (结转损益), as the income statement does."""
    scope, params = scope_clause(estate_ids, as_of_position)
    if without_closing:
        scope += f" AND {NOT_CLOSING.format(line='l.')}"
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    only = "l.account = ANY(%s)" if accounts is not None else "true"
    start = date_from or date.min
    return dict_rows(
        conn.execute(
            "SELECT l.account, l.currency, "
            "coalesce(sum(l.debit - l.credit) FILTER (WHERE l.booked_on < %s), 0) AS opening, "
            "coalesce(sum(l.debit) FILTER (WHERE l.booked_on >= %s), 0) AS debit, "
            "coalesce(sum(l.credit) FILTER (WHERE l.booked_on >= %s), 0) AS credit "
            f"FROM finance_ledger_lines l WHERE {scope} AND {upper} AND {only} "
            "GROUP BY l.account, l.currency ORDER BY l.account, l.currency",
            [
                start,
                start,
                start,
                *params,
                *([date_to] if date_to is not None else []),
                *([list(accounts)] if accounts is not None else []),
            ],
        )
    )


def trial_balance(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """试算平衡表: per account and currency the opening balance (before ``date_from``),
    the debit and credit movements in the range and the closing balance, all as
    debit minus credit; ``totals`` per currency, where opening and closing are zero
    and debits equal credits when the books balance (``balanced``)."""
    rows: list[dict[str, Any]] = []
    totals: dict[str, dict[str, Any]] = {}
    for r in account_balances(conn, estate_ids, date_from, date_to, as_of_position):
        c = r["currency"]
        opening, debit, credit = (money(r[k], c) for k in ("opening", "debit", "credit"))
        rows.append(
            {
                **account_row(r["account"]),
                "currency": c,
                "opening": opening,
                "debit": debit,
                "credit": credit,
                "closing": opening + debit - credit,
            }
        )
        t = totals.setdefault(c, {"opening": ZERO, "debit": ZERO, "credit": ZERO, "closing": ZERO})
        for k in t:
            t[k] += rows[-1][k]
    for t in totals.values():
        t["balanced"] = t["opening"] == 0 and t["closing"] == 0 and t["debit"] == t["credit"]
    return {
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "rows": rows,
        "totals": totals,
    }


def period_digest(
    conn: psycopg.Connection[Any], estate_id: UUID, period: str, through_position: int
) -> str:
    """sha256 of the period's canonical trial balance: its movements per account and
    currency (sorted), ``account|currency|debit|credit`` lines at four places. A
    year-end closing entry is no movement of December: it is left out."""
    rows = conn.execute(
        "SELECT account, currency, sum(debit), sum(credit) FROM finance_ledger_lines "
        "WHERE estate_id = %s AND booked_on BETWEEN %s AND %s AND position <= %s "
        f"AND {NOT_CLOSING.format(line='finance_ledger_lines.')} "
        "GROUP BY account, currency ORDER BY account, currency",
        [estate_id, period_start(period), period_end(period), through_position],
    ).fetchall()
    four = Decimal("0.0001")
    text = "".join(
        f"{account}|{currency}|{Decimal(d).quantize(four)}|{Decimal(k).quantize(four)}\n"
        for account, currency, d, k in rows
    )
    return hashlib.sha256(text.encode()).hexdigest()


def first_entry_day(conn: psycopg.Connection[Any], estate_id: UUID) -> date | None:
    row = conn.execute(
        "SELECT min(booked_on) FROM finance_ledger_entries WHERE estate_id = %s", [estate_id]
    ).fetchone()
    return row[0] if row else None


# ---- balance sheet and income statement -------------------------------------------


def balance_sheet(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """资产负债表 at the end of day ``at``: assets, liabilities and equity by account,
    and the current result (revenue minus expense to date, not yet closed into
    retained earnings). ``totals`` per currency check assets = liabilities + equity +
    result (``balanced``)."""
    sections: dict[str, list[dict[str, Any]]] = {"assets": [], "liabilities": [], "equity": []}
    section_of = {Kind.ASSET: "assets", Kind.LIABILITY: "liabilities", Kind.EQUITY: "equity"}
    totals: dict[str, dict[str, Any]] = {}
    for r in account_balances(conn, estate_ids, None, at, as_of_position):
        c, code = r["currency"], r["account"]
        raw = money(r["debit"] - r["credit"] + r["opening"], c)
        t = totals.setdefault(
            c, {"assets": ZERO, "liabilities": ZERO, "equity": ZERO, "result": ZERO}
        )
        kind = CHART[code].kind if code in CHART else Kind.ASSET
        if kind in section_of:
            balance = normal_balance(code, raw)
            sections[section_of[kind]].append(
                {**account_row(code), "currency": c, "balance": balance}
            )
            t[section_of[kind]] += balance
        else:
            t["result"] -= raw  # revenue is a credit, expense a debit
    for t in totals.values():
        t["liabilities_equity_and_result"] = t["liabilities"] + t["equity"] + t["result"]
        t["balanced"] = t["assets"] == t["liabilities_equity_and_result"]
    return {"at": at, "as_of_position": as_of_position, **sections, "totals": totals}


def income_statement(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """利润表 for the range: revenue and expense per account (each positive on its
    normal side) and the net result per currency."""
    revenue: list[dict[str, Any]] = []
    expense: list[dict[str, Any]] = []
    totals: dict[str, dict[str, Decimal]] = {}
    rows = account_balances(
        conn, estate_ids, date_from, date_to, as_of_position, without_closing=True
    )
    for r in rows:
        code, c = r["account"], r["currency"]
        kind = CHART[code].kind if code in CHART else None
        if kind not in (Kind.REVENUE, Kind.EXPENSE):
            continue
        amount = normal_balance(code, money(r["debit"] - r["credit"], c))
        if amount == 0 and r["debit"] == 0:
            continue
        t = totals.setdefault(c, {"revenue": ZERO, "expense": ZERO, "net_result": ZERO})
        row = {**account_row(code), "currency": c, "amount": amount}
        if kind is Kind.REVENUE:
            revenue.append(row)
            t["revenue"] += amount
        else:
            expense.append(row)
            t["expense"] += amount
        t["net_result"] = t["revenue"] - t["expense"]
    return {
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "revenue": revenue,
        "expense": expense,
        "totals": totals,
    }


def closed_periods(
    conn: psycopg.Connection[Any], estate_ids: Sequence[UUID] | None
) -> list[dict[str, Any]]:
    """The closed periods as the read model has them, oldest first."""
    only = "estate_id = ANY(%s)" if estate_ids is not None else "true"
    return dict_rows(
        conn.execute(
            "SELECT estate_id, period, through_position, digest, closed_by, closed_at, position "
            f"FROM finance_closed_periods WHERE {only} ORDER BY estate_id, period",
            [list(estate_ids)] if estate_ids is not None else [],
        )
    )
