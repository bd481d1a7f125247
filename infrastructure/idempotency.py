"""Outcomes of POST commands sent with an ``Idempotency-Key`` (decision 0016).

A key is claimed by the append that carries out its command, in the same
transaction as the command's events: the group writer inserts the claim's row
(key, request fingerprint, user, last position) next to the events. So a key
is either there with the command done, or not there with nothing appended;
no crash or outage can leave it half-way. The answer (status, body) is added
to the row right after, before it is sent; a retry that finds the row without
its answer (the process died in between) gets the committed outcome instead.

A command that appends nothing (a refusal) stores its answer in a row of its
own afterwards; losing that write only means the retry runs the command again,
which appends nothing again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from psycopg_pool import ConnectionPool

from infrastructure.autocommit import autocommitted

TABLE = "idempotent_requests"

DDL = [
    # The rows of decision 0016; the table ``idempotency_keys`` of the old
    # pending/done scheme is no longer read or written.
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        key_hash bytea PRIMARY KEY,
        user_id uuid NOT NULL,
        request_hash bytea NOT NULL,
        last_position bigint,
        status integer,
        content_type text,
        body bytea,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
]

#: Claims' rows with their known last positions, inside the append's transaction:
#: by a group written append by append, and by a bulk append (a group's first
#: try joins its claims to its events instead, ``eventstore/group_write.py``).
INSERT_CLAIMS = (
    f"INSERT INTO {TABLE} (key_hash, user_id, request_hash, last_position) "
    "SELECT * FROM unnest(%s::bytea[], %s::uuid[], %s::bytea[], %s::int8[]) "
    "ON CONFLICT DO NOTHING RETURNING key_hash"
)


class DuplicateRequest(Exception):
    """Another request with the same key committed its command first."""


@dataclass(eq=False)
class Claim:
    """What a keyed request's append carries into its transaction.

    ``committed`` is set by the writer once the claim's row is committed with
    the events; later appends of the same request carry no claim.
    """

    key_hash: bytes
    request_hash: bytes
    user_id: UUID
    committed: bool = False


_claim: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


@contextlib.contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """Appends made in this context (and threads it is copied to) carry ``claim``."""
    token = _claim.set(claim)
    try:
        yield claim
    finally:
        _claim.reset(token)


def open_claim() -> Claim | None:
    """The claim the next append must carry, if the request has one still open."""
    claim = _claim.get()
    return claim if claim is not None and not claim.committed else None


@dataclass(frozen=True)
class Stored:
    """A key's row. ``status`` is None while (or if) its answer was never written."""

    user_id: UUID
    request_hash: bytes
    last_position: int | None
    status: int | None
    content_type: str | None
    body: bytes | None
    fresh: bool  # claimed in the last few seconds: its answer may still come


class IdempotencyStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    # Each a single statement: in autocommit, one round trip (not three).

    def find(self, key_hash: bytes) -> Stored | None:
        with autocommitted(self.pool) as conn:
            row = conn.execute(
                "SELECT user_id, request_hash, last_position, status, content_type, body, "
                f"created_at > now() - interval '5 seconds' FROM {TABLE} WHERE key_hash = %s",
                [key_hash],
            ).fetchone()
        if row is None:
            return None
        body = bytes(row[5]) if row[5] is not None else None
        return Stored(row[0], bytes(row[1]), row[2], row[3], row[4], body, bool(row[6]))

    def answer(self, key_hash: bytes, status: int, content_type: str | None, body: bytes) -> None:
        """Add the answer to a key its command's append claimed."""
        with autocommitted(self.pool) as conn:
            conn.execute(
                f"UPDATE {TABLE} SET status = %s, content_type = %s, body = %s "
                "WHERE key_hash = %s AND status IS NULL",
                [status, content_type, body, key_hash],
            )

    def keep(self, claim: Claim, status: int, content_type: str | None, body: bytes) -> bool:
        """Store the answer of a command that appended nothing; False if the key
        was taken meanwhile (by a request that committed its command)."""
        with autocommitted(self.pool) as conn:
            inserted = conn.execute(
                f"INSERT INTO {TABLE} (key_hash, user_id, request_hash, status, content_type, "
                "body) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [claim.key_hash, claim.user_id, claim.request_hash, status, content_type, body],
            ).rowcount
        return bool(inserted)
