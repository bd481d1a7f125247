"""Each estate's stores in the world of two estates (issue 17).

A part of the company catalogue (the administrator adds one per estate, so
each estate's records are its own), a store, a purchase request approved and
received from the world's vendor and
invoiced by it (recorded by finance, open), two of the parts issued to the estate's
assigned work order, and a stocktake whose difference waits for approval.
Records: ``store``, ``purchase``, ``stocktake``, ``supplier_invoice``; the order's parts read as
the ``order``'s; the part is company data, ``domain.stores.rules.part_id("BRK-A")``.
"""

from __future__ import annotations

from typing import Any

from tests.support.estate_world import Builder, Estate, settle


def build(b: Builder, e: Estate, vendor: str) -> None:
    keeper = e.storekeeper.headers
    part = b.created(
        "parts",
        {
            "code": f"BRK-{e.name}",
            "name": f"Breaker {e.name}",
            "name_zh": "空气开关",
            "unit": "piece",
            "category": "electrical",
        },
    )
    store = b.created("stores", {"estate_id": e["estate"], "code": "MAIN", "name": "Main"}, keeper)
    line: dict[str, Any] = {"part_id": part, "quantity": "10", "unit_price": "25.00"}
    asked = b.post(
        f"stores/{store}/purchase-requests",
        {"lines": [line], "reason": "lobby lights"},
        e.technician.headers,
    )
    settle(b.container)
    b.approve_fully(str(asked["approval_id"]))
    receipt = b.post(
        f"purchase-requests/{asked['id']}/receipts",
        {"vendor_id": vendor, "lines": [{**line, "unit_price": "24.00"}]},
        keeper,
    )
    invoice = b.post(
        f"stores/{store}/supplier-invoices",
        {"vendor_id": vendor, "number": f"FP-{e.name}-1", "receipt_ids": [receipt["id"]],
         "amount": "240.00", "invoiced_on": "2026-01-15"},
        e.finance.headers,
    )  # fmt: skip
    b.post(
        f"stores/{store}/issues",
        {"order_id": e["order"], "lines": [{"part_id": part, "quantity": "2"}]},
        keeper,
    )
    counted = b.post(
        f"stores/{store}/stocktakes", {"lines": [{"part_id": part, "counted": "7"}]}, keeper
    )
    # The part is company data (code BRK-<estate>, ID ``part_id(code)``), not A's record.
    e.records.update(
        store=store,
        purchase=str(asked["id"]),
        stocktake=counted["id"],
        supplier_invoice=invoice["id"],
    )
