"""What the estate's data-quality report (R7.5) and dashboard read of the bills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from domain.quality.figures import collection_rate, year_months
from projections import numbers
from projections.failing import RecordCheck

# The estate's adopted rates by the month's end, read once per statement off
# finance_rate_changes_estate (an InitPlan): as a join, the planner of
# PostgreSQL 18 hashed every estate's rate changes (a scan of the whole table).
# ``item@rate`` with the rate's trailing zeros trimmed: 2.50 is 2.5.
_ADOPTED = (
    "ARRAY(SELECT r.item || '@' || trim_scale(r.rate)::text FROM finance_rate_changes r "
    "WHERE r.estate_id = %(estate_id)s AND r.status = 'adopted' "
    "AND r.effective_from <= %(last_day)s)"
)
_UNRATED_LINES = (
    "FROM jsonb_array_elements(b.lines) l WHERE l->>'unit' <> 'share' AND NOT ("
    "(l->>'item') || '@' || trim_scale((l->>'rate')::numeric)::text = ANY(" + _ADOPTED + "))"
)

# The bills are this read model's; the rates, finance_rates' (read beside them).
BILLS_WITHOUT_RATE = RecordCheck(
    name="bills_without_rate",
    tables=("finance_bills", "finance_rate_changes", "registry_estates"),
    source="finance_bills b",
    where=(
        "b.estate_id = %(estate_id)s AND b.period = %(month)s "
        f"AND EXISTS (SELECT 1 {_UNRATED_LINES})"
    ),
    id="b.bill_id",
    label="coalesce(" + numbers.said("b", "BL").removesuffix(" AS number") + ", b.period)",
    detail=(
        "'no adopted rate for ' || (SELECT string_agg("
        "(l->>'item') || ' at ' || (l->>'rate'), ', ') "
        f"{_UNRATED_LINES})"
    ),
    keys=(("b.position", "bigint"), ("b.bill_id", "uuid")),
)


class Collection(TypedDict):
    currency: str
    billed: Decimal  # principal and late fees of the bills of the months
    waived: Decimal
    collected: Decimal  # paid on those bills
    written_off: Decimal
    rate: Decimal | None  # collected / (billed - waived), 4 places


class Arrears(TypedDict):
    currency: str
    units: int  # units with a bill past due and unpaid
    bills: int
    amount: Decimal  # what those bills still owe


class CollectionFigures(TypedDict):
    month: list[Collection]  # bills of this month's period, per currency
    year: list[Collection]  # bills of this year's periods up to this month
    arrears: list[Arrears]


def _collection(
    conn: psycopg.Connection[Any], estate_id: UUID, first: str, last: str
) -> list[Collection]:
    rows = conn.execute(
        "SELECT currency, sum(principal + late_fees), sum(waived), sum(paid), sum(written_off) "
        "FROM finance_bills WHERE estate_id = %s AND period BETWEEN %s AND %s "
        "GROUP BY currency ORDER BY currency",
        [estate_id, first, last],
    ).fetchall()
    return [
        {
            "currency": r[0],
            "billed": r[1],
            "waived": r[2],
            "collected": r[3],
            "written_off": r[4],
            "rate": collection_rate(r[3], r[1], r[2]),
        }
        for r in rows
    ]


def collection(
    conn: psycopg.Connection[Any], estate_id: UUID, month: str, today: date
) -> CollectionFigures:
    """收缴率 of the month and of the year to date, and the arrears on ``today``."""
    arrears = conn.execute(
        "SELECT currency, count(DISTINCT unit_id), count(*), sum(outstanding) "
        "FROM finance_bills WHERE estate_id = %s AND outstanding > 0 AND due_on < %s "
        "GROUP BY currency ORDER BY currency",
        [estate_id, today],
    ).fetchall()
    return {
        "month": _collection(conn, estate_id, month, month),
        "year": _collection(conn, estate_id, *year_months(month)),
        "arrears": [
            {"currency": r[0], "units": int(r[1]), "bills": int(r[2]), "amount": r[3]}
            for r in arrears
        ],
    }
