"""The maintenance fund as published to the owners (专项维修资金公示).

What an owners' notice board shows for an estate: the fund in total (first
deposits and top-ups, interest allocated, spending charged, the balance, the
units with an account and those below the 30% reminder), and every spending
that was approved or disbursed with its purpose, basis and amount. No unit's
figures: an owner reads their own unit's on their fund account. The reader
is staff of the estate, or an owner who occupies one of its units now;
anyone else gets 404. It reads the fund's tables (``projections/finance/fund.py``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from projections.records import fetched


class FundTotals(TypedDict):
    currency: str
    units: int
    low_units: int
    deposited: Decimal
    interest: Decimal
    charged: Decimal
    balance: Decimal


class PublishedSpending(TypedDict):
    spending_id: UUID
    purpose: str
    basis: str
    amount: Decimal
    currency: str
    status: str
    vendor: str | None
    booked_on: date | None


class PublishedFund(TypedDict):
    estate_id: UUID
    totals: list[FundTotals]
    spendings: list[PublishedSpending]


def published(conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID) -> PublishedFund:
    """The estate's fund summary and its approved and disbursed spendings, newest first."""
    occupants: set[Any] = set()
    if reach.own and not reach.everything and estate_id not in reach.estates:
        occupants = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT unnest(occupant_user_ids) FROM registry_units "
                "WHERE estate_id = %s",
                [estate_id],
            ).fetchall()
        }
    if not reach.admits(estate_id, occupants):
        raise NotFound(HIDDEN)
    totals = fetched(
        conn.execute(
            "SELECT currency, count(*)::int AS units, count(*) FILTER (WHERE low)::int "
            "AS low_units, sum(deposited) AS deposited, sum(interest) AS interest, "
            "sum(charged) AS charged, sum(balance) AS balance FROM finance_fund_accounts "
            "WHERE estate_id = %s GROUP BY currency ORDER BY currency",
            [estate_id],
        ),
        FundTotals,
    )
    spendings = fetched(
        conn.execute(
            "SELECT spending_id, purpose, basis, amount, currency, status, vendor, booked_on "
            "FROM finance_fund_spendings WHERE estate_id = %s "
            "AND status IN ('approved', 'disbursed') ORDER BY proposed_at DESC, spending_id",
            [estate_id],
        ),
        PublishedSpending,
    )
    return {"estate_id": estate_id, "totals": totals, "spendings": spendings}
