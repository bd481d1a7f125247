"""Receipts: the next number of the estate's book in the same append as the payment.

:class:`Receipts` is what the payment service calls while it decides: the
receipt (and the book it counted in) to save with the payment, and the
receipt to void with a reversal. :meth:`Receipts.reprint` is the one command
of its own: finance staff of the estate record a copy printed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.services import ServiceDeps, find
from domain.finance.receipts import PaymentReceipt, ReceiptBook, book_id_for, receipt_id_for
from domain.registry.places import Estate


class ReceiptNotFound(NotFound):
    title = "No such receipt"


@dataclass(frozen=True)
class ReprintReceipt:
    """Finance staff of the estate (``finance:manage``) print a payment's receipt again."""

    actor: Actor
    payment_id: UUID


@dataclass(frozen=True)
class Paid:
    """What a receipt says of its payment."""

    payment_id: UUID
    estate_id: UUID
    unit_id: UUID
    method: str
    reference: str | None
    amount: Decimal
    currency: str
    on: date
    by: UUID | None


class Receipts:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def issued(self, paid: Paid, *, fresh: bool, at: datetime) -> list[Any]:
        """The payment's receipt and the book that numbered it, to save with the payment.

        A first attempt numbers on this process's last saved book: a stale one
        conflicts in the append, and the retry loads it fresh.
        """
        year = paid.on.year
        book_id = book_id_for(paid.estate_id, year)
        recalled = None if fresh else self.deps.event_log.recall(book_id)
        book = recalled if isinstance(recalled, ReceiptBook) else None
        if book is None:
            book = find(self.deps.event_log, book_id, ReceiptBook)
        if book is None:
            estate = find(self.deps.event_log, paid.estate_id, Estate)
            code = estate.code if estate is not None else str(paid.estate_id)[:8].upper()
            book = ReceiptBook(estate_id=paid.estate_id, estate_code=code, year=year, at=at)
        number = book.issue(paid.payment_id, at)
        receipt = PaymentReceipt(
            payment_id=paid.payment_id,
            number=number,
            serial=book.issued,
            estate_id=paid.estate_id,
            unit_id=paid.unit_id,
            method=paid.method,
            reference=paid.reference,
            amount=paid.amount,
            currency=paid.currency,
            issued_on=paid.on,
            issued_by=paid.by,
            at=at,
        )
        return [book, receipt]

    def voided(self, payment_id: UUID, reason: str, at: datetime) -> list[Any]:
        """The reversed payment's receipt, voided (none for a payment recorded before receipts)."""
        receipt = find(self.deps.event_log, receipt_id_for(payment_id), PaymentReceipt)
        if receipt is None or receipt.void:
            return []
        receipt.cancel(reason, at)
        return [receipt]

    def reprint(self, command: ReprintReceipt) -> tuple[str, int, int]:
        """Record a reprint: the receipt's number, the copy's count and the position."""
        receipt = find(self.deps.event_log, receipt_id_for(command.payment_id), PaymentReceipt)
        if receipt is None:
            raise ReceiptNotFound(HIDDEN)
        command.actor.check("finance:manage", None, receipt.estate_id)
        copy = receipt.reprint(command.actor.user_id, self.deps.clock())
        return receipt.number, copy, self.deps.event_log.save_and_position(receipt)
