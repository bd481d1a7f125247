"""HTTP routes of the stores (仓库/采购, issue 17).

The catalogue is company-wide: ``stores:manage:any`` (the administrator) adds
a part, every holder of ``stores:read`` reads it. Stores, their stock and stock card,
purchase requests and stocktakes belong to an estate: a caller who does not
serve it gets 404 (the handlers and the read model's queries decide).
``stores:request`` asks for parts (technicians, managers, storekeepers),
``stores:manage`` receives, issues, takes back, counts and sets reorder
levels (storekeepers). See docs/stores.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, status

from application.stores import commands as c
from application.stores.service import StoresRecordNotFound
from domain.identity.policy import Permission
from interfaces.http.approvals import WithReason, approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Created,
    Cursor,
    NumberQuery,
    Page,
    accepted,
    paged,
)
from interfaces.http.security import Principal, requires
from interfaces.http.stores.reads import READ, After, Limit, _at, _stores, newest, one
from interfaces.http.stores.views import (
    CategoryName,
    Count,
    NewPart,
    NewPurchaseRequest,
    NewStore,
    OrderPartsView,
    PartsToOrder,
    PartView,
    PurchaseCreated,
    PurchaseRequestView,
    Receipt,
    ReorderLevel,
    RequestStatus,
    StockLine,
    StockMovement,
    StocktakeCreated,
    StocktakeStatus,
    StocktakeView,
    StoreView,
)
from projections.stores import queries
from projections.stores.readmodel import NAME as PROJECTION

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["stores"])
REQUEST, MANAGE = Permission.STORES_REQUEST_ESTATE, Permission.STORES_MANAGE_ESTATE


def _lines(lines: list[Any]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {k: str(v) if isinstance(v, UUID | Decimal) else v for k, v in line.model_dump().items()}
        for line in lines
    )


# ---- the catalogue ------------------------------------------------------------------


@router.post("/parts", status_code=status.HTTP_201_CREATED)
def register_part(
    body: NewPart, request: Request, principal: Principal = requires(Permission.STORES_MANAGE)
) -> Created:
    """Add a part to the company's catalogue (a code once)."""
    part_id, position = _stores(request).register_part(
        c.RegisterPart(actor=principal, **body.model_dump())
    )
    return Created(id=part_id, position=position)


@router.get("/parts")
async def list_parts(
    request: Request,
    principal: Principal = requires(READ),
    category: CategoryName | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[PartView]:
    """The catalogue by code, a page at a time."""
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, str) if cursor else None
    rows = await query_off_loop(
        request, queries.parts, category=category, after_key=key, limit=limit + 1
    )
    return paged(rows, limit, PartView.model_validate, lambda r: (r["code"],))


# ---- stores and their stock -----------------------------------------------------------


@router.post("/stores", status_code=status.HTTP_201_CREATED)
def open_store(
    body: NewStore, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Open a store of an estate (a code once per estate)."""
    store_id, position = _stores(request).open_store(
        c.OpenStore(actor=principal, **body.model_dump())
    )
    return Created(id=store_id, position=position)


@router.get("/stores")
async def list_stores(
    request: Request,
    principal: Principal = requires(READ),
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[StoreView]:
    """The stores of the caller's estates, by code."""
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, str, UUID) if cursor else None
    reach = principal.reach(READ.action)
    rows = await query_off_loop(
        request, queries.stores, reach, estate_id=estate_id, after_key=key, limit=limit + 1
    )
    return paged(rows, limit, StoreView.model_validate, lambda r: (r["code"], r["id"]))


async def _store(request: Request, principal: Principal, store_id: UUID, after: int | None) -> Any:
    return await one(request, principal, after, queries.store, store_id, "store")


@router.get("/stores/{store_id}")
async def get_store(
    store_id: UUID, request: Request, principal: Principal = requires(READ), after: After = None
) -> StoreView:
    """One store and the value of its stock."""
    return StoreView.model_validate(await _store(request, principal, store_id, after))


@router.get("/stores/{store_id}/stock")
async def list_stock(
    store_id: UUID,
    request: Request,
    principal: Principal = requires(READ),
    low: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[StockLine]:
    """The store's stock by part code (``low=true``: what is below its reorder level)."""
    await _store(request, principal, store_id, after)
    key = decode_cursor(cursor, str) if cursor else None
    rows = await query_off_loop(
        request,
        queries.stock,
        principal.reach(READ.action),
        store_id,
        low=low,
        after_key=key,
        limit=limit + 1,
    )
    return paged(rows, limit, StockLine.model_validate, lambda r: (r["code"],))


@router.get("/stores/{store_id}/movements")
async def list_movements(
    store_id: UUID,
    request: Request,
    principal: Principal = requires(READ),
    part_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[StockMovement]:
    """The store's stock card (库存台账), oldest first."""
    await _store(request, principal, store_id, after)
    key = decode_cursor(cursor, int, int) if cursor else None
    rows = await query_off_loop(
        request,
        queries.movements,
        principal.reach(READ.action),
        store_id,
        part_id=part_id,
        after_key=key,
        limit=limit + 1,
    )
    return paged(rows, limit, StockMovement.model_validate, lambda r: (r["position"], r["line"]))


@router.post("/stores/{store_id}/reorder-levels", response_model=Accepted)
def set_reorder_level(
    store_id: UUID, body: ReorderLevel, request: Request, principal: Principal = requires(MANAGE)
) -> Any:
    """Set a part's reorder level: below it, the storekeeper and manager are told."""
    command = c.SetReorderLevel(principal, store_id, body.part_id, str(body.level))
    return accepted(_stores(request).set_reorder_level(command))


@router.post("/stores/{store_id}/issues", status_code=status.HTTP_201_CREATED)
def issue_parts(
    store_id: UUID, body: PartsToOrder, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Issue parts to a work order of the estate, at moving-average cost (the order's cost)."""
    command = c.IssueParts(principal, store_id, body.order_id, _lines(body.lines))
    issue_id, position = _stores(request).issue(command)
    return Created(id=issue_id, position=position)


@router.post("/stores/{store_id}/returns", status_code=status.HTTP_201_CREATED)
def return_parts(
    store_id: UUID, body: PartsToOrder, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Take back parts an order was issued and did not use, at the cost it was charged."""
    command = c.ReturnParts(principal, store_id, body.order_id, _lines(body.lines))
    return_id, position = _stores(request).take_back(command)
    return Created(id=return_id, position=position)


@router.post("/stores/{store_id}/stocktakes", status_code=status.HTTP_201_CREATED)
def record_stocktake(
    store_id: UUID, body: Count, request: Request, principal: Principal = requires(MANAGE)
) -> StocktakeCreated:
    """Record a count; differences wait for approval before the stock changes."""
    command = c.RecordStocktake(principal, store_id, _lines(body.lines), body.note)
    take_id, approval_id, position = _stores(request).record_stocktake(command)
    return StocktakeCreated(
        id=take_id,
        approval_id=approval_id,
        approval_number=approval_number(request, approval_id) if approval_id else None,
        position=position,
    )


@router.post("/stores/{store_id}/purchase-requests", status_code=status.HTTP_201_CREATED)
def submit_purchase_request(
    store_id: UUID,
    body: NewPurchaseRequest,
    request: Request,
    principal: Principal = requires(REQUEST),
) -> PurchaseCreated:
    """Ask for parts for the store; the request's approval opens at once."""
    command = c.SubmitPurchaseRequest(
        principal, store_id, _lines(body.lines), body.reason, body.currency
    )
    request_id, approval_id, position, number = _stores(request).submit_request(command)
    return PurchaseCreated(
        id=request_id,
        approval_id=approval_id,
        approval_number=approval_number(request, approval_id),
        position=position,
        number=number,
    )


# ---- purchase requests and stocktakes -------------------------------------------------


@router.get("/purchase-requests")
async def list_purchase_requests(
    request: Request,
    principal: Principal = requires(READ),
    estate_id: UUID | None = None,
    store_id: UUID | None = None,
    status: RequestStatus | None = None,
    number: NumberQuery = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[PurchaseRequestView]:
    """Purchase requests of the caller's estates, newest first (``number``: the one so
    numbered, ``HVG-PR-2026-000012``)."""
    filters = {"estate_id": estate_id, "store_id": store_id, "status": status, "number": number}
    found = newest(request, principal, after, cursor, limit, queries.requests, **filters)
    return paged(await found, limit, PurchaseRequestView.model_validate, _at("submitted_position"))


@router.get("/purchase-requests/{purchase_id}")
async def get_purchase_request(
    purchase_id: UUID, request: Request, principal: Principal = requires(READ), after: After = None
) -> PurchaseRequestView:
    """One purchase request, its approval and what has been received."""
    found = await one(request, principal, after, queries.request, purchase_id, "purchase request")
    return PurchaseRequestView.model_validate(found)


@router.post("/purchase-requests/{purchase_id}/withdrawal", response_model=Accepted)
def withdraw_purchase_request(
    purchase_id: UUID, body: WithReason, request: Request, principal: Principal = requires(REQUEST)
) -> Any:
    """The requester (or a storekeeper of the estate) withdraws a request awaiting approval;
    its approval closes with it."""
    command = c.WithdrawPurchaseRequest(principal, purchase_id, body.reason)
    return accepted(_stores(request).withdraw_request(command))


@router.post("/purchase-requests/{purchase_id}/receipts", status_code=status.HTTP_201_CREATED)
def receive_goods(
    purchase_id: UUID, body: Receipt, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Goods delivered against the approved request: the vendor, quantities and prices."""
    command = c.ReceiveGoods(principal, purchase_id, body.vendor_id, _lines(body.lines))
    receipt_id, position = _stores(request).receive(command)
    return Created(id=receipt_id, position=position)


@router.get("/stocktakes")
async def list_stocktakes(
    request: Request,
    principal: Principal = requires(READ),
    estate_id: UUID | None = None,
    store_id: UUID | None = None,
    status: StocktakeStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[StocktakeView]:
    """Stocktakes of the caller's estates, newest first."""
    filters = {"estate_id": estate_id, "store_id": store_id, "status": status}
    found = newest(request, principal, after, cursor, limit, queries.stocktakes, **filters)
    return paged(await found, limit, StocktakeView.model_validate, _at("recorded_position"))


@router.get("/stocktakes/{stocktake_id}")
async def get_stocktake(
    stocktake_id: UUID, request: Request, principal: Principal = requires(READ), after: After = None
) -> StocktakeView:
    """One stocktake with its differences."""
    found = await one(request, principal, after, queries.stocktake, stocktake_id, "stocktake")
    return StocktakeView.model_validate(found)


@router.get("/workorders/{order_id}/parts")
async def get_order_parts(
    order_id: UUID, request: Request, principal: Principal = requires(READ), after: After = None
) -> OrderPartsView:
    """The parts a work order was issued (less returns) and their cost, at moving average.

    An order no part was issued to answers 404, as one of another estate does.
    """
    await reached(request, PROJECTION, after)
    reach = principal.reach(READ.action)
    rows = await query_off_loop(request, queries.order_parts, reach, order_id)
    if not rows:
        raise StoresRecordNotFound("no parts issued to this work order in your estates")
    first = rows[0]
    return OrderPartsView(
        order_id=order_id,
        estate_id=first["estate_id"],
        cost=sum((r["cost"] for r in rows), Decimal(0)),
        currency=first["currency"],
        parts=[r for r in rows if r["quantity"] != 0 or r["cost"] != 0],  # type: ignore[misc]
    )
