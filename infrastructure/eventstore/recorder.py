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

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Identifier

from application.ports import Number
from infrastructure.eventstore import numbers as numbering
from infrastructure.eventstore.group_commit import GroupCommitter
from infrastructure.eventstore.group_write import (
    AppendStatements,
    GroupWriter,
    claim_all,
    rollback,
)
from infrastructure.eventstore.hashchain import SQL_LINK
from infrastructure.idempotency import TABLE as CLAIMS_TABLE
from infrastructure.idempotency import DuplicateRequest, open_claim

SCHEMA_LOCK_KEY = 7_413_230_001  # serialises DDL when several processes start at once
#: Events per group commit: bounds the time one group holds the table lock.
MAX_GROUP_EVENTS = 2000


class ChainedEventRecorder(PostgresApplicationRecorder):
    """Application recorder whose table carries ``chain_hash`` per event.

    ``insert_events`` keeps the library's contract (one atomic append, its
    notification IDs in order, ``IntegrityError`` on a version conflict) but
    shares its transaction with the appends of other threads.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        events = Identifier(self.events_table_name)
        id_type = Identifier(self.datastore.originator_id_type)
        # Four parallel arrays rather than the library's array of a composite
        # type: psycopg dumps them in C, at under half the CPU per append.
        insert = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::int8[], %s::text[], %s::bytea[])"
        ).format(schema=schema, table=events, id_type=id_type)
        claims = SQL(
            "INSERT INTO {claims} (key_hash, user_id, request_hash, last_position) "
            "SELECT c.key_hash, c.user_id, c.request_hash, e.notification_id "
            "FROM unnest(%s::bytea[], %s::uuid[], %s::bytea[], %s::{id_type}[], %s::int8[]) "
            "AS c(key_hash, user_id, request_hash, originator_id, originator_version) "
            "JOIN {schema}.{table} e USING (originator_id, originator_version)"
        ).format(claims=Identifier(CLAIMS_TABLE), schema=schema, table=events, id_type=id_type)
        # The library's statements, one by one: pg_stat_activity shows a
        # waiting writer as waiting on LOCK TABLE.
        timeout = SQL("SET LOCAL lock_timeout = '{}s'").format(self.datastore.lock_timeout)
        lock = SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(schema, events)
        notify = SQL("NOTIFY {}").format(Identifier(self.channel_name))
        self._writer = GroupWriter(
            self.datastore,
            AppendStatements(
                opening=("BEGIN", timeout.as_string(), lock.as_string(), notify.as_string()),
                # Rendered once: a Composed query is rendered again on every execute.
                insert=(insert + SQL(" RETURNING notification_id")).as_string(),
                claims=claims.as_string(),
                numbers=numbering.insert_statement(
                    self.datastore.schema, self.events_table_name, self.datastore.originator_id_type
                ),
            ),
        )
        self._committer = GroupCommitter(self._writer.write, max_events=MAX_GROUP_EVENTS)
        self._select_notifications_sql = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table}"
        ).format(schema=schema, table=events)
        self._select_events_base = SQL(
            "SELECT originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE originator_id = %s"
        ).format(schema=schema, table=events)
        self._select_events_sql: dict[tuple[bool, bool, bool, bool], str] = {}
        self.select_serial_sql = numbering.select_serial(
            self.datastore.schema, self.events_table_name
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
            *numbering.append_only(table, guard_fn),
            *numbering.create_statements(self.datastore.schema, self.events_table_name, guard_fn),
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
        numbers = numbering.open_numbers(stored_events)
        return self._committer.submit(stored_events, open_claim(), numbers)

    def insert_bulk(
        self, chunks: Iterable[Sequence[StoredEvent]], found: Sequence[Number] = ()
    ) -> int:
        """Append every chunk in one transaction under the table lock.

        All or nothing: a version conflict anywhere (``IntegrityError``) stores
        none of it. Only one chunk is held in memory at a time; other appends
        wait for the lock while this runs. Returns the last position written
        (0 if there was nothing). ``found`` fills while the chunks are made
        (numbers with their versions, decision 0050); they are numbered with
        the asked ones, once, after the last chunk.
        """
        last = 0
        claim = open_claim()
        asked = numbering.asked()
        with self.datastore.get_connection() as conn:
            try:
                with conn.cursor(row_factory=tuple_row) as curs:
                    with conn.pipeline():
                        for statement in self._writer.statements.opening:
                            curs.execute(statement)
                    for chunk in chunks:
                        ids = self._writer.insert(curs, chunk)
                        last = ids[-1] if ids else last
                        numbering.resolve(asked, chunk)
                    numbers = [*asked, *found]
                    serials = self._writer.number(curs, numbers)
                    if claim is not None and not claim_all(curs, [(claim, last)]):
                        raise DuplicateRequest()
                    curs.execute("COMMIT")
            except BaseException:
                rollback(conn)
                raise
        numbering.settle(numbers, serials)
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
            return stored_events(curs.fetchall())

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


def stored_events(rows: Iterable[tuple[Any, ...]]) -> list[StoredEvent]:
    """Rows that start (originator_id, originator_version, topic, state)."""
    return [
        StoredEvent(
            originator_id=row[0], originator_version=row[1], topic=row[2], state=bytes(row[3])
        )
        for row in rows
    ]
