"""HTTP routes of suppliers' invoices for goods received into stores (decision 0062).

Finance (``expenses:manage``) records a vendor's invoice against receipts of
one store and pays it; whoever reads the estate's stores reads the invoices
and what is open per vendor (``/supplier-payables``). An expense claim is
not the way to pay for goods that came in through stores: see docs/stores.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from application.stores import commands as c
from domain.finance.money import DEFAULT_CURRENCY
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.finance.expenses.views import Payment
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    Created,
    Cursor,
    Page,
    accepted,
    paged,
)
from interfaces.http.security import Principal, requires
from interfaces.http.stores.reads import READ, After, Limit, _at, _stores, newest, one
from interfaces.http.text import SingleLine
from interfaces.http.views import from_view
from projections.stores import payables as queries
from projections.stores.payables import InvoiceRow, PayableRow
from projections.stores.readmodel import NAME as PROJECTION

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["stores"])
PAY = Permission.EXPENSES_MANAGE_ESTATE
InvoiceStatus = Literal["open", "paid"]


class SupplierInvoiceIn(Command):
    vendor_id: UUID
    number: Annotated[str, SingleLine(40)] = Field(description="the vendor's invoice number")
    receipt_ids: Annotated[list[UUID], Field(min_length=1, max_length=50)]
    amount: Annotated[Amount, Field(gt=0, decimal_places=2)]
    currency: Annotated[str, SingleLine(3)] = DEFAULT_CURRENCY
    invoiced_on: date


@from_view(InvoiceRow, drop=("recorded_position",))
class SupplierInvoiceView(BaseModel):
    """A supplier's invoice: the receipts it covers, their value, its difference, its payment."""


@from_view(PayableRow)
class PayableView(BaseModel):
    """What an estate owes a vendor for goods: receipts not invoiced plus open invoices."""


@router.post("/stores/{store_id}/supplier-invoices", status_code=status.HTTP_201_CREATED)
def record_supplier_invoice(
    store_id: UUID, body: SupplierInvoiceIn, request: Request, principal: Principal = requires(PAY)
) -> Created:
    """Record a vendor's invoice against the store's receipts it covers (a number once per
    vendor); beyond the tolerance from the received value it is refused."""
    command = c.RecordSupplierInvoice(
        principal,
        store_id,
        body.vendor_id,
        body.number,
        tuple(body.receipt_ids),
        str(body.amount),
        body.invoiced_on,
        body.currency,
    )
    invoice_id, position = _stores(request).invoices.record(command)
    return Created(id=invoice_id, position=position)


@router.post("/supplier-invoices/{supplier_invoice_id}/payment", response_model=Accepted)
def pay_supplier_invoice(
    supplier_invoice_id: UUID, body: Payment, request: Request, principal: Principal = requires(PAY)
) -> Any:
    """Pay the vendor the invoice's amount (409 if it is paid already)."""
    command = c.PaySupplierInvoice(principal, supplier_invoice_id, body.payment_ref, body.method)
    return accepted(_stores(request).invoices.pay(command))


@router.get("/supplier-invoices")
async def list_supplier_invoices(
    request: Request,
    principal: Principal = requires(READ),
    estate_id: UUID | None = None,
    vendor_id: UUID | None = None,
    status: InvoiceStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[SupplierInvoiceView]:
    """Suppliers' invoices of the caller's estates, newest first."""
    filters = {"estate_id": estate_id, "vendor_id": vendor_id, "status": status}
    found = newest(request, principal, after, cursor, limit, queries.invoices, **filters)
    view = SupplierInvoiceView.model_validate
    return paged(await found, limit, view, _at("recorded_position"))


@router.get("/supplier-invoices/{supplier_invoice_id}")
async def get_supplier_invoice(
    supplier_invoice_id: UUID,
    request: Request,
    principal: Principal = requires(READ),
    after: After = None,
) -> SupplierInvoiceView:
    """One supplier's invoice."""
    found = await one(
        request, principal, after, queries.invoice, supplier_invoice_id, "supplier invoice"
    )
    return SupplierInvoiceView.model_validate(found)


@router.get("/supplier-payables")
async def list_supplier_payables(
    request: Request,
    principal: Principal = requires(READ),
    estate_id: UUID | None = None,
    vendor_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[PayableView]:
    """Per estate and vendor, what is open: receipts not yet invoiced and invoices not paid."""
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, UUID, UUID, str) if cursor else None
    rows = await query_off_loop(
        request,
        queries.payables,
        principal.reach(READ.action),
        estate_id=estate_id,
        vendor_id=vendor_id,
        after_key=key,
        limit=limit + 1,
    )
    return paged(
        rows,
        limit,
        PayableView.model_validate,
        lambda r: (r["estate_id"], r["vendor_id"], r["currency"]),
    )
