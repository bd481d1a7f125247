"""Applying one batch to one read model inside the projector's transaction.

A batch goes in one savepoint; if it fails, the events go again one savepoint
each, so the read model stops exactly at the failing event and keeps the ones
before it. An error that passes by itself (``projections/transient.py``) is
returned as a failure to try again later rather than one that stops the read
model (decision 0015).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, cast

import psycopg

from projections.protocols import Decoded, LogProjection, Projection, batch_applier
from projections.transient import is_transient

log = logging.getLogger(__name__)


@dataclass
class ProjectionFailed(Exception):
    projection: str
    position: int
    error: str
    transient: bool = False  # the database's passing trouble, not the event's


def apply_positions(
    conn: psycopg.Connection[Any],
    cur: psycopg.Cursor[Any],
    projection: Projection,
    after: int,
    ids: Sequence[int],
) -> ProjectionFailed | None:
    """Apply the events ``ids`` (all of the log after ``after``, in order) to a
    log projection inside the caller's transaction; as :func:`apply_events`,
    one event at a time after a failure, to name the event that fails."""
    if not ids:
        return None
    apply_positions = cast(LogProjection, projection).apply_positions
    for nul_free in (False, True):  # the second time, an event with NUL cannot fail it
        try:
            with conn.transaction():
                apply_positions(cur, after, ids[-1], nul_free=nul_free)
            return None
        except Exception as e:
            if passing := _passing(conn, projection, ids[0], e):
                return passing
    log.info("projection %s: positions after %s failed; one by one", projection.name, after)
    for position in ids:
        try:
            with conn.transaction():
                apply_positions(cur, position - 1, position, nul_free=True)
        except Exception as e:
            if passing := _passing(conn, projection, position, e):
                return passing
            log.exception("projection %s failed at %s", projection.name, position)
            return ProjectionFailed(projection.name, position, repr(e))
    return None


def apply_events(
    conn: psycopg.Connection[Any],
    cur: psycopg.Cursor[Any],
    projection: Projection,
    events: Sequence[Decoded],
) -> ProjectionFailed | None:
    """Apply ``events`` to one projection inside the caller's transaction.

    All of them in one savepoint first (through ``apply_batch`` where the
    projection has one); if anything fails, the savepoint undoes them and
    they are applied again one savepoint each, which stops at the failing
    event exactly and keeps the ones before it.
    """
    if not events:
        return None
    fast = batch_applier(projection)
    try:
        with conn.transaction():
            if fast is not None and len(events) > 1:
                fast(cur, events)
            else:
                # Pipeline mode: the statements go out without waiting for
                # each answer (a read in ``apply`` still gets its rows). Not
                # for followers with side effects: a job must never be sent
                # before the rows recorded with it are known to be written.
                side_effects = getattr(projection, "has_side_effects", False)
                with nullcontext() if side_effects else conn.pipeline():
                    for event, meta, note in events:
                        projection.apply(cur, event, meta, note)
        return None
    except Exception as e:
        if passing := _passing(conn, projection, events[0][2].id, e):
            return passing
        if len(events) == 1 and fast is None:  # nothing to narrow down
            log.exception("projection %s failed at %s", projection.name, events[0][2].id)
            return ProjectionFailed(projection.name, events[0][2].id, repr(e))
        log.info(
            "projection %s: a batch from %s failed; applying it event by event",
            projection.name,
            events[0][2].id,
            exc_info=True,
        )
    for event, meta, note in events:
        try:
            with conn.transaction():  # a savepoint: a failure undoes this event only
                projection.apply(cur, event, meta, note)
        except Exception as e:
            if passing := _passing(conn, projection, note.id, e):
                return passing
            log.exception("projection %s failed at %s", projection.name, note.id)
            return ProjectionFailed(projection.name, note.id, repr(e))
    return None


def _passing(
    conn: psycopg.Connection[Any], projection: Projection, position: int, error: Exception
) -> ProjectionFailed | None:
    """A failure to try again later if ``error`` passes by itself; raised on if the
    connection is lost (the whole round is then undone and tried again)."""
    if not is_transient(error):
        return None
    if conn.broken or conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
        raise error
    log.warning("projection %s: passing error at %s: %r", projection.name, position, error)
    return ProjectionFailed(projection.name, position, repr(error), transient=True)
