"""Receipts (收据): a gap-free number per estate and year for every payment (issue 14).

Every payment the system records, by any method, is given the next number
of its estate's receipt book for the year the payment is booked in:
``SJ-<estate code>-<year>-<000001>``. Numbering restarts at 000001 each
calendar year (a receipt book is a year's book, as the paper ones are), and
within a year it has no gaps: the :class:`ReceiptBook` counts, and the
payment service saves the book, the :class:`PaymentReceipt` and the payment in one
append, so a payment never exists without its number nor a number without
its payment. Two payments racing for one number conflicted on the book's
version and the loser was retried with the next: at 16 payers in one estate,
17 payments/s.

Since decision 0041 the book is no longer appended to. A receipt is
``Drawn`` in its series (estate and year, :func:`receipt_series`) without a
number, and the append that saves it takes the series' next serial under the
event log's lock (``application/ports.py: Number``), so payers never conflict
over a number. The serials continue after the book's last (``floor``): the
receipts the book numbered keep theirs, and the first drawn one is the
book's count + 1. A receipt drawn this way learns its number from the log
(``number`` is None in its state until the application fills it in from
the serial; :attr:`PaymentReceipt.label` names it either way).

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


def receipt_series(estate_id: UUID, year: int) -> str:
    """The series (``Number.series``) of an estate's receipts of one year."""
    return f"receipt:{estate_id}:{year}"


def numbered_by_the_log(event: object) -> tuple[str, int | None] | None:
    """How an event counts in the log's numbering of receipts (decision 0041).

    ``(series, None)``: a drawn receipt, which takes its series' next serial;
    ``(series, serial)``: a receipt the book numbered, which the series counts
    on after; None: no part of it. Rebuilding the numbers from the log, and
    the receipts read model, follow this rule in position order.
    """
    if isinstance(event, PaymentReceipt.Drawn):
        return receipt_series(event.estate_id, event.year), None
    if isinstance(event, PaymentReceipt.Issued):
        return receipt_series(event.estate_id, event.issued_on.year), event.serial
    return None


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

    #: 2: drawn receipts (decision 0041) keep their series and no number.
    class_version = 2
    bank_line_id: UUID | None = None

    @staticmethod
    def create_id(payment_id: UUID, **_: object) -> UUID:
        return receipt_id_for(payment_id)

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        state["estate_code"] = state["year"] = None

    class Issued(Aggregate.Created):
        """Issued with the number the estate's book gave it (issue 14, decision 0026)."""

        payment_id: UUID
        number: str
        serial: int
        estate_id: UUID
        unit_id: UUID
        method: str
        reference: str | None
        amount: Decimal
        currency: str
        issued_on: date
        issued_by: UUID | None
        at: datetime

    class Drawn(Aggregate.Created):
        """Issued in the series of its estate and year; the append that saved it
        numbered it (decision 0041), so the event carries no number."""

        payment_id: UUID
        estate_id: UUID
        estate_code: str
        year: int
        unit_id: UUID
        method: str
        reference: str | None
        amount: Decimal
        currency: str
        issued_on: date
        issued_by: UUID | None
        at: datetime

    def __init__(
        self,
        payment_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        method: str,
        amount: Decimal,
        currency: str,
        number: str | None = None,
        estate_code: str | None = None,
        year: int | None = None,
    ) -> None:
        self.payment_id = payment_id
        self.number = number
        self.estate_code = estate_code
        self.year = year
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.method = method
        self.amount = amount
        self.currency = currency
        self.void = False
        self.copies = 0

    @classmethod
    def issue(cls, *, payment_id: UUID, number: str, serial: int, **said: object) -> PaymentReceipt:
        """A receipt numbered by the book (the receipts recorded before decision 0041)."""
        return cls._create(
            cls.Issued,
            id=receipt_id_for(payment_id),
            payment_id=payment_id,
            number=number,
            serial=serial,
            **said,
        )

    @classmethod
    def draw(
        cls, *, payment_id: UUID, estate_id: UUID, estate_code: str, year: int, **said: object
    ) -> PaymentReceipt:
        """A receipt of its estate's series for ``year``, to be numbered by its append."""
        return cls._create(
            cls.Drawn,
            id=receipt_id_for(payment_id),
            payment_id=payment_id,
            estate_id=estate_id,
            estate_code=estate_code,
            year=year,
            **said,
        )

    @property
    def series(self) -> str | None:
        """The series a drawn receipt was numbered in; None for a book's receipt."""
        return None if self.year is None else receipt_series(self.estate_id, self.year)

    def numbered(self, serial: int) -> str:
        """The number of a drawn receipt with the serial its append took."""
        assert self.estate_code is not None and self.year is not None
        return receipt_number(self.estate_code, self.year, serial)

    @property
    def label(self) -> str:
        return self.number or f"of payment {self.payment_id}"

    def cancel(self, reason: str, at: datetime) -> None:
        """Void the receipt (its payment was reversed); the number is kept, never reused."""
        if self.void:
            raise ReceiptVoid(f"receipt {self.label} is already void")
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
            raise ReceiptVoid(f"the payment of receipt {self.label} was reversed")
        if self.bank_line_id is not None:
            raise InvalidTransition(
                f"the payment of receipt {self.label} is already matched to a bank line"
            )
        self._bank_line_matched(line_id=line_id, at=at)

    @event("BankLineMatched")
    def _bank_line_matched(self, line_id: UUID, at: datetime) -> None:
        self.bank_line_id = line_id

    @event("Reprinted")
    def _reprinted(self, copy: int, by: UUID, at: datetime) -> None:
        self.copies = copy
