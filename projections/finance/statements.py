"""Financial statements: queries over the ledger read model (R5.3).

Every function takes a psycopg connection, the estates to cover
(``estate_ids``; None = every estate) and ``as_of_position``: only entries at
or before that log position count, which is how a statement is drawn "as the
books stood" at a past moment (:func:`position_at` turns a moment into a
position). Amounts are ``Decimal``, rounded to the currency's minor units,
and every total is per currency: currencies are never added together.

Signs: a *balance* is debit minus credit for assets and expenses and credit
minus debit for liabilities, equity and revenue, so a normal balance is
positive; the trial balance shows the raw debit-minus-credit, which sums to
zero.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import (
    CHART,
    CUSTOMER_CREDIT,
    FUND_BANK,
    FUND_PAYABLE,
    PAYABLES,
    RECEIVABLES,
    Kind,
)
from domain.finance.books import period_end, period_start
from domain.finance.money import MINOR_UNITS, quantum

ZERO = Decimal(0)
CASH_ACCOUNTS = sorted(code for code, a in CHART.items() if a.cash)
AGING_BUCKETS = ("0-30", "31-60", "61-90", ">90")


def position_at(event_log: Any, moment: datetime) -> int:
    """The greatest log position recorded at or before ``moment`` (0 before the first)."""
    from replay.asof import position_at as find  # replay imports the projections

    return find(event_log, moment)


# ---- helpers --------------------------------------------------------------------


def money(amount: Decimal | None, currency: str) -> Decimal:
    """``amount`` at the currency's minor units (the ledger keeps four places)."""
    value = amount if amount is not None else ZERO
    if currency in MINOR_UNITS:
        return value.quantize(quantum(currency))
    return value.normalize()


def _scope(
    estate_ids: Sequence[UUID] | None, as_of_position: int | None, alias: str = "l"
) -> tuple[str, list[Any]]:
    clauses: list[str] = ["true"]
    params: list[Any] = []
    if estate_ids is not None:
        clauses.append(f"{alias}.estate_id = ANY(%s)")
        params.append(list(estate_ids))
    if as_of_position is not None:
        clauses.append(f"{alias}.position <= %s")
        params.append(as_of_position)
    return " AND ".join(clauses), params


def _dates(date_from: date | None, date_to: date | None, alias: str = "l") -> tuple[str, list[Any]]:
    clauses, params = [], []
    if date_from is not None:
        clauses.append(f"{alias}.booked_on >= %s")
        params.append(date_from)
    if date_to is not None:
        clauses.append(f"{alias}.booked_on <= %s")
        params.append(date_to)
    return (" AND ".join(clauses) or "true"), params


def _account(code: str) -> dict[str, Any]:
    a = CHART.get(code)
    if a is None:
        return {"account": code, "name": code, "name_zh": code, "kind": None}
    return {"account": code, "name": a.name, "name_zh": a.name_zh, "kind": a.kind.value}


def _normal(code: str, debit_minus_credit: Decimal) -> Decimal:
    """The balance with the account's normal side positive."""
    a = CHART.get(code)
    return debit_minus_credit if a is None or a.kind.debit_normal else -debit_minus_credit


def _dicts(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


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
    scope, params = _scope(estate_ids, as_of_position, "e")
    dates, date_params = _dates(date_from, date_to, "e")
    paging = "e.position < %s" if before is not None else "true"
    entries = _dicts(
        conn.execute(
            "SELECT e.position, e.estate_id, e.booked_on, e.aggregate, e.event, "
            "e.originator_id, e.originator_version, e.recorded_at, e.memo "
            f"FROM finance_ledger_entries e WHERE {scope} AND {dates} AND {paging} "
            "ORDER BY e.position DESC LIMIT %s",
            [*params, *date_params, *([before] if before is not None else []), limit],
        )
    )
    positions = [e["position"] for e in entries]
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if positions:
        for row in _dicts(
            conn.execute(
                "SELECT position, line_no, account, debit, credit, currency, unit_id, bill_id, "
                "party_id, due_on, memo FROM finance_ledger_lines WHERE position = ANY(%s) "
                "ORDER BY position, line_no",
                [positions],
            )
        ):
            position = row.pop("position")
            row["debit"] = money(row["debit"], row["currency"])
            row["credit"] = money(row["credit"], row["currency"])
            row["account_name"] = _account(row["account"])["name"]
            lines[position].append(row)
    for entry in entries:
        entry["lines"] = lines[entry["position"]]
    more = len(entries) == limit
    return {"items": entries, "next_before": positions[-1] if more and positions else None}


# ---- trial balance ---------------------------------------------------------------


def _balances(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None,
    date_to: date | None,
    as_of_position: int | None,
    accounts: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Per account and currency: opening (before ``date_from``), debit and credit in
    the range, as raw sums."""
    scope, params = _scope(estate_ids, as_of_position)
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    only = "l.account = ANY(%s)" if accounts is not None else "true"
    start = date_from or date.min
    return _dicts(
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
    for r in _balances(conn, estate_ids, date_from, date_to, as_of_position):
        c = r["currency"]
        opening, debit, credit = (money(r[k], c) for k in ("opening", "debit", "credit"))
        rows.append(
            {
                **_account(r["account"]),
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
    currency (sorted), ``account|currency|debit|credit`` lines at four places."""
    rows = conn.execute(
        "SELECT account, currency, sum(debit), sum(credit) FROM finance_ledger_lines "
        "WHERE estate_id = %s AND booked_on BETWEEN %s AND %s AND position <= %s "
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
    for r in _balances(conn, estate_ids, None, at, as_of_position):
        c, code = r["currency"], r["account"]
        raw = money(r["debit"] - r["credit"] + r["opening"], c)
        t = totals.setdefault(
            c, {"assets": ZERO, "liabilities": ZERO, "equity": ZERO, "result": ZERO}
        )
        kind = CHART[code].kind if code in CHART else Kind.ASSET
        if kind in section_of:
            balance = _normal(code, raw)
            sections[section_of[kind]].append({**_account(code), "currency": c, "balance": balance})
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
    for r in _balances(conn, estate_ids, date_from, date_to, as_of_position):
        code, c = r["account"], r["currency"]
        kind = CHART[code].kind if code in CHART else None
        if kind not in (Kind.REVENUE, Kind.EXPENSE):
            continue
        amount = _normal(code, money(r["debit"] - r["credit"], c))
        if amount == 0 and r["debit"] == 0:
            continue
        t = totals.setdefault(c, {"revenue": ZERO, "expense": ZERO, "net_result": ZERO})
        row = {**_account(code), "currency": c, "amount": amount}
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


# ---- cash flow -------------------------------------------------------------------


def _cash_category(counterparts: set[str], inflow: bool) -> str:
    if not counterparts:
        return "transfers between cash accounts"
    if RECEIVABLES in counterparts or CUSTOMER_CREDIT in counterparts:
        return "receipts from owners" if inflow else "refunds to owners"
    if FUND_PAYABLE in counterparts:
        return "maintenance fund deposits" if inflow else "maintenance fund disbursements"
    if PAYABLES in counterparts:
        return "receipts from vendors" if inflow else "payments to vendors"
    return "other receipts" if inflow else "other payments"


def cash_flow(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """现金流量表, direct method, over the cash accounts of the chart: each cash line
    in the range is classified by the other accounts of its entry. Per currency:
    opening cash, amounts per category (inflows positive), net, closing, and
    ``reconciles`` (opening + net = closing)."""
    scope, params = _scope(estate_ids, as_of_position)
    dates, date_params = _dates(date_from, date_to)
    totals: dict[str, dict[str, Any]] = {}

    def currency(c: str) -> dict[str, Any]:
        return totals.setdefault(
            c,
            {
                "opening": ZERO,
                "categories": defaultdict(lambda: ZERO),
                "net": ZERO,
                "closing": ZERO,
            },
        )

    for r in _balances(conn, estate_ids, date_from, date_to, as_of_position, CASH_ACCOUNTS):
        c = r["currency"]
        t = currency(c)
        t["opening"] += money(r["opening"], c)
        t["closing"] += money(r["opening"] + r["debit"] - r["credit"], c)
    rows = conn.execute(
        "SELECT l.currency, l.debit - l.credit, "
        "ARRAY(SELECT DISTINCT o.account FROM finance_ledger_lines o "
        "      WHERE o.position = l.position AND o.account <> ALL(%s)) "
        f"FROM finance_ledger_lines l WHERE {scope} AND {dates} AND l.account = ANY(%s)",
        [CASH_ACCOUNTS, *params, *date_params, CASH_ACCOUNTS],
    ).fetchall()
    for c, amount, counterparts in rows:
        t = currency(c)
        amount = money(amount, c)
        t["categories"][_cash_category(set(counterparts), amount > 0)] += amount
        t["net"] += amount
    for t in totals.values():
        t["categories"] = [{"category": k, "amount": v} for k, v in sorted(t["categories"].items())]
        t["reconciles"] = t["opening"] + t["net"] == t["closing"]
    return {
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "cash_accounts": CASH_ACCOUNTS,
        "totals": totals,
    }


# ---- receivables -----------------------------------------------------------------


def _bucket(days_past_due: int) -> str:
    if days_past_due <= 30:
        return "0-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return ">90"


def receivables_aging(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """应收账款账龄: every bill with an outstanding amount on 1122 at the end of ``at``,
    bucketed by days past its due date ("0-30" includes bills not yet due); totals
    per currency and bucket, and per unit."""
    scope, params = _scope(estate_ids, as_of_position)
    rows = _dicts(
        conn.execute(
            "SELECT l.estate_id, l.bill_id, max(l.unit_id::text)::uuid AS unit_id, l.currency, "
            "max(l.due_on) AS due_on, sum(l.debit - l.credit) AS outstanding "
            f"FROM finance_ledger_lines l WHERE {scope} AND l.account = %s AND l.booked_on <= %s "
            "GROUP BY l.estate_id, l.bill_id, l.currency "
            "HAVING sum(l.debit - l.credit) <> 0 ORDER BY max(l.due_on) NULLS FIRST, l.bill_id",
            [*params, RECEIVABLES, at],
        )
    )
    totals: dict[str, dict[str, Decimal]] = {}
    units: dict[tuple[Any, str], dict[str, Any]] = {}
    for r in rows:
        c = r["currency"]
        r["outstanding"] = money(r["outstanding"], c)
        r["days_past_due"] = max((at - r["due_on"]).days, 0) if r["due_on"] else 0
        r["bucket"] = _bucket(r["days_past_due"])
        t = totals.setdefault(c, {**{b: ZERO for b in AGING_BUCKETS}, "total": ZERO})
        t[r["bucket"]] += r["outstanding"]
        t["total"] += r["outstanding"]
        u = units.setdefault(
            (r["unit_id"], c),
            {
                "unit_id": r["unit_id"],
                "currency": c,
                **{b: ZERO for b in AGING_BUCKETS},
                "total": ZERO,
            },
        )
        u[r["bucket"]] += r["outstanding"]
        u["total"] += r["outstanding"]
    return {
        "at": at,
        "as_of_position": as_of_position,
        "buckets": list(AGING_BUCKETS),
        "bills": rows,
        "units": list(units.values()),
        "totals": totals,
    }


def receivables_control(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Decimal]:
    """The balance of the receivables control account (1122) per currency at ``at``:
    it must equal the aging total."""
    scope, params = _scope(estate_ids, as_of_position)
    rows = conn.execute(
        "SELECT l.currency, sum(l.debit - l.credit) FROM finance_ledger_lines l "
        f"WHERE {scope} AND l.account = %s AND l.booked_on <= %s GROUP BY l.currency",
        [*params, RECEIVABLES, at],
    ).fetchall()
    return {c: money(v, c) for c, v in rows}


# ---- the maintenance fund --------------------------------------------------------


def fund_statement(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """专项维修资金分户账: per unit and currency the fund held for it (2241, a credit
    balance) before the range, deposits (credits) and spending (debits) in it, and
    the closing balance; totals, and the fund bank account's (1002.02) balance."""
    scope, params = _scope(estate_ids, as_of_position)
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    start = date_from or date.min
    rows = _dicts(
        conn.execute(
            "SELECT l.unit_id, l.currency, "
            "coalesce(sum(l.credit - l.debit) FILTER (WHERE l.booked_on < %s), 0) AS opening, "
            "coalesce(sum(l.credit) FILTER (WHERE l.booked_on >= %s), 0) AS deposits, "
            "coalesce(sum(l.debit) FILTER (WHERE l.booked_on >= %s), 0) AS spending "
            f"FROM finance_ledger_lines l WHERE {scope} AND {upper} AND l.account = %s "
            "GROUP BY l.unit_id, l.currency ORDER BY l.currency, l.unit_id",
            [
                start,
                start,
                start,
                *params,
                *([date_to] if date_to is not None else []),
                FUND_PAYABLE,
            ],
        )
    )
    totals: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        c = r["currency"]
        for k in ("opening", "deposits", "spending"):
            r[k] = money(r[k], c)
        r["closing"] = r["opening"] + r["deposits"] - r["spending"]
        t = totals.setdefault(
            c, {"opening": ZERO, "deposits": ZERO, "spending": ZERO, "closing": ZERO}
        )
        for k in t:
            t[k] += r[k]
    bank = _balances(conn, estate_ids, None, date_to, as_of_position, [FUND_BANK])
    fund_bank = {
        r["currency"]: money(r["opening"] + r["debit"] - r["credit"], r["currency"]) for r in bank
    }
    return {
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "units": rows,
        "totals": totals,
        "fund_bank": fund_bank,
    }


# ---- an owner's statement ---------------------------------------------------------


def owner_statement(
    conn: psycopg.Connection[Any],
    unit_id: UUID,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """业主对账单 of one unit: its lines on receivables (1122) and owner credit (2203)
    with a running balance, per currency. The balance is what the owner owes minus
    the credit they hold (debit minus credit over both accounts): positive = owed."""
    position = "l.position <= %s" if as_of_position is not None else "true"
    pos_params = [as_of_position] if as_of_position is not None else []
    start = date_from or date.min
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    upper_params = [date_to] if date_to is not None else []
    opening = dict(
        conn.execute(
            "SELECT l.currency, sum(l.debit - l.credit) FROM finance_ledger_lines l "
            f"WHERE l.unit_id = %s AND l.account = ANY(%s) AND l.booked_on < %s AND {position} "
            "GROUP BY l.currency",
            [unit_id, [RECEIVABLES, CUSTOMER_CREDIT], start, *pos_params],
        ).fetchall()
    )
    rows = _dicts(
        conn.execute(
            "SELECT l.position, l.line_no, l.booked_on, l.account, l.debit, l.credit, "
            "l.currency, l.bill_id, l.due_on, coalesce(nullif(l.memo, ''), e.memo) AS memo, "
            "e.aggregate, e.event FROM finance_ledger_lines l "
            "JOIN finance_ledger_entries e USING (position) "
            f"WHERE l.unit_id = %s AND l.account = ANY(%s) AND l.booked_on >= %s AND {upper} "
            f"AND {position} ORDER BY l.booked_on, l.position, l.line_no",
            [unit_id, [RECEIVABLES, CUSTOMER_CREDIT], start, *upper_params, *pos_params],
        )
    )
    currencies: dict[str, dict[str, Any]] = {}
    for c, amount in opening.items():
        currencies[c] = {"opening": money(amount, c), "lines": [], "debit": ZERO, "credit": ZERO}
    for r in rows:
        c = r["currency"]
        s = currencies.setdefault(
            c, {"opening": money(ZERO, c), "lines": [], "debit": ZERO, "credit": ZERO}
        )
        r["debit"], r["credit"] = money(r["debit"], c), money(r["credit"], c)
        s["debit"] += r["debit"]
        s["credit"] += r["credit"]
        previous = s["lines"][-1]["balance"] if s["lines"] else s["opening"]
        r["balance"] = previous + r["debit"] - r["credit"]
        s["lines"].append(r)
    for s in currencies.values():
        s["closing"] = s["opening"] + s["debit"] - s["credit"]
    return {
        "unit_id": unit_id,
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "currencies": currencies,
    }


def closed_periods(
    conn: psycopg.Connection[Any], estate_ids: Sequence[UUID] | None
) -> list[dict[str, Any]]:
    """The closed periods as the read model has them, oldest first."""
    only = "estate_id = ANY(%s)" if estate_ids is not None else "true"
    return _dicts(
        conn.execute(
            "SELECT estate_id, period, through_position, digest, closed_by, closed_at, position "
            f"FROM finance_closed_periods WHERE {only} ORDER BY estate_id, period",
            [list(estate_ids)] if estate_ids is not None else [],
        )
    )
