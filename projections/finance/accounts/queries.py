"""What the unit accounts' read model answers: runs, bills, payments, one unit's account.

Lists take the actor's reach (``projections/reach.py``): staff see their
estates' rows, owners and residents their units' (the unit's occupants, from
the registry's read model), auditors everything. A row outside the reach is
answered as missing. Rows come back as typed views (``BillRow`` ...).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, TypeVar, cast
from uuid import UUID

import psycopg

from projections import numbers
from projections.reach import OCCUPIED_UNITS, Reaching, clause, page

BILL_COLUMNS = (
    "b.bill_id, b.unit_id, b.estate_id, b.period, b.run_id, b.payer_ids, b.lines, b.currency, "
    "b.principal, b.late_fees, b.paid, b.waived, b.written_off, b.outstanding, "
    "CASE WHEN b.outstanding > 0 THEN 'open' ELSE 'settled' END AS status, b.days, "
    "b.days_in_period, b.issued_on, b.due_on, b.dunning_level, b.position, "
    + numbers.said("b", "BL")  # decision 0050
)
BILL_FROM = "FROM finance_bills b LEFT JOIN registry_units u ON u.unit_id = b.unit_id"
PAYMENT_COLUMNS = (
    "p.payment_id, p.unit_id, p.estate_id, p.method, p.reference, p.amount, p.currency, "
    "p.allocations, p.to_credit, p.payer_id, p.booked_on, p.received_on, p.received_at, "
    "p.recorded_by, p.reversed, p.reversal_reason, p.reversed_on, p.position"
)
PAYMENT_FROM = "FROM finance_payments p LEFT JOIN registry_units u ON u.unit_id = p.unit_id"
REQUEST_COLUMNS = (
    "request_id, kind, bill_id, amount, currency, method, payer_id, reason, approval_id, status, "
    "requested_at, decided_at"
)
#: Who a row is "own" to: the occupants of its unit. A bill's or payment's
#: unit is tested against the units the user occupies (a GIN index finds
#: them), not through the join, so that the reach's OR is one of two index
#: scans of the row's own table.
OCCUPANTS = ("u.occupant_user_ids[]",)


#: A bill's test of being the user's own (a page of them is ``reach.page``'s).
BILL_OCCUPANTS = (f"b.unit_id = ANY(ARRAY({OCCUPIED_UNITS}))",)
V = TypeVar("V")


class RunRow(TypedDict):
    run_id: UUID
    period: str
    bills: int
    units_billed: int
    units_skipped: int
    amount: Decimal
    currency: str
    rates: list[dict[str, Any]]  # the rates the run billed at (JSON)
    shared_costs: list[str] | None  # the shared costs it billed; None: not recorded (old run)
    kind: str  # "regular", or "supplementary": a later run of a billed period
    supplement: int  # 0, or the supplementary run's number within its period
    supplement_of: UUID | None  # the period's regular run
    run_by: UUID
    run_at: datetime
    position: int


class BillRow(TypedDict):
    bill_id: UUID
    unit_id: UUID
    estate_id: UUID
    period: str
    run_id: UUID | None
    payer_ids: list[UUID]  # its debtors: who owed it at billing time (decision 0021)
    lines: list[dict[str, Any]]  # JSON: amounts as text
    currency: str
    principal: Decimal
    late_fees: Decimal
    paid: Decimal
    waived: Decimal
    written_off: Decimal
    outstanding: Decimal
    status: str  # open | settled
    days: int
    days_in_period: int
    issued_on: date
    due_on: date
    dunning_level: int
    position: int
    number: str | None  # HVG-BL-2026-000123 (decision 0050)


class PaymentRow(TypedDict):
    payment_id: UUID
    unit_id: UUID
    estate_id: UUID
    method: str
    reference: str | None
    amount: Decimal
    currency: str
    allocations: list[dict[str, Any]]  # JSON: bill ID and amount as text
    to_credit: Decimal
    payer_id: UUID | None  # whose debts it paid; None: recorded before payers were named
    booked_on: date  # the day it was recorded in the books
    received_on: date  # the day the money arrived (到账日)
    received_at: datetime
    recorded_by: UUID | None
    reversed: bool
    reversal_reason: str | None
    reversed_on: date | None
    position: int


class RequestRow(TypedDict):
    request_id: UUID
    kind: str
    bill_id: UUID | None
    amount: Decimal
    currency: str
    method: str | None
    payer_id: UUID | None  # a refund's: whose credit
    reason: str
    approval_id: UUID
    status: str
    requested_at: datetime
    decided_at: datetime | None


class AccountFigures(TypedDict):
    currency: str
    outstanding: Decimal
    credit: Decimal
    reserved: Decimal


class UnitAccountView(TypedDict):
    """A unit's account; without one yet, ``account`` is None and the lists absent."""

    estate_id: UUID
    account: AccountFigures | None
    bills: NotRequired[list[BillRow]]
    payments: NotRequired[list[PaymentRow]]
    requests: NotRequired[list[RequestRow]]
    older_bills: NotRequired[int | None]  # cursor: settled bills before this position
    older_payments: NotRequired[int | None]  # cursor: payments before this position


def _dicts(conn: psycopg.Connection[Any], view: type[V], sql: str, params: list[Any]) -> list[V]:
    cur = conn.execute(sql, params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return cast(list[V], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])


def billing_runs(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    estate_id: UUID,
    before_key: tuple[str, int] | None = None,
    limit: int = 120,
) -> list[RunRow] | None:
    """The estate's billing runs, newest period first, a period's supplementary runs
    (newest first) before its regular run, after the key ``before_key`` (period,
    supplement: one run each); None outside the reach."""
    if not (reach.everything or estate_id in reach.estates):
        return None
    before = before_key or ("9999-12", 0)  # before every run: the first page
    return _dicts(
        conn,
        RunRow,
        "SELECT run_id, period, bills, units_billed, units_skipped, amount, currency, rates, "
        "shared_costs, kind, supplement, supplement_of, run_by, run_at, position "
        "FROM finance_billing_runs WHERE estate_id = %s AND (period, supplement) < (%s, %s) "
        "ORDER BY period DESC, supplement DESC LIMIT %s",
        [estate_id, *before, limit],
    )


def bills(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    period: str | None = None,
    open_only: bool = False,
    overdue_on: date | None = None,
    before: int | None = None,
    before_bill: UUID | None = None,
    limit: int = 100,
    number: str | None = None,
) -> list[BillRow]:
    """Bills within the reach, newest first (position, then bill ID); the
    cursor is the last row's ``before`` (position) and ``before_bill`` (a page
    of the reach reads no more than ``limit`` bills a scope item:
    ``projections/reach.py: page``)."""
    filters: list[tuple[str, list[Any]]] = [
        (f"{column} = %s", [value])
        for column, value in (
            ("b.estate_id", estate_id),
            ("b.unit_id", unit_id),
            ("b.period", period),
        )
        if value is not None
    ]
    if number is not None:
        filters.append(numbers.matching("b", "BL", number))
    if open_only:
        filters.append(("b.outstanding > 0", []))
    if overdue_on is not None:
        filters.append(("b.outstanding > 0 AND b.due_on < %s", [overdue_on]))
    if before is not None and before_bill is not None:
        # Bills of one event share its position: the ID orders them, so a
        # page that ends among them goes on with the rest, not past them.
        condition = "b.position <= %s AND (b.position < %s OR b.bill_id > %s)"
        filters.append((condition, [before, before, before_bill]))
    elif before is not None:
        filters.append(("b.position < %s", [before]))
    query = page(
        reach,
        f"SELECT {BILL_COLUMNS} {BILL_FROM}",
        filters,
        alias="b",
        order=("position DESC", "bill_id"),
        limit=limit,
        own_units=OCCUPIED_UNITS,
        estate_id=estate_id,
    )
    return [] if query is None else _dicts(conn, BillRow, *query)


def bill(conn: psycopg.Connection[Any], reach: Reaching, bill_id: UUID) -> BillRow | None:
    """One bill, or None when there is none within the reach."""
    where, params = clause(reach, "b.estate_id", BILL_OCCUPANTS)
    found = _dicts(
        conn,
        BillRow,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.bill_id = %s AND {where}",
        [bill_id, *params],
    )
    return found[0] if found else None


def payments(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[PaymentRow]:
    """Payments within the reach, newest first; ``before`` is a position cursor
    (paged as ``bills`` is)."""
    filters: list[tuple[str, list[Any]]] = [
        (f"{column} = %s", [value])
        for column, value in (("p.estate_id", estate_id), ("p.unit_id", unit_id))
        if value is not None
    ]
    if before is not None:
        filters.append(("p.position < %s", [before]))
    query = page(
        reach,
        f"SELECT {PAYMENT_COLUMNS} {PAYMENT_FROM}",
        filters,
        alias="p",
        order=("position DESC",),
        limit=limit,
        own_units=OCCUPIED_UNITS,
        estate_id=estate_id,
    )
    return [] if query is None else _dicts(conn, PaymentRow, *query)


def unit_in_reach(
    conn: psycopg.Connection[Any], reach: Reaching, unit_id: UUID
) -> list[dict[str, Any]]:
    """The unit's estate and number (one row), or no row outside the reach."""
    where, params = clause(reach, "u.estate_id", OCCUPANTS)
    return _dicts(
        conn,
        dict[str, Any],
        f"SELECT u.estate_id, u.number FROM registry_units u WHERE u.unit_id = %s AND {where}",
        [unit_id, *params],
    )


#: Settled bills and payments of an account shown at once; older ones by cursor.
HISTORY = 100


def unit_account(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    unit_id: UUID,
    *,
    bills_before: int | None = None,
    payments_before: int | None = None,
    limit: int = HISTORY,
) -> UnitAccountView | None:
    """The unit's account: its figures, bills, payments and pending requests.

    Its history is paged so that a unit's thousandth month costs what its
    first did: every open bill and the latest ``limit`` settled ones (by
    position), the latest ``limit`` payments; ``bills_before`` and
    ``payments_before`` (a position) give the settled bills or payments
    before it instead, and no open bill. One row more than ``limit`` is read
    to tell whether there are older ones: ``older_bills`` and
    ``older_payments`` are the cursors for them, or None. Bills come in
    due-date order, payments in position order, as before paging.

    None when there is no such unit within the reach; ``account`` is None
    when the unit has no account yet.
    """
    unit = unit_in_reach(conn, reach, unit_id)
    if not unit:
        return None
    account = _dicts(
        conn,
        AccountFigures,
        "SELECT currency, outstanding, credit, reserved FROM finance_accounts WHERE unit_id = %s",
        [unit_id],
    )
    if not account:
        return {"estate_id": unit[0]["estate_id"], "account": None}
    settled = _dicts(
        conn,
        BillRow,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.unit_id = %s AND b.outstanding <= 0 "
        "AND b.position < %s ORDER BY b.position DESC LIMIT %s",
        [unit_id, _below(bills_before), limit + 1],
    )
    open_bills = (
        []
        if bills_before is not None
        else _dicts(
            conn,
            BillRow,
            f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.unit_id = %s AND b.outstanding > 0",
            [unit_id],
        )
    )
    payments = _dicts(
        conn,
        PaymentRow,
        f"SELECT {PAYMENT_COLUMNS} {PAYMENT_FROM} WHERE p.unit_id = %s AND p.position < %s "
        "ORDER BY p.position DESC LIMIT %s",
        [unit_id, _below(payments_before), limit + 1],
    )
    older_bills = settled[limit - 1]["position"] if len(settled) > limit else None
    older_payments = payments[limit - 1]["position"] if len(payments) > limit else None
    shown = [*open_bills, *settled[:limit]]
    return {
        "estate_id": unit[0]["estate_id"],
        "account": account[0],
        "bills": sorted(shown, key=lambda b: (b["due_on"], b["period"])),
        "payments": payments[:limit][::-1],
        "older_bills": older_bills,
        "older_payments": older_payments,
        "requests": _dicts(
            conn,
            RequestRow,
            f"SELECT {REQUEST_COLUMNS} FROM finance_account_requests WHERE unit_id = %s "
            "ORDER BY requested_at",
            [unit_id],
        ),
    }


def _below(cursor: int | None) -> int:
    return (2**63 - 1) if cursor is None else cursor


class OverdueBills:
    """The late-fee and reminder jobs' ``OverdueBills`` port (application/finance/ports.py)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def units_owing(self, due_before: date) -> list[tuple[UUID, UUID]]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT estate_id, unit_id FROM finance_bills "
                "WHERE outstanding > 0 AND due_on < %s ORDER BY estate_id, unit_id",
                [due_before],
            ).fetchall()
        return [(r[0], r[1]) for r in rows]
