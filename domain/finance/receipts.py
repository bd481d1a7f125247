"""Receipts (收据): a gap-free number per estate and year for every payment (issue 14).

Every payment the system records, by any method, is given the next number
of its estate's receipt book for the year the payment is booked in:
``SJ-<estate code>-<year>-<000001>``. Numbering restarts at 000001 each
calendar year (a receipt book is a year's book, as the paper ones are), and
within a year it has no gaps: the :class:`ReceiptBook` counts, and the
payment service saves the book, the :class:`PaymentReceipt` and the payment in one
append, so a payment never exists without its number nor a number without
its payment. Two payments racing for one number conflict on the book's
version and the loser is retried with the next.

A receipt is never deleted. A reversed payment voids its receipt (作废): the
number stays in the book, marked void, and is not used again. A copy printed
again is recorded (``Reprinted``, with its count) and says 补打/REPRINT.

A cash payment also carries the clerk's paper receipt number as its
reference (its natural key, ``domain/finance/references.py``); the system
number is issued beside it, for cash as for bank and online payments.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/receipts")
DIGITS = 6


def book_id_for(estate_id: UUID, year: int) -> UUID:
    return uuid5(NAMESPACE, f"book:{estate_id}:{year}")


def receipt_id_for(payment_id: UUID) -> UUID:
    """A payment has one receipt: its ID derives from the payment's."""
    return uuid5(NAMESPACE, f"receipt:{payment_id}")


def receipt_number(estate_code: str, year: int, serial: int) -> str:
    return f"SJ-{estate_code}-{year}-{serial:0{DIGITS}d}"


class ReceiptBook(Aggregate):
    """The estate's receipt numbers of one year: only the count of those issued."""

    @staticmethod
    def create_id(estate_id: UUID, year: int, **_: object) -> UUID:
        return book_id_for(estate_id, year)

    @event("Opened")
    def __init__(self, estate_id: UUID, estate_code: str, year: int, at: datetime) -> None:
        self.estate_id = estate_id
        self.estate_code = estate_code
        self.year = year
        self.issued = 0

    def issue(self, payment_id: UUID, at: datetime) -> str:
        """The next number, for ``payment_id``."""
        self._issued(serial=self.issued + 1, payment_id=payment_id, at=at)
        return receipt_number(self.estate_code, self.year, self.issued)

    @event("Issued")
    def _issued(self, serial: int, payment_id: UUID, at: datetime) -> None:
        self.issued = serial


class ReceiptVoid(InvalidTransition):
    title = "Receipt already void"


class PaymentReceipt(Aggregate):
    """One payment's receipt: what it says, whether it is void, how often reprinted,
    and the bank-statement line finance matched its money to by hand."""

    bank_line_id: UUID | None = None

    @staticmethod
    def create_id(payment_id: UUID, **_: object) -> UUID:
        return receipt_id_for(payment_id)

    @event("Issued")
    def __init__(
        self,
        payment_id: UUID,
        number: str,
        serial: int,
        estate_id: UUID,
        unit_id: UUID,
        method: str,
        reference: str | None,
        amount: Decimal,
        currency: str,
        issued_on: date,
        issued_by: UUID | None,
        at: datetime,
    ) -> None:
        self.payment_id = payment_id
        self.number = number
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.method = method
        self.amount = amount
        self.currency = currency
        self.void = False
        self.copies = 0

    def cancel(self, reason: str, at: datetime) -> None:
        """Void the receipt (its payment was reversed); the number is kept, never reused."""
        if self.void:
            raise ReceiptVoid(f"receipt {self.number} is already void")
        self._voided(reason=reason, at=at)

    @event("Voided")
    def _voided(self, reason: str, at: datetime) -> None:
        self.void = True

    def reprint(self, by: UUID, at: datetime) -> int:
        """Record a copy printed again; its count (1 for the first reprint)."""
        self._reprinted(copy=self.copies + 1, by=by, at=at)
        return self.copies

    def match_bank_line(self, line_id: UUID, at: datetime) -> None:
        """Note the bank line this payment's money arrived on (a match by hand)."""
        if self.void:
            raise ReceiptVoid(f"the payment of receipt {self.number} was reversed")
        if self.bank_line_id is not None:
            raise InvalidTransition(
                f"the payment of receipt {self.number} is already matched to a bank line"
            )
        self._bank_line_matched(line_id=line_id, at=at)

    @event("BankLineMatched")
    def _bank_line_matched(self, line_id: UUID, at: datetime) -> None:
        self.bank_line_id = line_id

    @event("Reprinted")
    def _reprinted(self, copy: int, by: UUID, at: datetime) -> None:
        self.copies = copy
