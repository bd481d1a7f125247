"""Writing one group of appends: one transaction, one round trip when nothing conflicts.

The group's statements (begin, the table lock, the notify, a savepoint, the
inserts of its events and of its Idempotency-Key claims, the commit) go to
PostgreSQL in one pipeline (psycopg's pipeline mode): the server runs them
one after another, as it did when each was its own round trip, and answers
them together. The commit is sent before the inserts' outcome is known, which
is safe because a pipeline skips everything after a failed statement: an
insert that conflicts leaves the transaction open and failed, at the
savepoint taken after the lock. Then the appends are written again one by
one under the same lock (a savepoint each), so only those that conflict fail.

A claim's row holds the position of its append's last event, which the
pipeline does not know when it sends the claims: their INSERT finds it by
joining the events just inserted on (originator_id, originator_version), the
table's primary key. It has no ``ON CONFLICT``: a key taken already is a
unique violation, which sends the group down the same one-by-one path as a
version conflict; there each claim is inserted with ``ON CONFLICT DO NOTHING``
and a taken key fails its own append (``DuplicateRequest``).

Numbers asked for (decision 0041, ``numbers.py``) are one more statement of
the pipeline, after the events (which it joins for their positions), in both
paths; their serials reach the appends only once the transaction committed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow, tuple_row

from application.ports import Number
from infrastructure.eventstore import numbers as numbering
from infrastructure.eventstore.group_commit import PendingAppend
from infrastructure.idempotency import INSERT_CLAIMS, Claim, DuplicateRequest

#: Rows per INSERT statement. One ``save()`` of ~2,500 new aggregates through the
#: library's pipelined insert never returns; statements of this size always do.
INSERT_CHUNK = 1000
#: How long an append or a read retries a lost connection before the error is
#: its caller's (503 over HTTP): a time, not a number of attempts, so that a
#: pool full of connections the server dropped cannot use it up.
OUTAGE_BUDGET = 3.0
RETRY_WAIT = 0.2

Outcome = list[int] | BaseException


@dataclass(frozen=True)
class AppendStatements:
    """The SQL of an append, rendered once by the recorder.

    ``opening`` are the statements before the inserts, one by one so that
    ``pg_stat_activity`` shows a writer waiting for the lock as waiting on
    ``LOCK TABLE``.
    """

    opening: tuple[str, ...]
    insert: str  # the events, as four parallel arrays, RETURNING notification_id
    claims: str  # claims by their append's last event; unique violation if a key is taken
    numbers: str  # serials of the asked events, RETURNING (originator, version, serial)


class GroupWriter:
    """Writes a group handed over by the :class:`GroupCommitter`."""

    def __init__(self, datastore: PostgresDatastore, statements: AppendStatements) -> None:
        self.datastore = datastore
        self.statements = statements

    def write(self, group: list[PendingAppend]) -> None:
        """Set every append's positions or error; retry a lost connection for a while."""
        deadline = time.monotonic() + OUTAGE_BUDGET
        while True:
            try:
                outcomes, serials = self._write_once(group)
            except (InterfaceError, OperationalError):
                if time.monotonic() + RETRY_WAIT >= deadline:
                    raise
                time.sleep(RETRY_WAIT)
                continue
            for pending, outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    pending.error = outcome
                else:
                    pending.positions = outcome
                    numbering.settle(pending.numbers, serials)
                    if pending.claim is not None:
                        pending.claim.committed = True
            return

    def _write_once(self, group: list[PendingAppend]) -> tuple[list[Outcome], numbering.Serials]:
        serials: numbering.Serials = {}
        with self.datastore.get_connection() as conn:
            try:
                try:
                    outcomes = self._pipelined(conn, group, serials)
                except psycopg.IntegrityError:  # someone conflicts: who?
                    serials.clear()
                    with conn.cursor(row_factory=tuple_row) as curs:
                        curs.execute("ROLLBACK TO SAVEPOINT group_append")
                        outcomes = self._one_by_one(curs, group, serials)
                        curs.execute("COMMIT")
            except BaseException:
                rollback(conn)
                raise
        return outcomes, serials

    def _pipelined(
        self,
        conn: psycopg.Connection[DictRow],
        group: list[PendingAppend],
        serials: numbering.Serials,
    ) -> list[Outcome]:
        """The whole group and its commit in one round trip; raises on a conflict."""
        events = [event for pending in group for event in pending.events]
        inserts: list[psycopg.Cursor[Any]] = []
        # Nothing in the pipeline is prepared (``prepare=False``): psycopg
        # prepares a statement on its fifth run, and the server skips that
        # preparation when an earlier statement of the pipeline failed, while
        # psycopg counts it done; the one-by-one retry then ran "COMMIT" as a
        # prepared statement the server never had.
        with conn.pipeline(), conn.cursor(row_factory=tuple_row) as curs:
            for statement in self.statements.opening:
                curs.execute(statement, prepare=False)
            curs.execute("SAVEPOINT group_append", prepare=False)
            for start in range(0, len(events), INSERT_CHUNK):
                insert = conn.cursor(row_factory=tuple_row)
                insert.execute(
                    self.statements.insert,
                    _columns(events[start : start + INSERT_CHUNK]),
                    prepare=False,
                )
                inserts.append(insert)
            asked = [number for pending in group for number in pending.numbers]
            numbered = conn.cursor(row_factory=tuple_row) if asked else None
            if numbered is not None:
                numbered.execute(self.statements.numbers, numbering.columns(asked), prepare=False)
            if any(pending.claim is not None for pending in group):
                curs.execute(self.statements.claims, _claim_columns(group), prepare=False)
            curs.execute("COMMIT", prepare=False)
        ids: list[int] = []
        for insert in inserts:
            ids += [row[0] for row in insert.fetchall()]
            insert.close()
        if numbered is not None:
            serials.update(numbering.serials(numbered.fetchall()))
            numbered.close()
        outcomes: list[Outcome] = []
        for pending in group:
            outcomes.append(ids[: len(pending.events)])
            ids = ids[len(pending.events) :]
        return outcomes

    def insert(self, curs: psycopg.Cursor[Any], events: Sequence[StoredEvent]) -> list[int]:
        """Positions in the order of ``events`` (RETURNING follows unnest's order)."""
        ids: list[int] = []
        for start in range(0, len(events), INSERT_CHUNK):
            curs.execute(
                self.statements.insert, _columns(events[start : start + INSERT_CHUNK]), prepare=True
            )
            ids += [row[0] for row in curs.fetchall()]
        return ids

    def _one_by_one(
        self, curs: psycopg.Cursor[Any], group: list[PendingAppend], serials: numbering.Serials
    ) -> list[Outcome]:
        """A savepoint per append, so a conflict fails that append alone."""
        outcomes: list[Outcome] = []
        for pending in group:
            curs.execute("SAVEPOINT one_append")
            try:
                ids = self.insert(curs, pending.events)
                mine = self.number(curs, pending.numbers)
            except psycopg.IntegrityError as exc:
                curs.execute("ROLLBACK TO SAVEPOINT one_append")
                outcomes.append(IntegrityError(str(exc)))
            except psycopg.DataError as exc:
                curs.execute("ROLLBACK TO SAVEPOINT one_append")
                outcomes.append(DataError(str(exc)))
            else:
                if pending.claim is not None and not claim_all(curs, [(pending.claim, ids[-1])]):
                    curs.execute("ROLLBACK TO SAVEPOINT one_append")
                    outcomes.append(DuplicateRequest())
                    continue
                curs.execute("RELEASE SAVEPOINT one_append")
                serials.update(mine)
                outcomes.append(ids)
        return outcomes

    def number(self, curs: psycopg.Cursor[Any], asked: Sequence[Number]) -> numbering.Serials:
        """Serials for the asked events, already inserted in this transaction."""
        if not asked:
            return {}
        curs.execute(self.statements.numbers, numbering.columns(asked), prepare=True)
        return numbering.serials(curs.fetchall())


def _columns(events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return (
        [e.originator_id for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    )


def _claim_columns(group: list[PendingAppend]) -> tuple[list[Any], ...]:
    """The claims' rows, each with the (originator_id, version) of its append's last event."""
    claimed = [(p.claim, p.events[-1]) for p in group if p.claim is not None]
    return (
        [claim.key_hash for claim, _ in claimed],
        [claim.user_id for claim, _ in claimed],
        [claim.request_hash for claim, _ in claimed],
        [last.originator_id for _, last in claimed],
        [last.originator_version for _, last in claimed],
    )


def claim_all(curs: psycopg.Cursor[Any], claims: list[tuple[Claim, int]]) -> bool:
    """Insert the claims' rows with their last positions; False if any key was taken."""
    curs.execute(
        INSERT_CLAIMS,
        (
            [claim.key_hash for claim, _ in claims],
            [claim.user_id for claim, _ in claims],
            [claim.request_hash for claim, _ in claims],
            [position for _, position in claims],
        ),
    )
    return len(curs.fetchall()) == len(claims)


def rollback(conn: psycopg.Connection[DictRow]) -> None:
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.closed:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            conn.close()  # the pool discards a broken connection
