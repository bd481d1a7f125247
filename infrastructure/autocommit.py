"""Pooled connections in autocommit, for reads of one statement each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool


@contextmanager
def autocommitted(pool: ConnectionPool) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection in autocommit, for reads: each statement one round
    trip, without the BEGIN and COMMIT around it (two more).

    It changes nothing in what a read sees: in PostgreSQL's READ COMMITTED,
    which the pool's transactions use, every statement takes its own snapshot
    inside a transaction too. A read that needs a transaction (a server-side
    cursor, ``SET LOCAL``) takes ``pool.connection()``. The connection goes
    back to the pool as it came (not in autocommit): writers rely on that.
    """
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            yield conn
        finally:
            if not conn.closed:
                with suppress(psycopg.Error):
                    conn.autocommit = False
