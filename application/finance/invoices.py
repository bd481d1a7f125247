"""Invoices: request one for a unit's bills, issue it through the tax port, red-letter it.

The request (the invoice, pending, and the bills it holds) is saved first,
in one append; then the :class:`InvoiceIssuer` port is asked for a number.
Its answer is recorded as ``Issued``; its failure as ``IssueFailed``, and the
invoice stays pending, visible and holding its bills, until
:meth:`InvoiceService.retry` succeeds. Nothing is half done: a number exists
on the books only with its invoice, and bills are never held twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount, account_id_for
from domain.finance.invoices import (
    BUYER_NAME,
    Invoice,
    InvoicedBill,
    InvoiceKind,
    InvoiceStatus,
    OverInvoiced,
    invoiced_bill_id,
)
from domain.finance.money import Money


class InvoiceIssueFailed(Exception):
    """The tax system did not issue: the invoice stays pending."""


@dataclass(frozen=True)
class Draft:
    """What the tax system is asked to issue (or, red-lettered, to cancel)."""

    invoice_id: UUID
    kind: str
    total: Decimal
    net: Decimal
    tax: Decimal
    tax_rate: Decimal
    currency: str
    buyer_name: str
    buyer_tax_id: str | None
    issued_on: date
    red_letter_of: str | None = None  # the number a red-letter invoice cancels


class InvoiceIssuer(Protocol):
    """The tax system (税务 UKey, 全电发票 platform, or a local register): a number per draft;
    the same draft asked again answers the same number. Raises InvoiceIssueFailed."""

    def issue(self, draft: Draft) -> str: ...


class InvoiceNotFound(NotFound):
    title = "No such invoice"


@dataclass(frozen=True)
class RequestInvoice:
    """Finance staff of the estate invoice bills of a unit (``finance:manage``)."""

    actor: Actor
    unit_id: UUID
    kind: InvoiceKind
    bill_ids: list[UUID]
    amount: Money
    tax_rate: Decimal
    buyer_name: str
    buyer_tax_id: str | None = None


@dataclass(frozen=True)
class RetryInvoice:
    actor: Actor
    invoice_id: UUID


@dataclass(frozen=True)
class RedLetterInvoice:
    actor: Actor
    invoice_id: UUID
    reason: str


@dataclass(frozen=True)
class Outcome:
    id: UUID
    status: str
    number: str | None
    position: int


class InvoiceService:
    def __init__(self, deps: ServiceDeps, issuer: InvoiceIssuer) -> None:
        self.deps = deps
        self.issuer = issuer

    def request(self, command: RequestInvoice) -> Outcome:
        account = find(self.deps.event_log, account_id_for(command.unit_id), UnitAccount)
        if account is None:
            raise NotFound(HIDDEN)
        command.actor.check("finance:manage", None, account.estate_id)
        if not command.bill_ids or len(set(command.bill_ids)) != len(command.bill_ids):
            raise ValidationFailed("bill_ids: one or more bills of the unit, each once")
        missing = [b for b in command.bill_ids if b not in account.bills]
        if missing:
            raise ValidationFailed(f"bill_ids: no bill {missing[0]} on this unit's account")
        held = self.deps.event_log.load_many([invoiced_bill_id(b) for b in command.bill_ids])
        now, invoice_id = self.deps.clock(), self.deps.ids()
        indexes, parts, left = [], {}, command.amount.amount
        for bill_id in command.bill_ids:
            bill = account.bills[bill_id]
            index = held.get(invoiced_bill_id(bill_id)) or InvoicedBill(bill_id=bill_id, at=now)
            room = bill.charged - bill.waived - index.invoiced
            take = min(room, left)
            if take > 0:
                index.hold(invoice_id, take, now)
                indexes.append(index)
                parts[bill_id] = take
                left -= take
        if left > 0:
            allowed = command.amount.amount - left
            raise OverInvoiced(
                f"the bills allow {allowed} more {account.currency} of invoices, "
                f"not {command.amount.amount}: they are invoiced already or waived"
            )
        payments = sorted(
            {UUID(p) for b in parts for p in account.bills[b].payments if _is_uuid(p)}, key=str
        )
        invoice = Invoice.request(
            invoice_id=invoice_id,
            estate_id=account.estate_id,
            unit_id=account.unit_id,
            kind=command.kind,
            bills=parts,
            payment_ids=payments,
            total=command.amount.amount,
            tax_rate=command.tax_rate,
            currency=command.amount.currency,
            buyer_name=command.buyer_name,
            buyer_tax_id=command.buyer_tax_id,
            requested_by=command.actor.user_id,
            at=now,
            seal=lambda name: self.deps.vault.encrypt(invoice_id, BUYER_NAME, name),
        )
        self.deps.event_log.save_and_position(invoice, *indexes)
        return self._issue(invoice)

    def retry(self, command: RetryInvoice) -> Outcome:
        invoice = self._load(command.actor, command.invoice_id)
        if invoice.status is not InvoiceStatus.PENDING:
            return Outcome(
                invoice.id, str(invoice.status), invoice.number, self.deps.event_log.head()
            )
        return self._issue(invoice)

    def red_letter(self, command: RedLetterInvoice) -> Outcome:
        """Cancel an issued invoice by a red-letter one; its bills may be invoiced again."""
        invoice = self._load(command.actor, command.invoice_id)
        invoice.check_red_letter()
        if not command.reason.strip():
            raise ValidationFailed("reason: why the invoice is cancelled")
        now = self.deps.clock()
        try:
            number = self.issuer.issue(self._draft(invoice, red_letter_of=invoice.number))
        except InvoiceIssueFailed as failed:
            raise InvalidTransition(
                f"the tax system did not issue the red-letter invoice ({failed}); try again"
            ) from None
        invoice.red_letter(number, command.reason.strip(), now.date(), command.actor.user_id, now)
        indexes = self.deps.event_log.load_many([invoiced_bill_id(UUID(b)) for b in invoice.bills])
        for index in indexes.values():
            index.release(invoice.id, now)
        position = self.deps.event_log.save_and_position(invoice, *indexes.values())
        return Outcome(invoice.id, str(invoice.status), number, position)

    def _load(self, actor: Actor, invoice_id: UUID) -> Invoice:
        invoice = find(self.deps.event_log, invoice_id, Invoice)
        if invoice is None:
            raise InvoiceNotFound(HIDDEN)
        actor.check("finance:manage", None, invoice.estate_id)
        return invoice

    def _draft(self, invoice: Invoice, red_letter_of: str | None = None) -> Draft:
        return Draft(
            invoice_id=invoice.id,
            kind=invoice.kind,
            total=invoice.total,
            net=invoice.net,
            tax=invoice.tax,
            tax_rate=invoice.tax_rate,
            currency=invoice.currency,
            buyer_name=self.deps.vault.decrypt(invoice.id, BUYER_NAME, invoice.buyer_name_enc)
            or "",
            buyer_tax_id=invoice.buyer_tax_id,
            issued_on=self.deps.clock().date(),
            red_letter_of=red_letter_of,
        )

    def _issue(self, invoice: Invoice) -> Outcome:
        now = self.deps.clock()
        try:
            number = self.issuer.issue(self._draft(invoice))
        except InvoiceIssueFailed as failed:
            invoice.failed(str(failed) or "the tax system did not answer", now)
        else:
            invoice.issue(number, now.date(), now)
        position = self.deps.event_log.save_and_position(invoice)
        return Outcome(invoice.id, str(invoice.status), invoice.number, position)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True
