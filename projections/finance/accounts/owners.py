"""Debts and credit per person on a unit (decision 0021): the owner's statement.

A unit account keeps its credit per holder, the payer whose overpayment
left it; ``finance_credit_holders`` mirrors that (credit of no named payer,
from payments recorded before payers were named, under the nil UUID). The
owner's statement (物业费对账单) is one person's part of a unit's account: the
bills they owe or owed, the payments they made, their credit and balance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from projections.finance.accounts.queries import (
    BILL_COLUMNS,
    BILL_FROM,
    PAYMENT_COLUMNS,
    PAYMENT_FROM,
    BillRow,
    PaymentRow,
    _dicts,
    unit_in_reach,
)
from projections.reach import Reaching

NOBODY = UUID(int=0)  # the holder of credit no payer was named for

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_credit_holders (
        unit_id uuid NOT NULL,
        holder_id uuid NOT NULL,
        credit numeric(20, 4) NOT NULL DEFAULT 0,
        reserved numeric(20, 4) NOT NULL DEFAULT 0,
        PRIMARY KEY (unit_id, holder_id)
    )""",
)


def move(cur: Any, unit_id: Any, holder: Any, credit: Any, reserved: Any = 0) -> None:
    """Add to ``holder``'s credit and reserved on the unit."""
    cur.execute(
        "INSERT INTO finance_credit_holders AS h (unit_id, holder_id, credit, reserved) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (unit_id, holder_id) DO UPDATE SET "
        "credit = h.credit + excluded.credit, reserved = h.reserved + excluded.reserved",
        [unit_id, holder or NOBODY, credit, reserved],
    )


def payer_of(cur: Any, payment_id: Any) -> Any:
    row = cur.execute(
        "SELECT payer_id FROM finance_payments WHERE payment_id = %s", [payment_id]
    ).fetchone()
    return row[0] if row else None


class OwnerStatement(TypedDict):
    unit_id: UUID
    estate_id: UUID
    unit_number: str
    person_id: UUID
    name: str | None  # masked (docs/personal-data.md)
    currency: str | None
    owed: Decimal  # what the person's bills still want
    credit: Decimal  # the person's credit on the unit, available or held for a refund
    balance: Decimal  # owed less credit: positive, the person owes
    bills: list[BillRow]
    payments: list[PaymentRow]


def owner_statement(
    conn: psycopg.Connection[Any], reach: Reaching, unit_id: UUID, person_id: UUID
) -> OwnerStatement | None:
    """One person's bills, payments, credit and balance on a unit (empty for a person
    of its estate with none); None when the unit is outside the reach or the
    person is not of its estate."""
    unit = unit_in_reach(conn, reach, unit_id)
    if not unit:
        return None
    bills = _dicts(
        conn,
        BillRow,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.unit_id = %s AND %s = ANY(b.payer_ids) "
        "ORDER BY b.due_on, b.period",
        [unit_id, person_id],
    )
    payments = _dicts(
        conn,
        PaymentRow,
        f"SELECT {PAYMENT_COLUMNS} {PAYMENT_FROM} WHERE p.unit_id = %s AND p.payer_id = %s "
        "ORDER BY p.position",
        [unit_id, person_id],
    )
    person = conn.execute(
        "SELECT name_masked FROM registry_people WHERE person_id = %s AND estate_id = %s",
        [person_id, unit[0]["estate_id"]],
    ).fetchone()
    if person is None and not bills and not payments:
        return None
    held = conn.execute(
        "SELECT h.credit, a.currency FROM finance_accounts a LEFT JOIN finance_credit_holders h "
        "ON h.unit_id = a.unit_id AND h.holder_id = %s WHERE a.unit_id = %s",
        [person_id, unit_id],
    ).fetchone()
    owed = sum((b["outstanding"] for b in bills), Decimal(0))
    credit = (held[0] if held else None) or Decimal(0)
    return {
        "unit_id": unit_id,
        "estate_id": unit[0]["estate_id"],
        "unit_number": unit[0]["number"],
        "person_id": person_id,
        "name": person[0] if person else None,
        "currency": held[1] if held else None,
        "owed": owed,
        "credit": credit,
        "balance": owed - credit,
        "bills": bills,
        "payments": payments,
    }
