"""Queries of what the stores owe their suppliers (decision 0062), from the ``stores``
read model: suppliers' invoices, and per estate and vendor what is open.

What is open to a vendor is the receipts not yet invoiced, at their received
value, plus the invoices not yet paid: together, the vendor's share of
2202.02 (应付账款—暂估材料款). Reach and paging as ``queries.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from projections.reach import Reaching, clause
from projections.stores.queries import _newest, _run


class InvoiceRow(TypedDict):
    id: UUID
    estate_id: UUID
    store_id: UUID
    vendor_id: UUID
    number: str
    receipt_ids: list[str]
    received: Decimal
    amount: Decimal
    difference: Decimal
    currency: str
    invoiced_on: date
    status: str
    payment_ref: str | None
    method: str | None
    paid_on: date | None
    recorded_at: datetime
    updated_at: datetime
    position: int
    recorded_position: int


class PayableRow(TypedDict):
    estate_id: UUID
    vendor_id: UUID
    currency: str
    uninvoiced: Decimal  # receipts not yet invoiced, at their received value
    uninvoiced_receipts: int
    invoiced: Decimal  # invoices not yet paid
    open_invoices: int
    open: Decimal  # what the estate owes the vendor for goods


def invoices(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    vendor_id: UUID | None = None,
    status: str | None = None,
    before_key: tuple[int, UUID] | None = None,
    limit: int = 100,
) -> list[InvoiceRow]:
    """Suppliers' invoices in the reach, newest first."""
    filters = {"estate_id": estate_id, "vendor_id": vendor_id, "status": status}
    return _newest(  # type: ignore[no-any-return]
        conn, "stores_invoices", "recorded_position", InvoiceRow, reach, filters, before_key, limit
    )


def invoice(conn: psycopg.Connection[Any], reach: Reaching, invoice_id: UUID) -> InvoiceRow | None:
    where, params = clause(reach, "estate_id")
    sql = f"SELECT * FROM stores_invoices WHERE id = %s AND {where}"
    rows = _run(conn, sql, [invoice_id, *params], InvoiceRow)
    return rows[0] if rows else None


def payables(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    vendor_id: UUID | None = None,
    after_key: tuple[UUID, UUID, str] | None = None,
    limit: int = 100,
) -> list[PayableRow]:
    """Per estate, vendor and currency what is open: only those with something open."""
    where, params = clause(reach, "estate_id", estate_id=estate_id)
    for column, value in (("estate_id", estate_id), ("vendor_id", vendor_id)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    sql = (
        "SELECT estate_id, vendor_id, currency, "
        "sum(uninvoiced)::numeric(14, 2) AS uninvoiced, "
        "sum(receipts)::int AS uninvoiced_receipts, sum(invoiced)::numeric(14, 2) AS invoiced, "
        "sum(invoices)::int AS open_invoices, "
        "sum(uninvoiced + invoiced)::numeric(14, 2) AS open FROM ("
        "SELECT estate_id, vendor_id, currency, amount AS uninvoiced, 1 AS receipts, "
        "0 AS invoiced, 0 AS invoices FROM stores_receipts WHERE invoice_id IS NULL "
        "UNION ALL SELECT estate_id, vendor_id, currency, 0, 0, amount, 1 "
        f"FROM stores_invoices WHERE status = 'open') o WHERE {where}"
    )
    sql += " GROUP BY estate_id, vendor_id, currency"
    if after_key is not None:
        sql += " HAVING (estate_id, vendor_id, currency) > (%s, %s, %s)"
        params += after_key
    sql += " ORDER BY estate_id, vendor_id, currency LIMIT %s"
    return _run(conn, sql, [*params, limit], PayableRow)  # type: ignore[no-any-return]
