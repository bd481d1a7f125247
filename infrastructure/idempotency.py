"""Stored outcomes of POST commands sent with an ``Idempotency-Key``.

The first request with a key runs and its response is kept; a retry with the
same key, caller and body gets that response again and appends nothing. A
retry with a different body is refused, and so is one that arrives while the
first is still running.

A key whose request never finished (its process died mid-request) is held
for ``PENDING_LEASE`` and then taken over by the next retry, which runs the
command again. The lease is far longer than any request runs, so a live
request is never run twice; the one case left is a process that died after
its command was committed and before its answer was stored, which a retry
after the lease repeats (the aggregate's own rules refuse most repeats, as a
transition already made).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from psycopg_pool import ConnectionPool

DDL = [
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        key_hash bytea PRIMARY KEY,
        request_hash bytea NOT NULL,
        state text NOT NULL,
        status integer,
        content_type text,
        body bytea,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
]


@dataclass(frozen=True)
class Stored:
    state: Literal["new", "pending", "done", "mismatch"]
    status: int | None = None
    content_type: str | None = None
    body: bytes | None = None


PENDING_LEASE = timedelta(minutes=5)


class IdempotencyStore:
    def __init__(self, pool: ConnectionPool, pending_lease: timedelta = PENDING_LEASE) -> None:
        self.pool = pool
        self.pending_lease = pending_lease

    def begin(self, key_hash: bytes, request_hash: bytes) -> Stored:
        with self.pool.connection() as conn:
            inserted = conn.execute(
                "INSERT INTO idempotency_keys (key_hash, request_hash, state) "
                "VALUES (%s, %s, 'pending') ON CONFLICT DO NOTHING",
                [key_hash, request_hash],
            ).rowcount
            if inserted:
                return Stored("new")
            taken_over = conn.execute(
                "UPDATE idempotency_keys SET request_hash = %s, created_at = now() "
                "WHERE key_hash = %s AND state = 'pending' AND request_hash = %s "
                "AND created_at < now() - %s",
                [request_hash, key_hash, request_hash, self.pending_lease],
            ).rowcount
            if taken_over:
                return Stored("new")
            row = conn.execute(
                "SELECT request_hash, state, status, content_type, body "
                "FROM idempotency_keys WHERE key_hash = %s",
                [key_hash],
            ).fetchone()
        if row is None:  # finished-and-forgotten between the two statements
            return self.begin(key_hash, request_hash)
        if bytes(row[0]) != request_hash:
            return Stored("mismatch")
        if row[1] == "pending":
            return Stored("pending")
        return Stored("done", row[2], row[3], bytes(row[4]) if row[4] is not None else None)

    def finish(self, key_hash: bytes, status: int, content_type: str | None, body: bytes) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE idempotency_keys SET state = 'done', status = %s, content_type = %s, "
                "body = %s WHERE key_hash = %s",
                [status, content_type, body, key_hash],
            )

    def forget(self, key_hash: bytes) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE key_hash = %s", [key_hash])
