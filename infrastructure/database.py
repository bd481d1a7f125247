"""Connections for read models and bookkeeping tables (the event log has its own).

Both pools ride out a restart of the database the same way (:func:`harden`):
a request waits for a connection a bounded time and then fails with the
pool's error (503 over HTTP), much sooner while the server refuses
connections; connections the server dropped are found before use; and the
pool connects again within a moment of the server being back.
"""

from __future__ import annotations

import select
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from time import monotonic
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from infrastructure.eventstore.recorder import SCHEMA_LOCK_KEY

#: Seconds a request waits for a free connection: under load one frees within
#: milliseconds, so a longer wait means the database is in trouble.
POOL_WAIT = 2.0
#: ... and while the server refuses connections, when none will come.
POOL_WAIT_WHILE_DOWN = 0.05
WAIT_SLICE = 0.25
#: Seconds the pool retries a lost connection in the background (its delays
#: double) before giving up; the next request then starts a new attempt at
#: once, so a server that is back is used within a moment, not after a long
#: backoff.
RECONNECT_TIMEOUT = 1.0
CONNECT_TIMEOUT = 3  # libpq: a server that does not answer at all


def open_pool(database_url: str, size: int) -> ConnectionPool:
    pool = ConnectionPool(
        database_url,
        min_size=1,
        max_size=size,
        open=False,
        kwargs={"autocommit": False},
        name="estatelog-readmodels",
    )
    harden(pool)
    pool.open(wait=True, timeout=30)
    return pool


def _outage_aware(cls: type[ConnectionPool[Any]]) -> type[ConnectionPool[Any]]:
    """``cls`` with short waits for a connection while the server refuses them."""

    class OutageAware(cls):  # type: ignore[valid-type,misc]
        unreachable = False

        def _connect(self, timeout: float | None = None) -> Any:
            try:
                conn = super()._connect(timeout)
            except Exception:
                self.unreachable = True
                raise
            self.unreachable = False
            return conn

        def getconn(self, timeout: float | None = None) -> Any:
            # In slices, so that a wait begun before the server was found
            # down ends soon after, not at the full wait.
            deadline = monotonic() + (self.timeout if timeout is None else timeout)
            while True:
                if self.unreachable:
                    return super().getconn(POOL_WAIT_WHILE_DOWN)
                try:
                    return super().getconn(max(min(WAIT_SLICE, deadline - monotonic()), 0.001))
                except PoolTimeout:
                    if monotonic() >= deadline:
                        raise

    OutageAware.__name__ = OutageAware.__qualname__ = f"OutageAware{cls.__name__}"
    return OutageAware


_outage_aware_classes: dict[type, type] = {}


def harden(pool: ConnectionPool[Any]) -> None:
    """Make ``pool`` (ours or the event-sourcing library's) ride out outages.

    The library builds its pool itself, so the behaviour is added to the
    instance: its class becomes a subclass that only overrides methods.
    """
    cls = type(pool)
    if getattr(cls, "unreachable", None) is not False:
        if cls not in _outage_aware_classes:
            _outage_aware_classes[cls] = _outage_aware(cls)
        pool.__class__ = _outage_aware_classes[cls]
    pool.timeout = POOL_WAIT
    pool.reconnect_timeout = RECONNECT_TIMEOUT
    if isinstance(pool.kwargs, dict):
        pool.kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
    pool._check = _DroppedConnections(pool)  # the pool's ``check`` callback


class _DroppedConnections:
    """The pool's check of a connection it hands out, nearly free when it is fine.

    A server that ends a connection (restart, ``pg_terminate_backend``) sends
    a last error and closes the socket, so the socket of a dropped idle
    connection has something to read: only then is a round trip spent. When
    one is dropped the others usually are too, so the whole pool is checked
    at once: otherwise each would be found by a request of its own, and the
    pool sleeps between failed checks.
    """

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def __call__(self, conn: psycopg.Connection[Any]) -> None:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        if not poller.poll(0):
            return  # nothing arrived while it was idle: as it was
        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            # Dropped, most likely by a server going down: wait briefly until
            # a new connection succeeds (if it is up, that takes milliseconds).
            self.pool.unreachable = True  # type: ignore[attr-defined]
            self.pool.check()
            raise


def current_schema(conn: psycopg.Connection[Any]) -> str:
    """The schema the service's tables (the log among them) live in."""
    row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None and row[0], "no current schema: check the search_path"
    return str(row[0])


def apply_ddl(pool: ConnectionPool, statements: Iterable[str]) -> None:
    """Create what is missing, one process at a time."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK_KEY])
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


@contextmanager
def advisory_lock(pool: ConnectionPool, name: str) -> Iterator[bool]:
    """Hold the session lock ``name`` if no other process holds it (True), for
    the ``with`` block; False at once if another one does. One process at a
    time runs what it guards, across every process on the database."""
    key = zlib.crc32(name.encode())
    with pool.connection() as conn:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        if not got or not got[0]:
            yield False
            return
        try:
            yield True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])
