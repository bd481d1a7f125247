"""Connections for read models and bookkeeping tables (the event log has its own)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from infrastructure.eventstore.recorder import SCHEMA_LOCK_KEY


def open_pool(database_url: str, size: int) -> ConnectionPool:
    pool = ConnectionPool(
        database_url,
        min_size=1,
        max_size=size,
        open=False,
        kwargs={"autocommit": False},
        name="estatelog-readmodels",
    )
    pool.open(wait=True, timeout=30)
    return pool


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
