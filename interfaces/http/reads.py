"""How a route reads: one read model's query function on one pooled connection.

A request with ``?as_of=`` (``interfaces/http/asof.py``) runs the same query
function on the as-of build's schema: the read models' tables are named
unqualified, so ``SET LOCAL search_path`` to the build is all it takes, in a
read-only transaction (a read that tried to commit inside it would fail
loudly, never go on in the live tables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import psycopg
from fastapi import Request

from infrastructure.autocommit import autocommitted
from infrastructure.schema_reads import read_only_in
from interfaces.http.asof import AsOfRead, reading_as_of
from interfaces.http.problems import Problem
from interfaces.http.security import container

T = TypeVar("T")


def query(request: Request, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one read model's query function (``projections/<context>/``) on a
    pooled connection in autocommit (no BEGIN and COMMIT round trips around
    it): routes hold no SQL of their own."""
    past = reading_as_of(request)
    if past is not None:
        with _as_of(request, past) as conn:
            return read(conn, *args, **kwargs)
    with autocommitted(container(request).pool) as conn:
        return read(conn, *args, **kwargs)


@contextmanager
def _as_of(request: Request, past: AsOfRead) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection whose unqualified tables are the as-of build's, for one
    read-only transaction (``SET LOCAL``: the pool gets the connection back as it was)."""
    try:
        with read_only_in(container(request).pool, past.schema) as conn:
            past.read = True
            yield conn
    except psycopg.errors.UndefinedTable:
        # Dropped since the gate found it (the idle job, an operator): the next
        # ask builds it again. Never the live tables in its place.
        raise Problem(
            503,
            f"the as-of build of position {past.position} was dropped while read; retry",
            title="As-of build dropped",
            headers={"Retry-After": "2"},
            position=past.position,
        ) from None


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
    In a transaction: a server-side cursor lives in one. An as-of read is
    marked read here, before the answer starts: its rows follow in the body."""
    past = reading_as_of(request)
    if past is not None:
        past.read = True
    return _streamed(request, read, *args, **kwargs)


def _streamed(
    request: Request, read: Callable[..., Iterator[T]], *args: Any, **kwargs: Any
) -> Iterator[T]:
    past = reading_as_of(request)
    if past is not None:
        with _as_of(request, past) as conn:
            yield from read(conn, *args, **kwargs)
        return
    with container(request).pool.connection() as conn:
        yield from read(conn, *args, **kwargs)
