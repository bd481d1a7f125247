"""How a route reads: one read model's query function on one pooled connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio
from fastapi import Request

from infrastructure.autocommit import autocommitted
from interfaces.http.security import container

T = TypeVar("T")


def query(request: Request, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one read model's query function (``projections/<context>/``) on a
    pooled connection in autocommit (no BEGIN and COMMIT round trips around
    it): routes hold no SQL of their own."""
    with autocommitted(container(request).pool) as conn:
        return read(conn, *args, **kwargs)


async def query_off_loop(request: Request, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """:func:`query` from an ``async`` route: on a worker thread, so a slow
    query never holds the event loop."""
    return await anyio.to_thread.run_sync(lambda: query(request, read, *args, **kwargs))


def streamed(
    request: Request, read: Callable[..., Iterator[T]], *args: Any, **kwargs: Any
) -> Iterator[T]:
    """:func:`query` for a read that yields as it goes (a server-side cursor):
    the pooled connection is held until the last item is taken. Handed to a
    ``StreamingResponse`` as a sync iterator, each step runs on a worker thread.
    In a transaction: a server-side cursor lives in one."""
    with container(request).pool.connection() as conn:
        yield from read(conn, *args, **kwargs)
