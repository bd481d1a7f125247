"""Queries of the ``stores`` read model (``readmodel.py`` keeps its tables).

Each takes a connection and, for an estate's records, the actor's reach, so a
list and a single record admit the same rows: one the caller may not see is
absent (the route answers 404). Lists are keyset pages (decision 0042): the
caller passes the last row's key and reads ``limit`` + 1 rows. The catalogue
is company-wide and has no reach.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from projections import numbers
from projections.reach import Reaching, clause, page
from projections.records import fetched


class PartRow(TypedDict):
    id: UUID
    code: str
    name: str
    name_zh: str
    unit: str
    category: str
    registered_at: datetime
    position: int


class StoreRow(TypedDict):
    id: UUID
    estate_id: UUID
    code: str
    name: str
    currency: str
    opened_at: datetime
    position: int
    value: Decimal  # the stock at moving-average cost


class StockRow(TypedDict):
    store_id: UUID
    part_id: UUID
    estate_id: UUID
    code: str
    name: str
    name_zh: str
    unit: str
    quantity: Decimal
    value: Decimal
    average_cost: Decimal | None  # none on hand
    reorder_level: Decimal | None
    low: bool
    updated_at: datetime


class MovementRow(TypedDict):
    position: int
    line: int
    store_id: UUID
    estate_id: UUID
    kind: str
    record_id: UUID
    part_id: UUID
    quantity: Decimal
    amount: Decimal
    currency: str
    order_id: UUID | None
    vendor_id: UUID | None
    request_id: UUID | None
    at: datetime


class RequestRow(TypedDict):
    id: UUID
    estate_id: UUID
    store_id: UUID
    status: str
    lines: list[dict[str, str]]
    received: dict[str, str]
    amount: Decimal
    currency: str
    reason: str
    requested_by: UUID
    approval_id: UUID
    submitted_at: datetime
    updated_at: datetime
    position: int
    submitted_position: int
    number: str | None  # HVG-PR-2026-000012 (decisions 0050, 0062)


_REQUEST = (
    "SELECT r.id, r.estate_id, r.store_id, r.status, r.lines, r.received, r.amount, "
    "r.currency, r.reason, r.requested_by, r.approval_id, r.submitted_at, r.updated_at, "
    f"r.position, r.submitted_position, {numbers.said('r', 'PR')} FROM stores_requests r"
)


class StocktakeRow(TypedDict):
    id: UUID
    estate_id: UUID
    store_id: UUID
    status: str
    lines: list[dict[str, str]]
    note: str
    counted_by: UUID
    approval_id: UUID | None
    recorded_at: datetime
    updated_at: datetime
    position: int
    recorded_position: int


class OrderPartRow(TypedDict):
    order_id: UUID
    part_id: UUID
    store_id: UUID
    estate_id: UUID
    code: str
    name: str
    quantity: Decimal
    cost: Decimal
    currency: str


def _run(conn: psycopg.Connection[Any], sql: str, params: list[Any], view: Any) -> Any:
    return fetched(conn.execute(sql, params), view)  # type: ignore[arg-type]


def parts(
    conn: psycopg.Connection[Any],
    *,
    category: str | None = None,
    after_key: tuple[str] | None = None,
    limit: int = 100,
) -> list[PartRow]:
    """The catalogue by code, after the code ``after_key``."""
    sql, params = "SELECT * FROM stores_parts WHERE true", []
    if category is not None:
        sql += " AND category = %s"
        params.append(category)
    if after_key is not None:
        sql += " AND code > %s"
        params.append(after_key[0])
    return _run(conn, sql + " ORDER BY code LIMIT %s", [*params, limit], PartRow)  # type: ignore[no-any-return]


_STORE = (
    "SELECT s.*, COALESCE((SELECT sum(k.value) FROM stores_stock k WHERE k.store_id = s.id), 0)"
    "::numeric(14, 2) AS value FROM stores_stores s"
)


def stores(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    after_key: tuple[str, UUID] | None = None,
    limit: int = 100,
) -> list[StoreRow]:
    """The stores in the reach, by code then ID."""
    where, params = clause(reach, "s.estate_id", estate_id=estate_id)
    sql = f"{_STORE} WHERE {where}"
    if estate_id is not None:
        sql += " AND s.estate_id = %s"
        params.append(estate_id)
    if after_key is not None:
        sql += " AND (s.code, s.id) > (%s, %s)"
        params += after_key
    return _run(conn, sql + " ORDER BY s.code, s.id LIMIT %s", [*params, limit], StoreRow)  # type: ignore[no-any-return]


def store(conn: psycopg.Connection[Any], reach: Reaching, store_id: UUID) -> StoreRow | None:
    where, params = clause(reach, "s.estate_id")
    rows = _run(conn, f"{_STORE} WHERE s.id = %s AND {where}", [store_id, *params], StoreRow)
    return rows[0] if rows else None


def stock(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    store_id: UUID,
    *,
    low: bool | None = None,
    after_key: tuple[str] | None = None,
    limit: int = 100,
) -> list[StockRow]:
    """A store's stock by part code (``low``: only the parts reported below their level)."""
    where, params = clause(reach, "k.estate_id")
    sql = (
        "SELECT k.store_id, k.part_id, k.estate_id, p.code, p.name, p.name_zh, p.unit, "
        "k.quantity, k.value, CASE WHEN k.quantity > 0 THEN round(k.value / k.quantity, 4) "
        "END AS average_cost, k.reorder_level, k.low, k.updated_at FROM stores_stock k "
        f"JOIN stores_parts p ON p.id = k.part_id WHERE k.store_id = %s AND {where}"
    )
    params = [store_id, *params]
    if low is not None:
        sql += " AND k.low = %s"
        params.append(low)
    if after_key is not None:
        sql += " AND p.code > %s"
        params.append(after_key[0])
    return _run(conn, sql + " ORDER BY p.code LIMIT %s", [*params, limit], StockRow)  # type: ignore[no-any-return]


def movements(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    store_id: UUID,
    *,
    part_id: UUID | None = None,
    after_key: tuple[int, int] | None = None,
    limit: int = 100,
) -> list[MovementRow]:
    """A store's stock card, oldest first."""
    where, params = clause(reach, "estate_id")
    sql = f"SELECT * FROM stores_movements WHERE store_id = %s AND {where}"
    params = [store_id, *params]
    if part_id is not None:
        sql += " AND part_id = %s"
        params.append(part_id)
    if after_key is not None:
        sql += " AND (position, line) > (%s, %s)"
        params += after_key
    return _run(conn, sql + " ORDER BY position, line LIMIT %s", [*params, limit], MovementRow)  # type: ignore[no-any-return]


def _newest(
    conn: psycopg.Connection[Any],
    table: str,
    order: str,
    view: Any,
    reach: Reaching,
    filters: dict[str, Any],
    before_key: tuple[int, UUID] | None,
    limit: int,
    select: str = "",
    number: tuple[str, list[Any]] | None = None,
) -> Any:
    """A page of ``table`` (``select``: its columns, aliased ``r``) in the reach,
    newest first: a page per estate of the reach, merged (``projections/reach.py:
    page``), so no page sorts them all; ``number``: a record's number's match."""
    where = [
        (f"r.{column} = %s", [value]) for column, value in filters.items() if value is not None
    ]
    if number is not None:
        where.append(number)
    if before_key is not None:
        where.append((f"(r.{order}, r.id) < (%s, %s)", list(before_key)))
    statement = page(
        reach,
        select or f"SELECT * FROM {table} r",
        where,
        alias="r",
        order=(f"{order} DESC", "id DESC"),
        limit=limit,
        estate_id=filters.get("estate_id"),
    )
    return [] if statement is None else _run(conn, *statement, view)


def requests(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    store_id: UUID | None = None,
    status: str | None = None,
    number: str | None = None,
    before_key: tuple[int, UUID] | None = None,
    limit: int = 100,
) -> list[RequestRow]:
    """Purchase requests in the reach, newest first (``number``: the one so numbered)."""
    filters = {"estate_id": estate_id, "store_id": store_id, "status": status}
    return _newest(  # type: ignore[no-any-return]
        conn,
        "stores_requests",
        "submitted_position",
        RequestRow,
        reach,
        filters,
        before_key,
        limit,
        select=_REQUEST,
        number=None if number is None else numbers.matching("r", "PR", number),
    )


def request(conn: psycopg.Connection[Any], reach: Reaching, request_id: UUID) -> RequestRow | None:
    where, params = clause(reach, "r.estate_id")
    sql = f"{_REQUEST} WHERE r.id = %s AND {where}"
    rows = _run(conn, sql, [request_id, *params], RequestRow)
    return rows[0] if rows else None


def stocktakes(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    store_id: UUID | None = None,
    status: str | None = None,
    before_key: tuple[int, UUID] | None = None,
    limit: int = 100,
) -> list[StocktakeRow]:
    """Stocktakes in the reach, newest first."""
    filters = {"estate_id": estate_id, "store_id": store_id, "status": status}
    return _newest(  # type: ignore[no-any-return]
        conn,
        "stores_stocktakes",
        "recorded_position",
        StocktakeRow,
        reach,
        filters,
        before_key,
        limit,
    )


def stocktake(
    conn: psycopg.Connection[Any], reach: Reaching, stocktake_id: UUID
) -> StocktakeRow | None:
    where, params = clause(reach, "estate_id")
    sql = f"SELECT * FROM stores_stocktakes WHERE id = %s AND {where}"
    rows = _run(conn, sql, [stocktake_id, *params], StocktakeRow)
    return rows[0] if rows else None


def order_parts(
    conn: psycopg.Connection[Any], reach: Reaching, order_id: UUID
) -> list[OrderPartRow]:
    """The parts a work order was issued less what came back, and their cost, by code."""
    where, params = clause(reach, "o.estate_id")
    sql = (
        "SELECT o.order_id, o.part_id, o.store_id, o.estate_id, p.code, p.name, o.quantity, "
        "o.cost, o.currency FROM stores_order_parts o JOIN stores_parts p ON p.id = o.part_id "
        f"WHERE o.order_id = %s AND {where} ORDER BY p.code, o.store_id"
    )
    return _run(conn, sql, [order_id, *params], OrderPartRow)  # type: ignore[no-any-return]
