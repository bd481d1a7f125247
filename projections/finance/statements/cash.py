"""The direct cash flow statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import (
    CUSTOMER_CREDIT,
    FUND_PAYABLE,
    PAYABLES,
    RECEIVABLES,
)
from projections.finance.statements.books import account_balances
from projections.finance.statements.common import (
    CASH_ACCOUNTS,
    ZERO,
    dates_clause,
    money,
    scope_clause,
)

# ---- cash flow -------------------------------------------------------------------

# Events whose cash line undoes a receipt: the money never arrived, so it lowers
# the receipts of its category rather than showing as money paid out.
UNDONE_RECEIPTS = frozenset({"PaymentReversed"})


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
    scope, params = scope_clause(estate_ids, as_of_position)
    dates, date_params = dates_clause(date_from, date_to)
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

    for r in account_balances(conn, estate_ids, date_from, date_to, as_of_position, CASH_ACCOUNTS):
        c = r["currency"]
        t = currency(c)
        t["opening"] += money(r["opening"], c)
        t["closing"] += money(r["opening"] + r["debit"] - r["credit"], c)
    rows = conn.execute(
        "SELECT l.currency, l.debit - l.credit, "
        "ARRAY(SELECT DISTINCT o.account FROM finance_ledger_lines o "
        "      WHERE o.position = l.position AND o.account <> ALL(%s)), "
        "EXISTS(SELECT 1 FROM finance_ledger_entries e "
        "       WHERE e.position = l.position AND e.event = ANY(%s)) "
        f"FROM finance_ledger_lines l WHERE {scope} AND {dates} AND l.account = ANY(%s)",
        [CASH_ACCOUNTS, sorted(UNDONE_RECEIPTS), *params, *date_params, CASH_ACCOUNTS],
    ).fetchall()
    for c, amount, counterparts, undone in rows:
        t = currency(c)
        amount = money(amount, c)
        inflow = amount > 0 or undone
        t["categories"][_cash_category(set(counterparts), inflow)] += amount
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
