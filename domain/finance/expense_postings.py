"""The journal entries of expense claims (R5.3): what ``Approved`` and ``Paid`` book."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.finance.accounts import EXPENSE_ACCOUNTS, PAYABLES, PAYMENT_ACCOUNTS
from domain.finance.journal import Entry, Line, PostingFunction


def post(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """The journal entry of an ExpenseClaim event (R5.3); None for events that move no money.

    ``Approved``: Dr the category's expense account / Cr payables (the vendor).
    ``Paid``: Dr payables (the vendor) / Cr bank (bank_transfer) or cash.
    """
    if event_name == "Approved":
        amount, currency, vendor = payload["amount"], payload["currency"], payload["vendor_id"]
        category = payload["category"]
        return Entry(
            estate_id=payload["estate_id"],
            booked_on=payload["booked_on"],
            memo=f"expense approved: {category}",
            lines=(
                Line.dr(EXPENSE_ACCOUNTS[category], amount, currency, party_id=vendor),
                Line.cr(PAYABLES, amount, currency, party_id=vendor),
            ),
        ).check()
    if event_name == "Paid":
        amount, currency, vendor = payload["amount"], payload["currency"], payload["vendor_id"]
        return Entry(
            estate_id=payload["estate_id"],
            booked_on=payload["booked_on"],
            memo=f"expense paid: {payload['payment_ref']}",
            lines=(
                Line.dr(PAYABLES, amount, currency, party_id=vendor),
                Line.cr(PAYMENT_ACCOUNTS[payload["method"]], amount, currency),
            ),
        ).check()
    return None


# Aggregate class name -> its posting function (see domain/finance/journal.py).
POSTINGS: dict[str, PostingFunction] = {"ExpenseClaim": post}
