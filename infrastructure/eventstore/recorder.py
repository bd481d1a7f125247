"""The one events table: the library's PostgreSQL recorder plus a hash chain.

A BEFORE INSERT trigger links every new row to the row before it in global
order. Every transaction that inserts takes an EXCLUSIVE lock on the table
first (the library's rule, kept here), so positions are handed out and
committed in order and the "row before" is always the committed predecessor.
Further triggers refuse UPDATE, DELETE and TRUNCATE: the log is append-only
to everyone who does not first switch the triggers off (which the verifier
then catches).

Appends go through group commit (``group_commit.py``): the appends that
arrive while one transaction commits are written together in the next one,
each still checked for its own version conflict. ``insert_bulk`` streams one
very large append through a single transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Identifier

from infrastructure.eventstore.group_commit import GroupCommitter, PendingAppend
from infrastructure.eventstore.hashchain import SQL_LINK
from infrastructure.idempotency import INSERT_CLAIMS, Claim, DuplicateRequest, open_claim

SCHEMA_LOCK_KEY = 7_413_230_001  # serialises DDL when several processes start at once


#: Rows per INSERT statement. One ``save()`` of ~2,500 new aggregates through the
#: library's pipelined insert never returns; statements of this size always do.
INSERT_CHUNK = 1000
#: Events per group commit: bounds the time one group holds the table lock.
MAX_GROUP_EVENTS = 2000
#: How long an append or a read retries a lost connection before the error is
#: its caller's (503 over HTTP): a time, not a number of attempts, so that a
#: pool full of connections the server dropped cannot use it up.
OUTAGE_BUDGET = 3.0
RETRY_WAIT = 0.2


class _ClaimTaken(Exception):
    """A claim of the group was already committed: find out whose."""


class ChainedEventRecorder(PostgresApplicationRecorder):
    """Application recorder whose table carries ``chain_hash`` per event.

    ``insert_events`` keeps the library's contract (one atomic append, its
    notification IDs in order, ``IntegrityError`` on a version conflict) but
    shares its transaction with the appends of other threads.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._committer = GroupCommitter(self._write_group, max_events=MAX_GROUP_EVENTS)
        schema = Identifier(self.datastore.schema)
        events = Identifier(self.events_table_name)
        # Four parallel arrays rather than the library's array of a composite
        # type: psycopg dumps them in C, at under half the CPU per append.
        insert = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::int8[], %s::text[], %s::bytea[])"
        ).format(schema=schema, table=events, id_type=Identifier(self.datastore.originator_id_type))
        # Rendered once: a Composed query is rendered again on every execute.
        self._insert_one_sql = (insert + SQL(" RETURNING notification_id")).as_string()
        self._select_notifications_sql = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table}"
        ).format(schema=schema, table=events)
        self._select_events_base = SQL(
            "SELECT originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE originator_id = %s"
        ).format(schema=schema, table=events)
        self._select_events_sql: dict[tuple[bool, bool, bool, bool], str] = {}
        # The library's statements: the lock starts its own round trip so that
        # pg_stat_activity shows a waiting writer as waiting on LOCK TABLE.
        timeout = SQL("SET LOCAL lock_timeout = '{}s'").format(self.datastore.lock_timeout)
        self._begin_sql = (SQL("BEGIN; ") + timeout).as_string()
        self._lock_sql = (
            SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE; NOTIFY {}")
            .format(schema, events, Identifier(self.channel_name))
            .as_string()
        )
        table = Identifier(self.datastore.schema, self.events_table_name)
        chain_fn = Identifier(self.datastore.schema, f"{self.events_table_name}_chain")
        guard_fn = Identifier(self.datastore.schema, f"{self.events_table_name}_append_only")
        link_new = SQL_LINK.format(prev="prev", row="NEW")
        self.sql_create_statements.insert(
            0, SQL("SELECT pg_advisory_xact_lock({})").format(SCHEMA_LOCK_KEY)
        )
        self.sql_create_statements += [
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS chain_hash bytea").format(table),
            SQL(
                "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "DECLARE prev bytea;\n"
                "BEGIN\n"
                "  SELECT e.chain_hash INTO prev FROM {table} e\n"
                "   WHERE e.notification_id < NEW.notification_id\n"
                "   ORDER BY e.notification_id DESC LIMIT 1;\n"
                "  prev := coalesce(prev, '\\x{genesis}'::bytea);\n"
                "  NEW.chain_hash := " + link_new + ";\n"
                "  RETURN NEW;\n"
                "END $$"
            ).format(fn=chain_fn, table=table, genesis=SQL("00" * 32)),
            SQL(
                "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                "  RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP\n"
                "    USING ERRCODE = 'insufficient_privilege';\n"
                "END $$"
            ).format(fn=guard_fn),
            SQL("DROP TRIGGER IF EXISTS chain ON {}").format(table),
            SQL(
                "CREATE TRIGGER chain BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=chain_fn),
            SQL("DROP TRIGGER IF EXISTS append_only ON {}").format(table),
            SQL(
                "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=guard_fn),
            SQL("DROP TRIGGER IF EXISTS append_only_truncate ON {}").format(table),
            SQL(
                "CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=guard_fn),
        ]

    @property
    def group_committer(self) -> GroupCommitter:
        return self._committer

    # -- appends -------------------------------------------------------------

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Application.save passes tracking=None; anything more is the library's business.
        if any(v is not None for v in kwargs.values()) or self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)  # tracking etc.: library path
        if not stored_events:
            return []
        return self._committer.submit(stored_events, open_claim())

    def insert_bulk(self, chunks: Iterable[Sequence[StoredEvent]]) -> int:
        """Append every chunk in one transaction under the table lock.

        All or nothing: a version conflict anywhere (``IntegrityError``) stores
        none of it. Only one chunk is held in memory at a time; other appends
        wait for the lock while this runs. Returns the last position written
        (0 if there was nothing).
        """
        last = 0
        claim = open_claim()
        with self.datastore.get_connection() as conn:
            try:
                with conn.cursor(row_factory=tuple_row) as curs:
                    curs.execute(self._begin_sql)
                    curs.execute(self._lock_sql)
                    for chunk in chunks:
                        ids = self._insert(curs, chunk)
                        last = ids[-1] if ids else last
                    if claim is not None and not _claim_all(curs, [(claim, last)]):
                        raise DuplicateRequest()
                    curs.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        if claim is not None:
            claim.committed = True
        return last

    # -- reads ---------------------------------------------------------------

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's query, rendered once per shape and with tuple rows.

        Every repository ``get`` runs it (a cached aggregate is fast-forwarded
        from the log), so every authenticated request runs it at least once.
        """
        shape = (gt is not None, lte is not None, desc, limit is not None)
        statement = self._select_events_sql.get(shape)
        if statement is None:
            composed = self._select_events_base
            if gt is not None:
                composed += SQL(" AND originator_version > %s")
            if lte is not None:
                composed += SQL(" AND originator_version <= %s")
            composed += SQL(
                " ORDER BY originator_version DESC" if desc else " ORDER BY originator_version ASC"
            )
            if limit is not None:
                composed += SQL(" LIMIT %s")
            statement = self._select_events_sql[shape] = composed.as_string()
        params = [p for p in (originator_id, gt, lte, limit) if p is not None]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row_id,
                    originator_version=version,
                    topic=topic,
                    state=bytes(state),
                )
                for row_id, version, topic, state in curs.fetchall()
            ]

    # As the library's own: a connection that broke while idle in the pool
    # (PostgreSQL restarted) fails once and the next try takes a fresh one.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query, with tuple rows: reading the log is a hot path."""
        where: list[Composable] = []
        params: list[Any] = []
        if start is not None:
            where.append(
                SQL("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            )
            params.append(start)
        if stop is not None:
            where.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            where.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        statement = self._select_notifications_sql
        if where:
            statement += SQL(" WHERE ") + SQL(" AND ").join(where)
        statement += SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        # Binary results: the state arrives as its bytes rather than as hex
        # text to decode, and IDs as 16 bytes (half the time of a text read).
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            curs.execute(statement, params, prepare=True)
            return [
                Notification(
                    id=position,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
                for position, originator_id, version, topic, state in curs.fetchall()
            ]

    # -- one group -----------------------------------------------------------

    def _write_group(self, group: list[PendingAppend]) -> None:
        deadline = time.monotonic() + OUTAGE_BUDGET
        while True:
            try:
                outcomes = self._write_group_once(group)
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
                    if pending.claim is not None:
                        pending.claim.committed = True
            return

    def _write_group_once(self, group: list[PendingAppend]) -> list[list[int] | BaseException]:
        with self.datastore.get_connection() as conn:
            try:
                with conn.cursor(row_factory=tuple_row) as curs:
                    curs.execute(self._begin_sql)
                    curs.execute(self._lock_sql + "; SAVEPOINT group_append")
                    try:
                        outcomes = self._insert_together(curs, group)
                    except (psycopg.IntegrityError, _ClaimTaken):  # someone conflicts: who?
                        curs.execute("ROLLBACK TO SAVEPOINT group_append")
                        outcomes = self._insert_one_by_one(curs, group)
                    curs.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        return outcomes

    def _insert_together(
        self, curs: psycopg.Cursor[Any], group: list[PendingAppend]
    ) -> list[list[int] | BaseException]:
        """The whole group in statements of ``INSERT_CHUNK`` rows."""
        ids = self._insert(curs, [event for pending in group for event in pending.events])
        outcomes: list[list[int] | BaseException] = []
        for pending in group:
            outcomes.append(ids[: len(pending.events)])
            ids = ids[len(pending.events) :]
        claims = [
            (pending.claim, positions[-1])
            for pending, positions in zip(group, outcomes, strict=True)
            if pending.claim is not None and isinstance(positions, list)
        ]
        if claims and not _claim_all(curs, claims):
            raise _ClaimTaken()
        return outcomes

    def _insert(self, curs: psycopg.Cursor[Any], events: Sequence[StoredEvent]) -> list[int]:
        """Positions in the order of ``events`` (RETURNING follows unnest's order)."""
        ids: list[int] = []
        for start in range(0, len(events), INSERT_CHUNK):
            part = events[start : start + INSERT_CHUNK]
            curs.execute(
                self._insert_one_sql,
                (
                    [e.originator_id for e in part],
                    [e.originator_version for e in part],
                    [e.topic for e in part],
                    [e.state for e in part],
                ),
                prepare=True,
            )
            ids += [row[0] for row in curs.fetchall()]
        return ids

    def _insert_one_by_one(
        self, curs: psycopg.Cursor[Any], group: list[PendingAppend]
    ) -> list[list[int] | BaseException]:
        """A savepoint per append, so a conflict fails that append alone."""
        outcomes: list[list[int] | BaseException] = []
        for pending in group:
            curs.execute("SAVEPOINT one_append")
            try:
                ids = self._insert(curs, pending.events)
            except psycopg.IntegrityError as exc:
                curs.execute("ROLLBACK TO SAVEPOINT one_append")
                outcomes.append(IntegrityError(str(exc)))
            except psycopg.DataError as exc:
                curs.execute("ROLLBACK TO SAVEPOINT one_append")
                outcomes.append(DataError(str(exc)))
            else:
                if pending.claim is not None and not _claim_all(curs, [(pending.claim, ids[-1])]):
                    curs.execute("ROLLBACK TO SAVEPOINT one_append")
                    outcomes.append(DuplicateRequest())
                    continue
                curs.execute("RELEASE SAVEPOINT one_append")
                outcomes.append(ids)
        return outcomes


def _claim_all(curs: psycopg.Cursor[Any], claims: list[tuple[Claim, int]]) -> bool:
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


def _rollback(conn: psycopg.Connection[DictRow]) -> None:
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.closed:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            conn.close()  # the pool discards a broken connection
