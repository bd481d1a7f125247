"""The journal entries of the stores (R5.3): what a store's stock movements book.

``GoodsReceived``: Dr inventory (原材料) / Cr payables for goods received
(the vendor as party), at the receipt's amount. ``PartsIssued``: Dr repairs
(the work order's cost) / Cr inventory, at the moving-average cost;
``PartsReturned`` the reverse. ``CountAdjusted``: the net of a stocktake's
approved differences between inventory and inventory count differences
(管理费用—存货盘盈盘亏): a loss debits it, a gain credits it.

``SupplierInvoice.Recorded``: the invoice's difference from the received
value it covers, between payables for goods received and purchase price
differences (管理费用—采购价差); nothing when it matches.
``SupplierInvoice.Paid``: Dr payables for goods received / Cr bank or cash.
So 2202.02 holds the receipts not yet invoiced plus the open invoices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.finance.accounts import (
    EXPENSE_ACCOUNTS,
    INVENTORY,
    INVENTORY_DIFFERENCES,
    PAYMENT_ACCOUNTS,
    PURCHASE_PRICE_DIFFERENCES,
    STORES_PAYABLE,
)
from domain.finance.journal import Entry, Line, PostingFunction

PARTS_EXPENSE = EXPENSE_ACCOUNTS["repairs"]


def post(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """The journal entry of a Store event; None for events that move no money."""
    if event_name not in ("GoodsReceived", "PartsIssued", "PartsReturned", "CountAdjusted"):
        return None
    amount, currency = payload["amount"], str(payload["currency"])
    if not amount:
        return None
    head = {"estate_id": payload["estate_id"], "booked_on": payload["booked_on"]}
    if event_name == "GoodsReceived":
        vendor = payload["vendor_id"]
        lines = (
            Line.dr(INVENTORY, amount, currency),
            Line.cr(STORES_PAYABLE, amount, currency, party_id=vendor),
        )
        return Entry(**head, memo="goods received", lines=lines).check()
    if event_name == "PartsIssued":
        lines = (Line.dr(PARTS_EXPENSE, amount, currency), Line.cr(INVENTORY, amount, currency))
        return Entry(**head, memo=f"parts issued to {payload['order_id']}", lines=lines).check()
    if event_name == "PartsReturned":
        lines = (Line.dr(INVENTORY, amount, currency), Line.cr(PARTS_EXPENSE, amount, currency))
        return Entry(**head, memo=f"parts returned by {payload['order_id']}", lines=lines).check()
    if amount > 0:
        lines = (
            Line.dr(INVENTORY, amount, currency),
            Line.cr(INVENTORY_DIFFERENCES, amount, currency),
        )
    else:
        lines = (
            Line.dr(INVENTORY_DIFFERENCES, -amount, currency),
            Line.cr(INVENTORY, -amount, currency),
        )
    return Entry(**head, memo="stocktake differences", lines=lines).check()


def post_invoice(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """The journal entry of a SupplierInvoice event; None when it moves no money."""
    head = {"estate_id": payload["estate_id"], "booked_on": payload["booked_on"]}
    currency, vendor = str(payload["currency"]), payload["vendor_id"]
    if event_name == "Paid":
        amount = payload["amount"]
        lines = (
            Line.dr(STORES_PAYABLE, amount, currency, party_id=vendor),
            Line.cr(PAYMENT_ACCOUNTS[payload["method"]], amount, currency),
        )
        return Entry(**head, memo=f"supplier paid: {payload['payment_ref']}", lines=lines).check()
    if event_name != "Recorded" or not payload["difference"]:
        return None
    difference = payload["difference"]
    memo = f"invoice {payload['number']}: price difference"
    if difference > 0:
        lines = (
            Line.dr(PURCHASE_PRICE_DIFFERENCES, difference, currency),
            Line.cr(STORES_PAYABLE, difference, currency, party_id=vendor),
        )
    else:
        lines = (
            Line.dr(STORES_PAYABLE, -difference, currency, party_id=vendor),
            Line.cr(PURCHASE_PRICE_DIFFERENCES, -difference, currency),
        )
    return Entry(**head, memo=memo, lines=lines).check()


# Aggregate class name -> its posting function (see domain/finance/journal.py).
POSTINGS: dict[str, PostingFunction] = {"Store": post, "SupplierInvoice": post_invoice}
