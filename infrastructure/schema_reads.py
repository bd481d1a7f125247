"""Pooled connections that read another schema's tables (an as-of build's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool


@contextmanager
def read_only_in(pool: ConnectionPool, schema: str) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection whose unqualified tables are ``schema``'s, for one
    read-only transaction: a read that tried to write would fail loudly, never
    go on in the live tables. ``SET LOCAL`` ends with the transaction, so the
    pool gets the connection back as it was."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL transaction_read_only = on")
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        yield conn
