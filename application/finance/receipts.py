"""Receipts: numbered in the same append as the payment, under the log's lock.

:class:`Receipts` is what the payment service calls while it decides: the
receipt drawn in its estate's series and the :class:`Number` its append must
assign (decision 0041), and the receipt to void with a reversal.
:meth:`Receipts.reprint` is the one command of its own: finance staff of the
estate record a copy printed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.ports import Number
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
        # (estate, year) -> (estate code, the legacy book's count): neither changes
        # once read (the book is never appended to again), so a payment reads them
        # once per process and series, not once per payment.
        self._series: dict[tuple[UUID, int], tuple[str, int]] = {}

    def issued(self, paid: Paid, *, at: datetime) -> tuple[PaymentReceipt, Number]:
        """The payment's receipt, and its number to ask of the append that saves it.

        The number continues the estate's book of the year, if receipts were
        numbered by one before decision 0041: its count is the floor.
        """
        code, floor = self._code_and_floor(paid.estate_id, paid.on.year)
        receipt = PaymentReceipt.draw(
            payment_id=paid.payment_id,
            estate_id=paid.estate_id,
            estate_code=code,
            year=paid.on.year,
            unit_id=paid.unit_id,
            method=paid.method,
            reference=paid.reference,
            amount=paid.amount,
            currency=paid.currency,
            issued_on=paid.on,
            issued_by=paid.by,
            at=at,
        )
        assert receipt.series is not None
        return receipt, Number(receipt.series, receipt.id, floor=floor)

    def _code_and_floor(self, estate_id: UUID, year: int) -> tuple[str, int]:
        known = self._series.get((estate_id, year))
        if known is None:
            book = find(self.deps.event_log, book_id_for(estate_id, year), ReceiptBook)
            if book is not None:
                known = (book.estate_code, book.issued)
            else:
                estate = find(self.deps.event_log, estate_id, Estate)
                known = (estate.code if estate is not None else str(estate_id)[:8].upper(), 0)
            self._series[(estate_id, year)] = known
        return known

    def number_of(self, receipt: PaymentReceipt) -> str:
        """The receipt's number: the book's, or its series' serial from the log."""
        if receipt.number is not None:
            return receipt.number
        serial = self.deps.event_log.serial_of(receipt.id)
        if serial is None:  # drawn receipts are saved numbered: never
            raise RuntimeError(f"receipt {receipt.label} has no serial in the log")
        return receipt.numbered(serial)

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
        position = self.deps.event_log.save_and_position(receipt)
        return self.number_of(receipt), copy, position
