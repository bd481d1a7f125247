"""Building read models away from the live tables, into a schema of their own.

A projection names its tables without a schema, so the same ``ddl`` and
``apply`` build into any schema: the build connection's ``search_path`` is set
to that schema alone. Rebuild (blue/green) and as-of both use this; only what
they do with the result differs.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any, cast

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from infrastructure.database import current_schema
from infrastructure.eventstore.store import EventLog
from projections.batches import ByAggregate, Decoder
from projections.protocols import (
    Decoded,
    LogProjection,
    Projection,
    batch_applier,
    reads_the_log,
)
from projections.shapes import mark
from replay.progress import Progress, ignore

log = logging.getLogger(__name__)

SCRATCH_PREFIX = "estatelog_"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


BUILD_LOCK_KEY = 7_413_230_004  # one scratch build per schema name at a time


class UnknownProjection(LookupError):
    pass


class BuildInProgress(RuntimeError):
    pass


class UnreadableEvent(RuntimeError):
    """The log holds an event this code cannot read (a newer release's, say)."""


def replayable(projections: Sequence[Projection]) -> list[Projection]:
    """The read models that may be replayed: they own tables and have no side effects.

    A follower such as the alert outbox enqueues jobs; replaying it would send
    every old alert again, so it is never rebuilt nor built as of a moment.
    """
    return [p for p in projections if p.tables and not getattr(p, "has_side_effects", False)]


def select(projections: Sequence[Projection], names: Sequence[str] | None) -> list[Projection]:
    """The replayable projections called ``names`` (all of them for None)."""
    candidates = replayable(projections)
    if not names:
        return candidates
    by_name = {p.name: p for p in candidates}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UnknownProjection(
            f"no replayable read model {', '.join(unknown)}; known: {', '.join(sorted(by_name))}"
        )
    return [by_name[n] for n in names]


def checked_schema(name: str) -> str:
    if not _SCHEMA_NAME.match(name) or name in ("public", "pg_catalog", "information_schema"):
        raise ValueError(f"not a usable schema name for a scratch build: {name!r}")
    return name


def live_schema(conn: psycopg.Connection[Any]) -> str:
    """Where the live read models are: the first schema of the default search path."""
    return current_schema(conn)


def open_build(
    conninfo: str, schema: str, projections: Sequence[Projection]
) -> psycopg.Connection[Any]:
    """A connection whose unqualified tables are ``schema``'s, created afresh
    without their plain indexes (:func:`build_indexes` adds them after the bulk).

    Any earlier build left in the schema (a crash mid-way) is dropped first;
    a build running into the same schema right now is refused. The session
    lock that guards it ends with the connection.
    """
    schema = checked_schema(schema)
    conn = psycopg.connect(conninfo)
    got = conn.execute(
        "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [BUILD_LOCK_KEY % 2**31, schema]
    ).fetchone()
    if not got or not got[0]:
        conn.close()
        raise BuildInProgress(f"another build into {schema} is running")
    ident = sql.Identifier(schema)
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident))
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident))
    conn.execute(sql.SQL("SET search_path TO {}").format(ident))
    for projection in projections:
        for statement in projection.ddl:
            if not _deferred(statement):
                conn.execute(statement)  # type: ignore[arg-type]
        mark(conn, projection)  # built by this code: a swap takes the shape in with the rows
    conn.commit()
    return conn


def build_indexes(conn: psycopg.Connection[Any], projections: Sequence[Projection]) -> None:
    """Create the plain indexes :func:`open_build` left out, once the bulk is in.

    Sorting a table's rows once builds an index faster than inserting every
    row into it as it comes; unique indexes and keys are made up front, since
    the projections' writes rely on them.
    """
    for projection in projections:
        for statement in projection.ddl:
            if _deferred(statement):
                conn.execute(statement)  # type: ignore[arg-type]
    conn.commit()


def _deferred(statement: str) -> bool:
    return statement.lstrip().upper().startswith("CREATE INDEX")


def apply_range(
    conn: psycopg.Connection[Any],
    event_log: EventLog,
    projections: Sequence[Projection],
    *,
    after: int,
    stop: int | None = None,
    batch: int = 5000,
    commit: bool = True,
    fast: bool = True,
    conninfo: str | None = None,
    progress: Progress = ignore,
) -> tuple[int, int]:
    """Apply the events after ``after`` (up to ``stop`` inclusive) on ``conn``.

    Commits after every batch unless ``commit`` is false (the caller's
    transaction then holds everything). Returns (last position applied,
    number of events).

    Projections with ``apply_batch`` take each batch at once (``COPY``,
    multi-row statements); the others get it event by event in a pipeline.
    If a fast batch fails, it is undone (a savepoint) and redone event by
    event, so the error names the exact event (``fast=False`` always goes
    event by event). An error raised by a projection carries a note naming
    the projection and position. ``progress`` hears of every batch applied.
    """
    decoder = Decoder(event_log, projections)
    from_log = [p for p in projections if reads_the_log(p)]
    decoding = [p for p in projections if not reads_the_log(p)]

    def fetch(position: int) -> tuple[Sequence[Notification], list[Decoded]]:
        notes = event_log.recorder.select_notifications(
            position, batch, stop=stop, inclusive_of_start=False
        )
        decoded, unreadable = decoder.decode(notes)
        if unreadable is not None:
            raise UnreadableEvent(f"event {unreadable[0]} cannot be read: {unreadable[1]}")
        return notes, decoded

    side = _side_connection(conn, conninfo) if conninfo and commit and from_log else None

    def from_the_log(target: psycopg.Connection[Any], after: int, ids: list[int]) -> None:
        for projection in from_log:
            _apply_positions(target, projection, after, ids, fast)
        if target is side:
            target.commit()

    position, count = after, 0
    # One thread reads and decodes the next batch while this one is written:
    # the database works on a batch while Python prepares the next.
    with (
        _no_cyclic_gc(),
        side or nullcontext(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-read") as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-log") as writer,
    ):
        upcoming = reader.submit(fetch, position)
        while True:
            notes, decoded = upcoming.result()
            if not notes:
                break
            last = notes[-1].id
            if len(notes) == batch:
                upcoming = reader.submit(fetch, last)
            ids = [n.id for n in notes]
            if side is not None:
                logged = writer.submit(from_the_log, side, position, ids)
            else:  # first what PostgreSQL writes alone: the reader has the GIL meanwhile
                from_the_log(conn, position, ids)
            slow = []
            grouped = ByAggregate(decoded)
            for projection in decoding:
                mine = grouped.share(projection)
                if not mine:
                    continue
                apply_batch = batch_applier(projection) if fast else None
                if apply_batch is None or not _applied_at_once(conn, apply_batch, mine):
                    slow.append(projection)
            if slow:
                _apply_one_by_one(conn, slow, grouped)
            if side is not None:
                logged.result()
            position, count = last, count + len(notes)
            if commit:
                conn.commit()
            progress(position, count)
            if len(notes) < batch:
                break
    return position, count


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a build.

    Decoding allocates several dicts per event that live for one batch; the
    collector, triggered by those allocations, walked them again and again
    (measured: 6 µs of a 13 µs decode). Reference counting still frees every
    batch; the collector runs once at the end.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
            gc.collect()


def _side_connection(conn: psycopg.Connection[Any], conninfo: str) -> psycopg.Connection[Any]:
    """A second connection to the same build: the same server, the same search path."""
    row = conn.execute("SHOW search_path").fetchone()
    assert row is not None
    side = psycopg.connect(conninfo)
    side.execute(sql.SQL("SET search_path TO {}").format(sql.SQL(row[0])))
    return side


def _apply_positions(
    conn: psycopg.Connection[Any], projection: Projection, after: int, ids: list[int], fast: bool
) -> None:
    """A log projection over the events ``ids`` (all the log has after ``after``):
    in one statement, or event by event (after a failure, or when not ``fast``)
    so that an error names the event."""
    apply_positions = cast(LogProjection, projection).apply_positions
    for nul_free in (False, True):  # the second time, an event with NUL cannot fail it
        whole = partial(_whole_range, apply_positions, after, ids[-1], nul_free)
        if fast and _applied_at_once(conn, whole, ()):
            return
    with conn.cursor() as cur:
        for position in ids:
            try:
                apply_positions(cur, position - 1, position, nul_free=True)
            except Exception as e:
                e.add_note(f"read model {projection.name} at position {position}")
                raise


def _whole_range(
    apply_positions: Any, after: int, upto: int, nul_free: bool, cur: Any, _: Any
) -> None:
    apply_positions(cur, after, upto, nul_free=nul_free)


def _applied_at_once(
    conn: psycopg.Connection[Any], apply_batch: Any, decoded: Sequence[Decoded]
) -> bool:
    """Run ``apply_batch`` in a savepoint; False (and nothing applied) if it failed."""
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT replay_batch")
        try:
            apply_batch(cur, decoded)
        except Exception:
            log.info("a fast replay batch failed; applying it event by event", exc_info=True)
            cur.execute("ROLLBACK TO SAVEPOINT replay_batch")
            cur.execute("RELEASE SAVEPOINT replay_batch")
            return False
        cur.execute("RELEASE SAVEPOINT replay_batch")
    return True


def _apply_one_by_one(
    conn: psycopg.Connection[Any], projections: Sequence[Projection], batch: ByAggregate
) -> None:
    # Pipeline mode: the batch's statements go out without waiting for each
    # answer (projections only write, so nothing needs a round trip).
    wants = {p.name: {d[2].id for d in batch.share(p)} for p in projections}
    with conn.pipeline(), conn.cursor() as cur:
        for event, meta, note in batch.events:
            for projection in projections:
                if note.id not in wants[projection.name]:
                    continue
                try:
                    projection.apply(cur, event, meta, note)
                except Exception as e:
                    e.add_note(f"read model {projection.name} at position {note.id}")
                    raise


def table_rows(conn: psycopg.Connection[Any], schema: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``schema.table`` in a stable order (for comparisons)."""
    ident = sql.Identifier(schema, table)
    return conn.execute(sql.SQL("SELECT * FROM {} t ORDER BY t::text").format(ident)).fetchall()
