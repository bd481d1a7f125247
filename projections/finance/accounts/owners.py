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
)
from projections.naming import person_name, person_names, user_names
from projections.reach import Reaching, clause

NOBODY = UUID(int=0)  # the holder of credit no payer was named for

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_credit_holders (
        unit_id uuid NOT NULL,
        holder_id uuid NOT NULL,
        credit numeric(20, 4) NOT NULL DEFAULT 0,
        reserved numeric(20, 4) NOT NULL DEFAULT 0,
        PRIMARY KEY (unit_id, holder_id)
    )""",
    "CREATE INDEX IF NOT EXISTS finance_credit_holders_holder ON finance_credit_holders "
    "(holder_id)",
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


class StatementPayment(PaymentRow):
    receipt_number: str | None  # 收据号 from the receipt book; None before the book began


class OwnerStatement(TypedDict):
    unit_id: UUID
    estate_id: UUID
    estate_name: str
    building: str  # the building's name
    unit_number: str
    person_id: UUID
    name: str | None  # masked (docs/personal-data.md), "erased person" once erased;
    # the person themself reads it in clear
    own: bool  # the caller is this person (the person's linked login)
    currency: str | None
    owed: Decimal  # what the person's bills still want
    credit: Decimal  # the person's credit on the unit, available or held for a refund
    balance: Decimal  # owed less credit: positive, the person owes
    bills: list[BillRow]
    payments: list[StatementPayment]


class OwnedUnit(TypedDict):
    """One unit on which a person owes or owed: a line of their list of statements."""

    unit_id: UUID
    estate_id: UUID
    estate_name: str
    building: str
    unit_number: str
    person_id: UUID
    currency: str | None
    owed: Decimal
    credit: Decimal
    balance: Decimal


PLACE = (
    "u.estate_id, e.name AS estate_name, g.name AS building, u.number AS unit_number "
    "FROM registry_units u JOIN registry_estates e ON e.estate_id = u.estate_id "
    "JOIN registry_buildings g ON g.building_id = u.building_id"
)


def owner_statement(
    conn: psycopg.Connection[Any], reach: Reaching, unit_id: UUID, person_id: UUID
) -> OwnerStatement | None:
    """One person's bills, payments, credit and balance on a unit (empty for a person
    of its estate with none); None outside the reach.

    Staff read the statements of their estates' units; with an own reach the
    caller reads only a statement of a person linked to their login, and only on a
    unit that person owes, owed, paid on or lived in: the unit's occupants do not
    open another person's statement (the buyer the seller's least of all).
    """
    where, params = clause(reach, "u.estate_id", ("p.user_id",))
    found = _dicts(
        conn,
        dict[str, Any],
        f"SELECT {PLACE} LEFT JOIN registry_people p ON p.person_id = %s "
        f"AND p.estate_id = u.estate_id WHERE u.unit_id = %s AND {where}",
        [person_id, unit_id, *params],
    )
    if not found:
        return None
    place = found[0]
    person = conn.execute(
        f"SELECT {person_name('p')}, p.user_id FROM registry_people p "
        "WHERE p.person_id = %s AND p.estate_id = %s",
        [person_id, place["estate_id"]],
    ).fetchone()
    bills = _dicts(
        conn,
        BillRow,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.unit_id = %s AND %s = ANY(b.payer_ids) "
        "ORDER BY b.due_on, b.period",
        [unit_id, person_id],
    )
    payments = _dicts(
        conn,
        StatementPayment,
        f"SELECT {PAYMENT_COLUMNS}, r.number AS receipt_number {PAYMENT_FROM} "
        "LEFT JOIN finance_receipts r ON r.payment_id = p.payment_id "
        "WHERE p.unit_id = %s AND p.payer_id = %s ORDER BY p.position",
        [unit_id, person_id],
    )
    if person is None and not bills and not payments:
        return None
    staff = reach.everything or place["estate_id"] in reach.estates
    if not (staff or bills or payments or _lived_in(conn, unit_id, person_id)):
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
        "estate_id": place["estate_id"],
        "estate_name": place["estate_name"],
        "building": place["building"],
        "unit_number": place["unit_number"],
        "person_id": person_id,
        "name": person[0] if person else None,
        "own": bool(person and reach.own and person[1] == reach.user_id),
        "currency": held[1] if held else None,
        "owed": owed,
        "credit": credit,
        "balance": owed - credit,
        "bills": bills,
        "payments": payments,
    }


def _lived_in(conn: psycopg.Connection[Any], unit_id: UUID, person_id: UUID) -> bool:
    found = conn.execute(
        "SELECT 1 FROM registry_occupancy WHERE unit_id = %s AND person_id = %s LIMIT 1",
        [unit_id, person_id],
    ).fetchone()
    return found is not None


def owned_units(conn: psycopg.Connection[Any], user_id: UUID) -> list[OwnedUnit]:
    """Every unit, in any estate, on which a person linked to ``user_id`` owes or owed
    (bills they were a debtor of), paid or holds credit; a unit sold and left
    stays while the seller's bills are there. Estate and unit number order."""
    return _dicts(
        conn,
        OwnedUnit,
        "WITH mine AS (SELECT person_id FROM registry_people WHERE user_id = %s), "
        "parts AS ("
        # @> rather than = ANY: the GIN index on payer_ids answers it.
        " SELECT b.unit_id, m.person_id FROM finance_bills b JOIN mine m"
        " ON b.payer_ids @> ARRAY[m.person_id]"
        " UNION SELECT p.unit_id, m.person_id FROM finance_payments p JOIN mine m"
        " ON p.payer_id = m.person_id"
        " UNION SELECT h.unit_id, m.person_id FROM finance_credit_holders h JOIN mine m"
        " ON h.holder_id = m.person_id) "
        "SELECT o.unit_id, u.estate_id, e.name AS estate_name, g.name AS building, "
        "u.number AS unit_number, o.person_id, a.currency, d.owed, "
        "coalesce(h.credit, 0) AS credit, d.owed - coalesce(h.credit, 0) AS balance "
        "FROM parts o JOIN registry_units u ON u.unit_id = o.unit_id "
        "JOIN registry_estates e ON e.estate_id = u.estate_id "
        "JOIN registry_buildings g ON g.building_id = u.building_id "
        "LEFT JOIN finance_accounts a ON a.unit_id = o.unit_id "
        "LEFT JOIN finance_credit_holders h ON h.unit_id = o.unit_id AND h.holder_id = o.person_id "
        "CROSS JOIN LATERAL (SELECT coalesce(sum(b.outstanding), 0) AS owed FROM finance_bills b "
        "WHERE b.unit_id = o.unit_id AND o.person_id = ANY(b.payer_ids)) d "
        "ORDER BY e.name, g.name, u.number, o.person_id",
        [user_id],
    )


class CertificatePlace(TypedDict):
    """What a printed certificate names beside its event: where, which bills, by whom."""

    estate_name: str
    building: str
    unit_number: str
    name_masked: str | None  # the person's, for a reader who may not see it in clear;
    # "erased person" after an erasure (decision 0053)
    periods: list[str]  # of the bills it covers, in order
    issued_by: str | None  # the issuer's name as the user directory shows it (masked)


def certificate_place(
    conn: psycopg.Connection[Any],
    unit_id: UUID,
    person_id: UUID,
    bill_ids: list[UUID],
    issued_by: UUID,
) -> CertificatePlace:
    """The names a certificate of ``unit_id`` prints (the caller has been admitted)."""
    [place] = _dicts(conn, dict[str, Any], f"SELECT {PLACE} WHERE u.unit_id = %s", [unit_id])
    periods = conn.execute(
        "SELECT period FROM finance_bills WHERE bill_id = ANY(%s) ORDER BY period, due_on",
        [bill_ids],
    ).fetchall()
    issuer = user_names(conn, [issued_by]).get(issued_by)
    person = person_names(conn, [person_id]).get(person_id)
    return {
        "estate_name": place["estate_name"],
        "building": place["building"],
        "unit_number": place["unit_number"],
        "name_masked": person,
        "periods": [p[0] for p in periods],
        "issued_by": issuer,
    }
