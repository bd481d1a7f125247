"""A supplier's invoice (供应商发票) for goods a store received, and its payment.

Goods received post Dr 1403 / Cr 2202.02 (应付账款—暂估材料款) at the
receipt's value. Finance records the vendor's invoice against the receipts it
covers (each receipt once, all of one store and of that vendor); the invoice
number is the vendor's, so the invoice's ID derives from vendor and number
and a number is recorded once per vendor. The invoice may differ from what
was received by rounding or a small price change: up to the tolerance
(:func:`tolerance`) the difference is booked to purchase price differences
(管理费用—采购价差) and the invoice stands at its own amount; beyond it the
invoice is refused, and the vendor's price is settled with them first
(decision 0062). Payment clears the invoice's amount from 2202.02, once.

So 2202.02 always holds the receipts not yet invoiced at their received
value plus the open invoices at their invoiced value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.expense_rules import PAYMENT_METHODS
from domain.finance.money import currency_of, exact_money, round_money
from domain.stores.rules import text

INVOICES = uuid5(NAMESPACE_URL, "https://estatelog/stores/supplier-invoices")
NUMBER = re.compile(r"^[0-9A-Z][0-9A-Z/._-]{0,39}$")
TOLERANCE_RATE = Decimal("0.01")
TOLERANCE_FLOOR = Decimal("1.00")
TOLERANCE_CAP = Decimal("100.00")
MAX_RECEIPTS = 50


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"


def invoice_number(value: str) -> str:
    number = re.sub(r"\s+", "", value or "").upper()
    if not NUMBER.match(number):
        raise ValidationFailed("number: 1-40 letters, digits, '/', '.', '_' or '-'")
    return number


def invoice_id(vendor_id: UUID, number: str) -> UUID:
    """One invoice per vendor and number."""
    return uuid5(INVOICES, f"{vendor_id}:{invoice_number(number)}")


def invoice_id_of(vendor_id: UUID, text: str) -> UUID | None:
    """The ID an invoice numbered ``text`` of the vendor has; None if ``text`` is no number."""
    try:
        return invoice_id(vendor_id, text)
    except ValidationFailed:
        return None


def tolerance(received: Decimal, currency: str) -> Decimal:
    """How far an invoice may differ from the received value: 1% of it, at least
    1.00 (rounding on the vendor's side) and at most 100.00."""
    share = round_money(received * TOLERANCE_RATE, currency)
    return min(max(share, TOLERANCE_FLOOR), TOLERANCE_CAP)


class SupplierInvoice(Aggregate):
    """A vendor's invoice for receipts of one store: recorded, then paid once."""

    @staticmethod
    def create_id(vendor_id: UUID, number: str, **_: Any) -> UUID:
        return invoice_id(vendor_id, number)

    @classmethod
    def record(
        cls,
        *,
        vendor_id: UUID,
        number: str,
        estate_id: UUID,
        store_id: UUID,
        receipts: dict[str, Decimal],
        amount: object,
        currency: str,
        invoiced_on: date,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> SupplierInvoice:
        """``receipts``: each covered receipt's received value (the store checked them)."""
        currency = currency_of(currency)
        total = exact_money(amount, currency, "amount")
        if total <= 0:
            raise ValidationFailed("amount: must be more than zero")
        if not receipts:
            raise ValidationFailed("receipt_ids: at least one receipt")
        if invoiced_on > at.date():
            raise ValidationFailed("invoiced_on: not in the future")
        received = sum(receipts.values(), Decimal(0))
        allowed = tolerance(received, currency)
        if abs(total - received) > allowed:
            raise ValidationFailed(
                f"amount: {total} differs from the {received} received by more than "
                f"{allowed}; settle the price with the vendor first"
            )
        return cls(
            vendor_id=vendor_id,
            number=invoice_number(number),
            estate_id=estate_id,
            store_id=store_id,
            receipt_ids=sorted(receipts),
            received=received,
            amount=total,
            difference=total - received,
            currency=currency,
            invoiced_on=invoiced_on,
            booked_on=booked_on,
            by=by,
            at=at,
        )

    @event("Recorded")
    def __init__(
        self,
        vendor_id: UUID,
        number: str,
        estate_id: UUID,
        store_id: UUID,
        receipt_ids: list[str],
        received: Decimal,
        amount: Decimal,
        difference: Decimal,
        currency: str,
        invoiced_on: date,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        self.vendor_id = vendor_id
        self.number = number
        self.estate_id = estate_id
        self.store_id = store_id
        self.amount = amount
        self.currency = currency
        self.status = InvoiceStatus.OPEN

    def pay(
        self, *, payment_ref: str, method: str, paid_by: UUID, booked_on: date, at: datetime
    ) -> None:
        """Pay the vendor the invoice's amount: once."""
        if self.status is InvoiceStatus.PAID:
            raise InvalidTransition("the invoice is already paid")
        if method not in PAYMENT_METHODS:
            raise ValidationFailed(f"method: one of {', '.join(PAYMENT_METHODS)}")
        self._paid(
            estate_id=self.estate_id,
            vendor_id=self.vendor_id,
            payment_ref=text(payment_ref, "payment_ref", 100),
            method=method,
            amount=self.amount,
            currency=self.currency,
            booked_on=booked_on,
            paid_by=paid_by,
            at=at,
        )

    @event("Paid")
    def _paid(
        self,
        estate_id: UUID,
        vendor_id: UUID,
        payment_ref: str,
        method: str,
        amount: Decimal,
        currency: str,
        booked_on: date,
        paid_by: UUID,
        at: datetime,
    ) -> None:
        self.status = InvoiceStatus.PAID
