"""The maintenance fund's statement (per unit sub-ledger)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from projections.naming import PLACE_COLUMNS, place_join

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
    the closing balance; totals, and the fund bank account's (1002.02) balance. Each
    unit's row names its estate and number beside its ID (decision 0053)."""
    query, args = _units(estate_ids, date_from, date_to, as_of_position)
    rows = dict_rows(conn.execute(query, args))
    totals: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        _add(totals, _closed(r))
    fund_bank = _fund_bank(conn, estate_ids, date_to, as_of_position)
    return {
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "units": rows,
        "totals": totals,
        "fund_bank": fund_bank,
    }


def fund_batches(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
    *,
    batch: int = 200,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """:func:`fund_statement` for a file, in batches of rows named for their table:
    ``units`` from a server-side cursor, then ``totals`` (per currency) and ``bank``
    (the fund bank account's balance per currency), in one snapshot."""
    query, args = _units(estate_ids, date_from, date_to, as_of_position)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        totals: dict[str, dict[str, Decimal]] = {}
        with conn.cursor(name="fund_statement") as cur:
            cur.itersize = batch
            cur.execute(query, args)  # type: ignore[arg-type]
            names = [d.name for d in cur.description or ()]
            while found := cur.fetchmany(batch):
                rows = [_closed(dict(zip(names, row, strict=True))) for row in found]
                for r in rows:
                    _add(totals, r)
                yield "units", rows
        yield "totals", [{"currency": c, **t} for c, t in totals.items()]
        bank = _fund_bank(conn, estate_ids, date_to, as_of_position)
        yield "bank", [{"currency": c, "balance": v} for c, v in bank.items()]


def _units(
    estate_ids: Sequence[UUID] | None,
    date_from: date | None,
    date_to: date | None,
    as_of_position: int | None,
) -> tuple[str, list[Any]]:
    scope, params = scope_clause(estate_ids, as_of_position)
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    start = date_from or date.min
    return (
        f"SELECT f.unit_id, {PLACE_COLUMNS}, f.currency, f.opening, f.deposits, f.spending "
        "FROM (SELECT l.unit_id, l.currency, "
        "coalesce(sum(l.credit - l.debit) FILTER (WHERE l.booked_on < %s), 0) AS opening, "
        "coalesce(sum(l.credit) FILTER (WHERE l.booked_on >= %s), 0) AS deposits, "
        "coalesce(sum(l.debit) FILTER (WHERE l.booked_on >= %s), 0) AS spending "
        f"FROM finance_ledger_lines l WHERE {scope} AND {upper} AND l.account = %s "
        f"GROUP BY l.unit_id, l.currency) f {place_join('f.unit_id')} "
        "ORDER BY f.currency, f.unit_id",
        [
            start,
            start,
            start,
            *params,
            *([date_to] if date_to is not None else []),
            FUND_PAYABLE,
        ],
    )


def _closed(r: dict[str, Any]) -> dict[str, Any]:
    c = r["currency"]
    for k in ("opening", "deposits", "spending"):
        r[k] = money(r[k], c)
    r["closing"] = r["opening"] + r["deposits"] - r["spending"]
    return r


def _add(totals: dict[str, dict[str, Decimal]], r: dict[str, Any]) -> None:
    t = totals.setdefault(
        r["currency"], {"opening": ZERO, "deposits": ZERO, "spending": ZERO, "closing": ZERO}
    )
    for k in t:
        t[k] += r[k]


def _fund_bank(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_to: date | None,
    as_of_position: int | None,
) -> dict[str, Decimal]:
    bank = account_balances(conn, estate_ids, None, date_to, as_of_position, [FUND_BANK])
    return {
        r["currency"]: money(r["opening"] + r["debit"] - r["credit"], r["currency"]) for r in bank
    }
