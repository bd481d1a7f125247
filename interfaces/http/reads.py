"""Reading read-model rows for a route: one pooled connection per query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from interfaces.http.security import container

T = TypeVar("T")


def rows(request: Request, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with container(request).pool.connection() as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def dict_rows(request: Request, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows as dicts keyed by column name."""
    with container(request).pool.connection() as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def query(request: Request, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one read model's query function (``projections/<context>/``) on a
    pooled connection: routes hold no SQL of their own."""
    with container(request).pool.connection() as conn:
        return read(conn, *args, **kwargs)
