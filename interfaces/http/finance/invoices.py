"""HTTP routes of invoices (发票): request for bills, retry a pending one, red-letter one.

Finance staff of the estate request and cancel invoices; staff read their
estates' invoices, owners their units', auditors all. Details:
docs/finance/invoices.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.finance.invoices import (
    InvoiceService,
    Outcome,
    RedLetterInvoice,
    RequestInvoice,
    RetryInvoice,
)
from domain.finance.invoices import InvoiceKind
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    CurrencyCode,
    Cursor,
    DecimalInput,
    Page,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.finance import invoices as queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: invoices"])
PROJECTION = "finance_invoices"


class InvoiceRequest(Command):
    kind: InvoiceKind = InvoiceKind.NORMAL
    bill_ids: list[UUID] = Field(min_length=1, max_length=120)
    amount: Amount = Field(description="价税合计: the total, tax included")
    currency: CurrencyCode = "CNY"
    tax_rate: DecimalInput = Field(Decimal("0.06"), description="0.06, 0.03, 0.01, 0.09, 0.13 or 0")
    buyer_name: Annotated[str, SingleLine(200, min_length=0)] = ""
    buyer_tax_id: Annotated[str, SingleLine(18, min_length=0)] | None = Field(
        None, description="统一社会信用代码: required on a special invoice"
    )


class RedLetter(Command):
    reason: Annotated[str, MultiLine(500)]


class InvoiceDone(Accepted):
    id: UUID
    status: Literal["pending", "issued", "red_lettered"]
    number: str | None = Field(description="the invoice's number, or the red letter's")


@from_view(queries.InvoiceRow, rename={"invoice_id": "id"})
class InvoiceView(BaseModel):
    """An invoice as the read model holds it."""


def _service(request: Request) -> InvoiceService:
    return container(request).finance.invoices


def _done(outcome: Outcome) -> InvoiceDone:
    return InvoiceDone.model_validate(vars(outcome))


@router.post("/units/{unit_id}/invoices", status_code=status.HTTP_201_CREATED)
def request_invoice(
    unit_id: UUID,
    body: InvoiceRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> InvoiceDone:
    """Invoice bills of the unit: no more than they charged less waivers and other
    invoices (409). 201 ``issued`` with its number, or ``pending`` when the tax
    system did not issue (retry it)."""
    return _done(
        _service(request).request(
            RequestInvoice(
                principal,
                unit_id,
                body.kind,
                body.bill_ids,
                Money.of(body.amount, body.currency),
                body.tax_rate,
                body.buyer_name,
                body.buyer_tax_id,
            )
        )
    )


@router.post("/invoices/{invoice_id}/issue")
def retry_invoice(
    invoice_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> InvoiceDone:
    """Ask the tax system again for a pending invoice's number (an issued one answers as is)."""
    return _done(_service(request).retry(RetryInvoice(principal, invoice_id)))


@router.post("/invoices/{invoice_id}/red-letter")
def red_letter_invoice(
    invoice_id: UUID,
    body: RedLetter,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> InvoiceDone:
    """Cancel an issued invoice with a red-letter invoice (红字发票); its bills may be
    invoiced again. The invoice stays on the books, red-lettered."""
    return _done(_service(request).red_letter(RedLetterInvoice(principal, invoice_id, body.reason)))


@router.get("/invoices")
async def list_invoices(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status: Literal["pending", "issued", "red_lettered"] | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Page[InvoiceView]:
    """Invoices the caller may see, newest first, a page of ``limit`` at a time."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    found = await query_off_loop(
        request,
        queries.invoices,
        principal.reach("finance:read"),
        estate_id=estate_id,
        unit_id=unit_id,
        status=status,
        before=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(found, limit, InvoiceView.model_validate, lambda r: (r["position"],))


@router.get("/invoices/{invoice_id}")
async def get_invoice(
    invoice_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> InvoiceView:
    """One invoice with its number and state."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    found = await query_off_loop(
        request, queries.invoice, principal.reach("finance:read"), invoice_id
    )
    if found is None:
        raise Problem(404, "no such invoice")
    return InvoiceView.model_validate(found)
