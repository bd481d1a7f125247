"""The maintenance fund's statement (per unit sub-ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import (
    FUND_BANK,
    FUND_PAYABLE,
)
from projections.finance.statements.books import account_balances
from projections.finance.statements.common import ZERO, dict_rows, money, scope_clause

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
    scope, params = scope_clause(estate_ids, as_of_position)
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    start = date_from or date.min
    rows = dict_rows(
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
    bank = account_balances(conn, estate_ids, None, date_to, as_of_position, [FUND_BANK])
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
