"""The ``stores`` read model: the catalogue, stores, stock, requests, stocktakes,
the stock card of every movement and each work order's parts cost.

Tables, each shaped for its screen:

* ``stores_parts``: the catalogue (company-wide);
* ``stores_stores``: an estate's stores;
* ``stores_stock``: per store and part, the quantity on hand, its value at
  moving-average cost, the reorder level and whether it is reported low;
* ``stores_movements``: the stock card (库存台账), one row per line of a
  receipt, issue, return or approved stocktake difference, signed;
* ``stores_requests``: purchase requests with their lines and what was received;
* ``stores_stocktakes``: counts with their differences and approval;
* ``stores_order_parts``: per work order and part, what was issued less
  what came back, and its cost: the order's parts cost comes from here;
* ``stores_receipts``: each receipt's vendor and value, and the supplier's
  invoice that covered it (none yet: it is still payable as received);
* ``stores_invoices``: suppliers' invoices, their difference from what was
  received, and their payment (decision 0062).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from projections import numbers
from projections.events import occurred_at, to_json
from projections.records import PerAggregate, insert, update

NAME = "stores"
MOVEMENT_KIND = {
    "GoodsReceived": "receipt",
    "PartsIssued": "issue",
    "PartsReturned": "return",
    "CountAdjusted": "stocktake",
}


def _lines(lines: list[dict[str, Any]]) -> str:
    return to_json(
        [{k: str(v) if isinstance(v, Decimal) else v for k, v in x.items()} for x in lines]
    )


class StoresLedger(PerAggregate):
    name = NAME
    aggregates = frozenset({"Part", "Store", "PurchaseRequest", "Stocktake", "SupplierInvoice"})
    tables = (
        "stores_parts",
        "stores_stores",
        "stores_stock",
        "stores_movements",
        "stores_requests",
        "stores_stocktakes",
        "stores_order_parts",
        "stores_receipts",
        "stores_invoices",
    )
    ddl = (
        """CREATE TABLE IF NOT EXISTS stores_parts (
            id uuid PRIMARY KEY,
            code text NOT NULL UNIQUE,
            name text NOT NULL,
            name_zh text NOT NULL,
            unit text NOT NULL,
            category text NOT NULL,
            registered_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS stores_stores (
            id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            code text NOT NULL,
            name text NOT NULL,
            currency text NOT NULL,
            opened_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS stores_stores_estate ON stores_stores (estate_id, code)",
        """CREATE TABLE IF NOT EXISTS stores_stock (
            store_id uuid NOT NULL,
            part_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            quantity numeric(14, 3) NOT NULL DEFAULT 0,
            value numeric(14, 2) NOT NULL DEFAULT 0,
            reorder_level numeric(14, 3),
            low boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            PRIMARY KEY (store_id, part_id)
        )""",
        """CREATE TABLE IF NOT EXISTS stores_movements (
            position bigint NOT NULL,
            line integer NOT NULL,
            store_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            kind text NOT NULL,
            record_id uuid NOT NULL,
            part_id uuid NOT NULL,
            quantity numeric(14, 3) NOT NULL,
            amount numeric(14, 2) NOT NULL,
            currency text NOT NULL,
            order_id uuid,
            vendor_id uuid,
            request_id uuid,
            at timestamptz NOT NULL,
            PRIMARY KEY (position, line)
        )""",
        "CREATE INDEX IF NOT EXISTS stores_movements_store_page "
        "ON stores_movements (store_id, position, line)",
        """CREATE TABLE IF NOT EXISTS stores_requests (
            id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            store_id uuid NOT NULL,
            status text NOT NULL,
            lines jsonb NOT NULL,
            received jsonb NOT NULL DEFAULT '{}',
            amount numeric(14, 2) NOT NULL,
            currency text NOT NULL,
            reason text NOT NULL,
            requested_by uuid NOT NULL,
            approval_id uuid NOT NULL,
            submitted_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            submitted_position bigint NOT NULL,
            number_year integer,  -- the request's number: projections/numbers.py
            serial integer
        )""",
        numbers.index("stores_requests"),
        "CREATE INDEX IF NOT EXISTS stores_requests_estate_page "
        "ON stores_requests (estate_id, submitted_position, id)",
        """CREATE TABLE IF NOT EXISTS stores_stocktakes (
            id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            store_id uuid NOT NULL,
            status text NOT NULL,
            lines jsonb NOT NULL,
            note text NOT NULL,
            counted_by uuid NOT NULL,
            approval_id uuid,
            recorded_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            recorded_position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS stores_stocktakes_estate_page "
        "ON stores_stocktakes (estate_id, recorded_position, id)",
        """CREATE TABLE IF NOT EXISTS stores_order_parts (
            order_id uuid NOT NULL,
            part_id uuid NOT NULL,
            store_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            quantity numeric(14, 3) NOT NULL,
            cost numeric(14, 2) NOT NULL,
            currency text NOT NULL,
            PRIMARY KEY (order_id, store_id, part_id)
        )""",
        """CREATE TABLE IF NOT EXISTS stores_receipts (
            receipt_id uuid PRIMARY KEY,
            store_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            vendor_id uuid NOT NULL,
            request_id uuid NOT NULL,
            amount numeric(14, 2) NOT NULL,
            currency text NOT NULL,
            received_at timestamptz NOT NULL,
            position bigint NOT NULL,
            invoice_id uuid
        )""",
        "CREATE INDEX IF NOT EXISTS stores_receipts_open "
        "ON stores_receipts (estate_id, vendor_id) WHERE invoice_id IS NULL",
        """CREATE TABLE IF NOT EXISTS stores_invoices (
            id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            store_id uuid NOT NULL,
            vendor_id uuid NOT NULL,
            number text NOT NULL,
            receipt_ids jsonb NOT NULL,
            received numeric(14, 2) NOT NULL,
            amount numeric(14, 2) NOT NULL,
            difference numeric(14, 2) NOT NULL,
            currency text NOT NULL,
            invoiced_on date NOT NULL,
            status text NOT NULL,
            payment_ref text,
            method text,
            paid_on date,
            recorded_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            recorded_position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS stores_invoices_estate_page "
        "ON stores_invoices (estate_id, recorded_position, id)",
        "CREATE INDEX IF NOT EXISTS stores_invoices_open "
        "ON stores_invoices (estate_id, vendor_id) WHERE status = 'open'",
    )

    def _part(self, cur: Any, name: str, event: Any, pid: Any, pos: int) -> None:
        if name == "Registered":
            values = {"id": pid, "code": event.code, "name": event.name, "name_zh": event.name_zh}
            values.update(unit=event.unit, category=event.category)
            insert(
                cur,
                "stores_parts",
                {**values, "registered_at": occurred_at(event), "position": pos},
            )

    def _store(self, cur: Any, name: str, event: Any, sid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Opened":
            values = {"id": sid, "estate_id": event.estate_id, "code": event.code}
            values.update(name=event.name, currency=event.currency, opened_at=at, position=pos)
            insert(cur, "stores_stores", values)
        elif name == "ReorderLevelSet":
            self._stock(cur, sid, event.part_id, Decimal(0), Decimal(0), at, pos)
            cur.execute(
                "UPDATE stores_stock SET reorder_level = %s, "
                "low = low AND quantity < %s WHERE store_id = %s AND part_id = %s",
                [event.level, event.level, sid, event.part_id],
            )
        elif name == "StockFellBelowReorderLevel":
            cur.execute(
                "UPDATE stores_stock SET low = true WHERE store_id = %s AND part_id = %s",
                [sid, event.part_id],
            )
        elif name in MOVEMENT_KIND:
            self._movement(cur, name, event, sid, at, pos)
        if name == "GoodsReceived":
            values = {"receipt_id": event.receipt_id, "store_id": sid, "estate_id": event.estate_id}
            values.update(vendor_id=event.vendor_id, request_id=event.request_id)
            values.update(amount=event.amount, currency=event.currency, received_at=at)
            insert(cur, "stores_receipts", {**values, "position": pos})
        elif name == "ReceiptsInvoiced":
            cur.execute(
                "UPDATE stores_receipts SET invoice_id = %s WHERE receipt_id = ANY(%s)",
                [event.invoice_id, [UUID(r) for r in event.receipt_ids]],
            )

    @staticmethod
    def _stock(
        cur: Any, sid: Any, part: Any, qty: Decimal, value: Decimal, at: Any, pos: int
    ) -> None:
        cur.execute(
            "INSERT INTO stores_stock (store_id, part_id, estate_id, quantity, value, "
            "updated_at, position) SELECT %s, %s, estate_id, %s, %s, %s, %s FROM stores_stores "
            "WHERE id = %s ON CONFLICT (store_id, part_id) DO UPDATE SET "
            "quantity = stores_stock.quantity + EXCLUDED.quantity, "
            "value = stores_stock.value + EXCLUDED.value, "
            "low = stores_stock.low AND (stores_stock.reorder_level IS NULL OR "
            "stores_stock.quantity + EXCLUDED.quantity < stores_stock.reorder_level OR "
            "EXCLUDED.quantity <= 0), "
            "updated_at = EXCLUDED.updated_at, position = EXCLUDED.position",
            [sid, part, qty, value, at, pos, sid],
        )

    def _movement(self, cur: Any, name: str, event: Any, sid: Any, at: Any, pos: int) -> None:
        kind = MOVEMENT_KIND[name]
        record = {
            "receipt": "receipt_id",
            "issue": "issue_id",
            "return": "return_id",
            "stocktake": "stocktake_id",
        }[kind]
        out = -1 if kind == "issue" else 1
        order_id = getattr(event, "order_id", None)
        for i, line in enumerate(event.lines):
            qty = line["difference"] if kind == "stocktake" else line["quantity"] * out
            amount = line["amount"] * out
            self._stock(cur, sid, line["part_id"], qty, amount, at, pos)
            values = {"position": pos, "line": i, "store_id": sid, "estate_id": event.estate_id}
            values.update(kind=kind, record_id=getattr(event, record), part_id=line["part_id"])
            values.update(quantity=qty, amount=amount, currency=event.currency)
            values.update(order_id=order_id, vendor_id=getattr(event, "vendor_id", None))
            values.update(request_id=getattr(event, "request_id", None), at=at)
            insert(cur, "stores_movements", values)
            if order_id is not None:
                cur.execute(
                    "INSERT INTO stores_order_parts VALUES (%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT (order_id, store_id, part_id) DO UPDATE SET "
                    "quantity = stores_order_parts.quantity + EXCLUDED.quantity, "
                    "cost = stores_order_parts.cost + EXCLUDED.cost",
                    [
                        order_id,
                        line["part_id"],
                        sid,
                        event.estate_id,
                        -qty,
                        -amount,
                        event.currency,
                    ],
                )

    def _purchaserequest(self, cur: Any, name: str, event: Any, rid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Submitted":
            values = {"id": rid, "estate_id": event.estate_id, "store_id": event.store_id}
            values.update(status="awaiting_approval", lines=_lines(event.lines))
            values.update(amount=event.amount, currency=event.currency, reason=event.reason)
            values.update(requested_by=event.requested_by, approval_id=event.approval_id)
            values.update(submitted_at=at, updated_at=at, position=pos, submitted_position=pos)
            year, serial = numbers.next_serial(cur, "stores_requests", event.estate_id, event.at)
            insert(cur, "stores_requests", {**values, "number_year": year, "serial": serial})
            return
        if name == "Approved":
            update(cur, "stores_requests", "id", rid, {"status": "approved"}, at, pos)
        elif name == "Rejected":
            status = "rejected" if event.outcome == "rejected" else "withdrawn"
            update(cur, "stores_requests", "id", rid, {"status": status}, at, pos)
        elif name == "Withdrawn":
            update(cur, "stores_requests", "id", rid, {"status": "withdrawn"}, at, pos)
        elif name == "GoodsReceived":
            cur.execute("SELECT lines, received FROM stores_requests WHERE id = %s", [rid])
            lines, received = cur.fetchone()
            for line in event.lines:
                part = line["part_id"]
                received[part] = str(Decimal(received.get(part, "0")) + line["quantity"])
            done = all(
                Decimal(received.get(x["part_id"], "0")) >= Decimal(x["quantity"]) for x in lines
            )
            sets = {
                "received": to_json(received),
                "status": "received" if done else "partially_received",
            }
            update(cur, "stores_requests", "id", rid, sets, at, pos)

    def _supplierinvoice(self, cur: Any, name: str, event: Any, iid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Recorded":
            values = {"id": iid, "estate_id": event.estate_id, "store_id": event.store_id}
            values.update(vendor_id=event.vendor_id, number=event.number)
            values.update(receipt_ids=to_json(event.receipt_ids), received=event.received)
            values.update(amount=event.amount, difference=event.difference)
            values.update(currency=event.currency, invoiced_on=event.invoiced_on, status="open")
            values.update(recorded_at=at, updated_at=at, position=pos, recorded_position=pos)
            insert(cur, "stores_invoices", values)
        elif name == "Paid":
            sets = {"status": "paid", "payment_ref": event.payment_ref, "method": event.method}
            update(cur, "stores_invoices", "id", iid, {**sets, "paid_on": event.booked_on}, at, pos)

    def _stocktake(self, cur: Any, name: str, event: Any, tid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Recorded":
            status = "balanced" if event.approval_id is None else "awaiting_approval"
            values = {"id": tid, "estate_id": event.estate_id, "store_id": event.store_id}
            values.update(status=status, lines=_lines(event.lines), note=event.note)
            values.update(counted_by=event.counted_by, approval_id=event.approval_id)
            values.update(recorded_at=at, updated_at=at, position=pos, recorded_position=pos)
            insert(cur, "stores_stocktakes", values)
        elif name in ("Approved", "Rejected"):
            update(cur, "stores_stocktakes", "id", tid, {"status": name.lower()}, at, pos)
