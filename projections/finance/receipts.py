"""Read model of receipts (收据): every number of every estate's books, void or not.

One row per receipt, written from ``PaymentReceipt`` events: what it says,
whether it is void (and why), how many reprints were made. Staff see their
estates' receipts, owners and residents their units', auditors all.

A receipt ``Drawn`` without a number (decision 0041) is numbered here by the
log's own rule: one more than the greatest serial of its estate's year so
far, in log order. The append numbered it by the same rule under the table
lock, so the two agree (a test holds them to it) and the read model needs
no table outside its own, in a rebuild and an as-of build alike.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.finance.receipts import receipt_number
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, payload_of
from projections.naming import person_name
from projections.protocols import Projection
from projections.reach import OCCUPIED_UNITS, Reaching, clause, page

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_receipts (
        receipt_id uuid PRIMARY KEY,
        payment_id uuid NOT NULL UNIQUE,
        number text NOT NULL UNIQUE,
        serial integer NOT NULL,
        estate_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        method text NOT NULL,
        reference text,
        amount numeric(20, 4) NOT NULL,
        currency text NOT NULL,
        issued_on date NOT NULL,
        issued_by uuid,
        issued_at timestamptz NOT NULL,
        void boolean NOT NULL DEFAULT false,
        void_reason text,
        voided_at timestamptz,
        copies integer NOT NULL DEFAULT 0,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_receipts_estate ON finance_receipts "
    "(estate_id, issued_on, serial)",
    # A page of the book in its order, an estate's or a unit's (projections/reach.py: page).
    "CREATE INDEX IF NOT EXISTS finance_receipts_book ON finance_receipts (estate_id, number)",
    "CREATE INDEX IF NOT EXISTS finance_receipts_unit ON finance_receipts "
    "(unit_id, estate_id, number)",
)
COLUMNS = (
    "r.receipt_id, r.payment_id, r.number, r.serial, r.estate_id, r.unit_id, r.method, "
    "r.reference, r.amount, r.currency, r.issued_on, r.issued_by, r.issued_at, r.void, "
    "r.void_reason, r.voided_at, r.copies, r.position, "
    # The payer by name (decision 0053): joined when read, never copied in.
    f"fp.payer_id, {person_name('np')} AS payer_name"
)
FROM = (
    "FROM finance_receipts r LEFT JOIN registry_units u ON u.unit_id = r.unit_id "
    "LEFT JOIN finance_payments fp ON fp.payment_id = r.payment_id "
    "LEFT JOIN registry_people np ON np.person_id = fp.payer_id"
)
OCCUPANTS = ("u.occupant_user_ids[]",)


class ReceiptRow(TypedDict):
    receipt_id: UUID
    payment_id: UUID
    number: str  # SJ-<estate code>-<year>-<serial, 6 digits>
    serial: int  # gap-free within the estate's year
    estate_id: UUID
    unit_id: UUID
    method: str
    reference: str | None  # the payment's: bank serial, provider's number, paper receipt's
    amount: Decimal
    currency: str
    issued_on: date
    issued_by: UUID | None
    issued_at: datetime
    void: bool  # 作废: its payment was reversed; the number is never used again
    void_reason: str | None
    voided_at: datetime | None
    copies: int  # reprints made (补打)
    position: int
    payer_id: UUID | None  # the payment's payer (none named before decision 0021)
    payer_name: str | None  # as the registry masks it, "erased person" after an erasure


class ReceiptsReadModel:
    name = "finance_receipts"
    aggregates = frozenset({"PaymentReceipt"})
    tables = ("finance_receipts",)
    ddl = DDL

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        _, name = kind_of(event)
        p, at, receipt_id = payload_of(event), occurred_at(event), as_uuid(note.originator_id)
        if name == "Drawn":
            self._drawn(cur, p, at, receipt_id, note.id)
        elif name == "Issued":
            _insert(cur, receipt_id, p, p["number"], p["serial"], at, note.id)
        elif name == "Voided":
            cur.execute(
                "UPDATE finance_receipts SET void = true, void_reason = %s, voided_at = %s "
                "WHERE receipt_id = %s",
                [p["reason"], at, receipt_id],
            )
        elif name == "Reprinted":
            cur.execute(
                "UPDATE finance_receipts SET copies = greatest(copies, %s) WHERE receipt_id = %s",
                [p["copy"], receipt_id],
            )

    def _drawn(
        self, cur: psycopg.Cursor[Any], p: dict[str, Any], at: Any, receipt_id: UUID, at_pos: int
    ) -> None:
        year = int(p["year"])
        # A cursor of its own, as projections/numbers.py: this one may have
        # statements queued in the batch's pipeline whose results a fetch here
        # would meet first ("UPDATE 1 produced no records").
        with cur.connection.cursor() as own:
            row = own.execute(
                "SELECT coalesce(max(serial), 0) + 1 FROM finance_receipts WHERE estate_id = %s "
                "AND issued_on >= make_date(%s, 1, 1) AND issued_on < make_date(%s, 1, 1)",
                [p["estate_id"], year, year + 1],
            ).fetchone()
        serial = int(row[0]) if row else 1
        number = receipt_number(p["estate_code"], year, serial)
        _insert(cur, receipt_id, p, number, serial, at, at_pos)


def _insert(
    cur: psycopg.Cursor[Any],
    receipt_id: UUID,
    p: dict[str, Any],
    number: str,
    serial: int,
    at: Any,
    position: int,
) -> None:
    cur.execute(
        "INSERT INTO finance_receipts (receipt_id, payment_id, number, serial, estate_id, "
        "unit_id, method, reference, amount, currency, issued_on, issued_by, issued_at, "
        "position) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
        "ON CONFLICT (receipt_id) DO NOTHING",
        [
            receipt_id,
            p["payment_id"],
            number,
            serial,
            *(p[k] for k in ("estate_id", "unit_id", "method", "reference", "amount")),
            *(p[k] for k in ("currency", "issued_on", "issued_by")),
            at,
            position,
        ],
    )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ReceiptsReadModel()]


def _rows(conn: psycopg.Connection[Any], sql: str, params: list[Any]) -> list[ReceiptRow]:
    cur = conn.execute(sql, params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return cast(list[ReceiptRow], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])


def receipt(conn: psycopg.Connection[Any], reach: Reaching, payment_id: UUID) -> ReceiptRow | None:
    """The payment's receipt, or None (none, or outside the reach)."""
    where, params = clause(reach, "r.estate_id", OCCUPANTS)
    found = _rows(
        conn, f"SELECT {COLUMNS} {FROM} WHERE {where} AND r.payment_id = %s", [*params, payment_id]
    )
    return found[0] if found else None


def receipts(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    year: int | None = None,
    after_number: str | None = None,
    limit: int = 500,
) -> list[ReceiptRow]:
    """Receipts within the reach in the book's order (estate, number), void ones
    included (the book has no gaps); ``after_number`` is a cursor: the receipts
    after that one in this order."""
    filters: list[tuple[str, list[Any]]] = [
        (f"{column} = %s", [value])
        for column, value in (("r.estate_id", estate_id), ("r.unit_id", unit_id))
        if value is not None
    ]
    if year is not None:
        filters.append(("extract(year FROM r.issued_on) = %s", [year]))
    if after_number is not None:
        filters.append(
            (
                "(r.estate_id, r.number) > "
                "(SELECT c.estate_id, c.number FROM finance_receipts c WHERE c.number = %s)",
                [after_number],
            )
        )
    query = page(
        reach,
        f"SELECT {COLUMNS} {FROM}",
        filters,
        alias="r",
        order=("estate_id", "number"),
        limit=limit,
        own_units=OCCUPIED_UNITS,
        estate_id=estate_id,
    )
    return [] if query is None else _rows(conn, *query)
