"""What every statement shares: the scope of a query, rounding, the chart's names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.accounts import (
    CHART,
)
from domain.finance.money import MINOR_UNITS, quantum
from domain.finance.provision import BUCKETS

ZERO = Decimal(0)
CASH_ACCOUNTS = sorted(code for code, a in CHART.items() if a.cash)
# 账龄 as a Chinese finance team and its auditor read it: not yet due (未到期), the
# first year past due in four steps (together 1年以内), then 1-2, 2-3 and over 3
# years, where the bad-debt provision's rates change.
AGING_BUCKETS = BUCKETS
WITHIN_ONE_YEAR = ("0-30", "31-90", "91-180", "181-365")


def estates_in_reach(reach: Reach, estate_id: UUID | None) -> list[UUID] | None:
    """The estates a statement covers: the one asked for (reported missing if out of
    the reader's reach), or all the reader may read (None: every estate)."""
    if estate_id is not None:
        if not reach.admits(estate_id):
            raise NotFound(HIDDEN)
        return [estate_id]
    return None if reach.everything else sorted(reach.estates)


# ---- helpers --------------------------------------------------------------------


def money(amount: Decimal | None, currency: str) -> Decimal:
    """``amount`` at the currency's minor units (the ledger keeps four places)."""
    value = amount if amount is not None else ZERO
    if currency in MINOR_UNITS:
        return value.quantize(quantum(currency))
    return value.normalize()


def scope_clause(
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


def dates_clause(
    date_from: date | None, date_to: date | None, alias: str = "l"
) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if date_from is not None:
        clauses.append(f"{alias}.booked_on >= %s")
        params.append(date_from)
    if date_to is not None:
        clauses.append(f"{alias}.booked_on <= %s")
        params.append(date_to)
    return (" AND ".join(clauses) or "true"), params


def account_row(code: str) -> dict[str, Any]:
    a = CHART.get(code)
    if a is None:
        return {"account": code, "name": code, "name_zh": code, "kind": None}
    return {"account": code, "name": a.name, "name_zh": a.name_zh, "kind": a.kind.value}


def normal_balance(code: str, debit_minus_credit: Decimal) -> Decimal:
    """The balance with the account's normal side positive."""
    a = CHART.get(code)
    return debit_minus_credit if a is None or a.kind.debit_normal else -debit_minus_credit


def dict_rows(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
