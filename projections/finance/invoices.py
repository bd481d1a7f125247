"""Read model of invoices (发票): requested, pending, issued, red-lettered.

One row per invoice from ``Invoice`` events: its amounts, the bills it
covers (and how much of each) and the payments that paid them, the buyer,
its number or its failed attempts while pending, and its red-letter
cancellation. Staff see their estates', owners their units', auditors all.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.finance.invoices import BUYER_NAME
from domain.identity.masking import mask_name
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, payload_of, to_json
from projections.protocols import Projection
from projections.reach import OCCUPIED_UNITS, Reaching, clause, page

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_invoices (
        invoice_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        number text,
        bills jsonb NOT NULL,
        payment_ids uuid[] NOT NULL,
        total numeric(20, 4) NOT NULL,
        net numeric(20, 4) NOT NULL,
        tax numeric(20, 4) NOT NULL,
        tax_rate numeric(6, 4) NOT NULL,
        currency text NOT NULL,
        buyer_name text NOT NULL,
        buyer_tax_id text,
        requested_by uuid NOT NULL,
        requested_at timestamptz NOT NULL,
        issued_on date,
        attempts integer NOT NULL DEFAULT 0,
        last_failure text,
        red_letter_number text,
        red_letter_reason text,
        red_lettered_on date,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_invoices_estate ON finance_invoices (estate_id, position)",
    # A unit's invoices, and a page of an owner's (projections/reach.py: page), in order.
    "CREATE INDEX IF NOT EXISTS finance_invoices_unit ON finance_invoices (unit_id, position)",
)
COLUMNS = (
    "i.invoice_id, i.estate_id, i.unit_id, i.kind, i.status, i.number, i.bills, i.payment_ids, "
    "i.total, i.net, i.tax, i.tax_rate, i.currency, i.buyer_name, i.buyer_tax_id, "
    "i.requested_by, i.requested_at, i.issued_on, i.attempts, i.last_failure, "
    "i.red_letter_number, i.red_letter_reason, i.red_lettered_on, i.position"
)
FROM = "FROM finance_invoices i LEFT JOIN registry_units u ON u.unit_id = i.unit_id"
OCCUPANTS = ("u.occupant_user_ids[]",)


class InvoiceRow(TypedDict):
    invoice_id: UUID
    estate_id: UUID
    unit_id: UUID
    kind: str  # normal (普通发票) | special (专用发票)
    status: str  # pending | issued | red_lettered
    number: str | None
    bills: dict[str, str]  # bill ID -> the amount of it this invoice covers (JSON text)
    payment_ids: list[UUID]  # the payments that paid those bills when it was requested
    total: Decimal  # 价税合计
    net: Decimal  # 金额
    tax: Decimal  # 税额
    tax_rate: Decimal
    currency: str
    buyer_name: str  # masked unless the buyer names a tax ID (a company)
    buyer_tax_id: str | None
    requested_by: UUID
    requested_at: datetime
    issued_on: date | None
    attempts: int  # failed attempts to issue
    last_failure: str | None
    red_letter_number: str | None  # 红字发票
    red_letter_reason: str | None
    red_lettered_on: date | None
    position: int


class InvoicesReadModel:
    """Invoices as finance reads them; the buyer's name decrypted only to be masked."""

    name = "finance_invoices"
    aggregates = frozenset({"Invoice"})
    tables = ("finance_invoices",)
    ddl = DDL

    def __init__(self, vault: Any) -> None:
        self.vault = vault

    def _buyer(self, invoice_id: UUID, event: Any) -> str:
        """The buyer's name as shown: ``王**``; a company's name with its tax ID in full,
        as it stands on the invoice (a company's name is no personal data)."""
        # The event itself: its payload shows a sealed field as "[encrypted]".
        name = self.vault.decrypt(invoice_id, BUYER_NAME, event.buyer_name_enc) or ""
        return name if event.buyer_tax_id else (mask_name(name) or "")

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        _, name = kind_of(event)
        p, at, invoice_id = payload_of(event), occurred_at(event), as_uuid(note.originator_id)
        if name == "Requested":
            cur.execute(
                "INSERT INTO finance_invoices (invoice_id, estate_id, unit_id, kind, status, "
                "bills, payment_ids, total, net, tax, tax_rate, currency, buyer_name, "
                "buyer_tax_id, requested_by, requested_at, position) "
                "VALUES (%s,%s,%s,%s,'pending',%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (invoice_id) DO NOTHING",
                [
                    invoice_id,
                    p["estate_id"],
                    p["unit_id"],
                    p["kind"],
                    to_json(p["bills"]),
                    list(p["payment_ids"]),
                    *(p[k] for k in ("total", "net", "tax", "tax_rate", "currency")),
                    self._buyer(invoice_id, event),
                    p["buyer_tax_id"],
                    p["requested_by"],
                    at,
                    note.id,
                ],
            )
        elif name == "Issued":
            cur.execute(
                "UPDATE finance_invoices SET status = 'issued', number = %s, issued_on = %s "
                "WHERE invoice_id = %s",
                [p["number"], p["issued_on"], invoice_id],
            )
        elif name == "IssueFailed":
            cur.execute(
                "UPDATE finance_invoices SET attempts = %s, last_failure = %s "
                "WHERE invoice_id = %s",
                [p["attempt"], p["reason"], invoice_id],
            )
        elif name == "RedLettered":
            cur.execute(
                "UPDATE finance_invoices SET status = 'red_lettered', red_letter_number = %s, "
                "red_letter_reason = %s, red_lettered_on = %s WHERE invoice_id = %s",
                [p["number"], p["reason"], p["issued_on"], invoice_id],
            )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [InvoicesReadModel(deps.vault)]


def invoices(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status: str | None = None,
    before: int | None = None,
    limit: int = 500,
) -> list[InvoiceRow]:
    """Invoices within the reach, newest first; ``before`` is a position cursor."""
    filters: list[tuple[str, list[Any]]] = [
        (f"{column} = %s", [value])
        for column, value in (
            ("i.estate_id", estate_id),
            ("i.unit_id", unit_id),
            ("i.status", status),
        )
        if value is not None
    ]
    if before is not None:
        filters.append(("i.position < %s", [before]))
    query = page(
        reach,
        f"SELECT {COLUMNS} {FROM}",
        filters,
        alias="i",
        order=("position DESC",),
        limit=limit,
        own_units=OCCUPIED_UNITS,
        estate_id=estate_id,
    )
    if query is None:
        return []
    cur = conn.execute(*query)  # type: ignore[call-overload]
    names = [d.name for d in cur.description or ()]
    return cast(list[InvoiceRow], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])


def invoice(conn: psycopg.Connection[Any], reach: Reaching, invoice_id: UUID) -> InvoiceRow | None:
    where, params = clause(reach, "i.estate_id", OCCUPANTS)
    cur = conn.execute(
        f"SELECT {COLUMNS} {FROM} WHERE {where} AND i.invoice_id = %s",  # type: ignore[arg-type]
        [*params, invoice_id],
    )
    row = cur.fetchone()
    if row is None:
        return None
    names = [d.name for d in cur.description or ()]
    return cast(InvoiceRow, dict(zip(names, row, strict=True)))
