"""Suppliers' invoices for goods received into stores, and their payment (decision 0062).

Finance (``expenses:manage`` of the estate) records the vendor's invoice
against receipts of one store: the store marks them invoiced (each once,
of that vendor) and the invoice is created, in one append. Paying it clears
payables for goods received (2202.02). The purchase was approved as a
request before any goods came, so an invoice that matches its receipts
within the tolerance needs no second approval; one beyond it is refused.
"""

from __future__ import annotations

from uuid import UUID

from application.actor import HIDDEN
from application.errors import NotFound
from application.services import ServiceDeps, find, load
from application.stores.commands import PaySupplierInvoice, RecordSupplierInvoice
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.vendors import Vendor
from domain.stores.invoice import SupplierInvoice, invoice_id
from domain.stores.store import Store


class InvoiceNotFound(NotFound):
    """No such invoice or store, or not one of the actor's estates."""


class SupplierInvoices:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def record(self, cmd: RecordSupplierInvoice) -> tuple[UUID, int]:
        store = load(self.deps.event_log, cmd.store_id, Store, InvoiceNotFound(HIDDEN))
        cmd.actor.check("stores:read", None, store.estate_id)
        cmd.actor.require("expenses:manage", None, store.estate_id)
        if find(self.deps.event_log, cmd.vendor_id, Vendor) is None:
            raise ValidationFailed("vendor_id: no such vendor")
        if cmd.currency != store.currency:
            raise ValidationFailed(f"currency: the store is kept in {store.currency}")
        new_id = invoice_id(cmd.vendor_id, cmd.number)
        if find(self.deps.event_log, new_id, SupplierInvoice) is not None:
            raise InvalidTransition(f"number: the vendor's invoice {cmd.number} is recorded")
        now, receipts = self.deps.clock(), list(cmd.receipt_ids)
        invoice = SupplierInvoice.record(
            vendor_id=cmd.vendor_id,
            number=cmd.number,
            estate_id=store.estate_id,
            store_id=store.id,
            receipts=store.to_invoice(cmd.vendor_id, receipts),
            amount=cmd.amount,
            currency=cmd.currency,
            invoiced_on=cmd.invoiced_on,
            booked_on=now.date(),
            by=cmd.actor.user_id,
            at=now,
        )
        store.invoice(invoice_id=invoice.id, vendor_id=cmd.vendor_id, receipt_ids=receipts, at=now)
        return invoice.id, self.deps.event_log.save_and_position(store, invoice)

    def pay(self, cmd: PaySupplierInvoice) -> int:
        invoice = load(
            self.deps.event_log, cmd.invoice_id, SupplierInvoice, InvoiceNotFound(HIDDEN)
        )
        cmd.actor.check("stores:read", None, invoice.estate_id)
        cmd.actor.require("expenses:manage", None, invoice.estate_id)
        now = self.deps.clock()
        invoice.pay(
            payment_ref=cmd.payment_ref,
            method=cmd.method,
            paid_by=cmd.actor.user_id,
            booked_on=now.date(),
            at=now,
        )
        return self.deps.event_log.save_and_position(invoice)
