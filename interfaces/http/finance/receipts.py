"""HTTP routes of receipts (收据): read one or the book, record a reprint.

Every recorded payment has a receipt numbered ``SJ-<estate code>-<year>-<000001>``
without gaps; a reversed payment's receipt is void, not deleted; a reprint is
recorded and its copy says 补打/REPRINT with its count. Staff read their
estates' receipts, owners their units', auditors all; finance staff of the
estate record reprints.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.finance.receipts import ReprintReceipt
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from projections.finance import receipts as queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: receipts"])
PROJECTION = "finance_receipts"


@from_view(queries.ReceiptRow, rename={"receipt_id": "id"})
class ReceiptView(BaseModel):
    """A receipt as the book holds it."""


class Reprinted(Accepted):
    number: str
    reprint: int = Field(description="the reprint's count: 1 for the first copy printed again")
    mark: str = Field(description="what the copy says above its number: 补打/REPRINT and count")


@router.get("/receipts")
async def list_receipts(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Page[ReceiptView]:
    """The receipt book in number order, void receipts included: the numbers have no gaps."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    found = await query_off_loop(
        request,
        queries.receipts,
        principal.reach("finance:read"),
        estate_id=estate_id,
        unit_id=unit_id,
        year=year,
        after_number=decode_cursor(cursor, str)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(found, limit, ReceiptView.model_validate, lambda r: (r["number"],))


@router.get("/payments/{payment_id}/receipt")
async def get_receipt(
    payment_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> ReceiptView:
    """The receipt of a payment: its number, payer and lines."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    found = await query_off_loop(
        request, queries.receipt, principal.reach("finance:read"), payment_id
    )
    if found is None:
        raise Problem(404, "no such receipt")
    return ReceiptView.model_validate(found)


@router.post("/payments/{payment_id}/receipt/reprints", status_code=status.HTTP_201_CREATED)
def reprint_receipt(
    payment_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Reprinted:
    """Record that the receipt is printed again; the copy is marked 补打/REPRINT and counted."""
    number, copy, position = container(request).finance.receipts.reprint(
        ReprintReceipt(principal, payment_id)
    )
    return Reprinted(number=number, reprint=copy, mark=f"补打 REPRINT {copy}", position=position)
