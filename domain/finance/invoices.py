"""Invoices (发票): a record of what was invoiced for which bills, and its red-letter cancellation.

An invoice is requested for bills of one unit's account: its total (价税合计)
is split into net (金额) and tax (税额) at the invoice's rate, the tax
rounded to the fen and the net the rest. It covers the bills it names and
the payments that paid them. A bill may be invoiced up to what it charged
less what was waived, once: each bill's :class:`InvoicedBill` counts what
invoices hold of it and is saved with the invoice, so two invoices of one
bill cannot both take the same money. A special invoice (增值税专用发票)
needs the buyer's name and tax ID (统一社会信用代码); a normal one
(普通发票) may name the buyer. The buyer's name is sealed before it enters
the log (``buyer_name_enc``, with a key of the invoice's own): a normal
invoice's buyer is most often a person, and an invoice is a tax record kept
for years, so it is encrypted at rest and shown masked rather than erased
(docs/personal-data.md).

The number comes from the tax system through a port (``application``): an
invoice is ``pending`` until it is issued; a failed attempt is recorded and
the invoice stays pending, holding its bills, to be tried again. An issued
invoice is never deleted: a red-letter invoice (红字发票) with its own number
cancels it, and the bills it held may be invoiced again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/invoices")
#: The field the buyer's name is sealed as, under the invoice's own key.
BUYER_NAME = "buyer_name"
FEN = Decimal("0.01")
TAX_ID = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
#: Rates an invoice of property services may carry: general taxpayers 6%,
#: small-scale taxpayers 3% or the 1% reduced rate, exempt 0.
RATES = (
    Decimal("0.06"),
    Decimal("0.03"),
    Decimal("0.01"),
    Decimal("0.09"),
    Decimal("0.13"),
    Decimal(0),
)


class InvoiceKind(StrEnum):
    NORMAL = "normal"  # 增值税普通发票
    SPECIAL = "special"  # 增值税专用发票


class InvoiceStatus(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    RED_LETTERED = "red_lettered"


def split_total(total: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, tax) of a tax-inclusive total: tax = total * rate / (1 + rate), to the fen."""
    tax = (total * rate / (1 + rate)).quantize(FEN, ROUND_HALF_UP)
    return total - tax, tax


def invoiced_bill_id(bill_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"bill:{bill_id}")


class OverInvoiced(InvalidTransition):
    title = "More than the bills allow"


class InvoicedBill(Aggregate):
    """What invoices hold of one bill (pending or issued; red-lettered ones released)."""

    @staticmethod
    def create_id(bill_id: UUID, **_: object) -> UUID:
        return invoiced_bill_id(bill_id)

    @event("Opened")
    def __init__(self, bill_id: UUID, at: datetime) -> None:
        self.bill_id = bill_id
        self.held: dict[str, Decimal] = {}  # invoice -> amount

    @property
    def invoiced(self) -> Decimal:
        return sum(self.held.values(), Decimal(0))

    def hold(self, invoice_id: UUID, amount: Decimal, at: datetime) -> None:
        self._held(invoice_id=invoice_id, amount=amount, at=at)

    @event("Held")
    def _held(self, invoice_id: UUID, amount: Decimal, at: datetime) -> None:
        self.held[str(invoice_id)] = amount

    def release(self, invoice_id: UUID, at: datetime) -> None:
        if str(invoice_id) in self.held:
            self._released(invoice_id=invoice_id, at=at)

    @event("Released")
    def _released(self, invoice_id: UUID, at: datetime) -> None:
        self.held.pop(str(invoice_id), None)


class Invoice(Aggregate):
    @staticmethod
    def create_id(invoice_id: UUID, **_: object) -> UUID:
        return invoice_id

    @event("Requested")
    def __init__(
        self,
        invoice_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        kind: str,
        bills: dict[str, Decimal],
        payment_ids: list[UUID],
        total: Decimal,
        net: Decimal,
        tax: Decimal,
        tax_rate: Decimal,
        currency: str,
        buyer_name_enc: str | None,
        buyer_tax_id: str | None,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.bills = bills
        self.kind = kind
        self.total, self.net, self.tax, self.tax_rate = total, net, tax, tax_rate
        self.currency = currency
        self.buyer_name_enc, self.buyer_tax_id = buyer_name_enc, buyer_tax_id
        self.status = InvoiceStatus.PENDING
        self.number: str | None = None
        self.attempts = 0

    @classmethod
    def request(
        cls,
        *,
        invoice_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        kind: InvoiceKind,
        bills: dict[UUID, Decimal],
        payment_ids: list[UUID],
        total: Decimal,
        tax_rate: Decimal,
        currency: str,
        buyer_name: str,
        buyer_tax_id: str | None,
        requested_by: UUID,
        at: datetime,
        seal: Callable[[str], str],
    ) -> Invoice:
        """A pending invoice; ``seal`` encrypts the buyer's name for the log."""
        if total <= 0 or total != total.quantize(FEN):
            raise ValidationFailed("amount: a positive amount in fen")
        if tax_rate not in RATES:
            raise ValidationFailed(f"tax_rate: one of {', '.join(str(r) for r in RATES)}")
        name = buyer_name.strip()
        tax_id = (buyer_tax_id or "").strip().upper() or None
        if kind is InvoiceKind.SPECIAL and (not name or tax_id is None):
            raise ValidationFailed("a special invoice (专用发票) needs the buyer's name and tax ID")
        if tax_id is not None and not TAX_ID.match(tax_id):
            raise ValidationFailed("buyer_tax_id: an 18-character unified social credit code")
        if kind is InvoiceKind.SPECIAL and tax_rate == 0:
            raise ValidationFailed("a special invoice carries tax: its rate is not 0")
        net, tax = split_total(total, tax_rate)
        return cls(
            invoice_id=invoice_id,
            estate_id=estate_id,
            unit_id=unit_id,
            kind=str(kind),
            bills={str(b): a for b, a in bills.items()},
            payment_ids=payment_ids,
            total=total,
            net=net,
            tax=tax,
            tax_rate=tax_rate,
            currency=currency,
            buyer_name_enc=seal(name) if name else None,
            buyer_tax_id=tax_id,
            requested_by=requested_by,
            at=at,
        )

    def issue(self, number: str, issued_on: date, at: datetime) -> None:
        if self.status is not InvoiceStatus.PENDING:
            raise InvalidTransition(f"the invoice is {self.status}, not pending")
        self._issued(number=number, issued_on=issued_on, at=at)

    @event("Issued")
    def _issued(self, number: str, issued_on: date, at: datetime) -> None:
        self.status = InvoiceStatus.ISSUED
        self.number = number

    def failed(self, reason: str, at: datetime) -> None:
        self._issue_failed(reason=reason[:500], attempt=self.attempts + 1, at=at)

    @event("IssueFailed")
    def _issue_failed(self, reason: str, attempt: int, at: datetime) -> None:
        self.attempts = attempt

    def check_red_letter(self) -> None:
        if self.status is not InvoiceStatus.ISSUED:
            raise InvalidTransition(
                f"only an issued invoice is red-lettered; this one is {self.status}"
            )

    def red_letter(self, number: str, reason: str, issued_on: date, by: UUID, at: datetime) -> None:
        """Cancel the invoice with a red-letter invoice (红字发票) of the same amounts."""
        self.check_red_letter()
        self._red_lettered(number=number, reason=reason, issued_on=issued_on, by=by, at=at)

    @event("RedLettered")
    def _red_lettered(
        self, number: str, reason: str, issued_on: date, by: UUID, at: datetime
    ) -> None:
        self.status = InvoiceStatus.RED_LETTERED
