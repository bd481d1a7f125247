"""Reading the whole log: decoded through the EventLog mapper vs a raw COPY."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg

from bench.appends import Ticket
from bench.measure import Result
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog, postgres_env


def fill(url: str, at_least: int) -> int:
    """Top the log up with bulk appends until it holds ``at_least`` events."""
    log = EventLog(postgres_env(url, 2))
    try:
        missing = at_least - log.head()
        if missing > 0:

            def tickets() -> Iterator[Ticket]:
                for i in range(missing):
                    yield Ticket(f"fill{i}")

            log.save_bulk(tickets(), chunk_size=5000)
        return log.head()
    finally:
        log.close()


def read_decode(url: str, batch: int = 5000) -> Result:
    log = EventLog(postgres_env(url, 2))
    try:
        count, last = 0, 0
        t0 = time.perf_counter()
        while True:
            notifications = log.recorder.select_notifications(last, batch, inclusive_of_start=False)
            if not notifications:
                break
            for notification in notifications:
                log.mapper.to_domain_event(notification)
            count += len(notifications)
            last = notifications[-1].id
        seconds = time.perf_counter() - t0
    finally:
        log.close()
    return Result("read", "read + decode (EventLog mapper)", 1, count, seconds, count / seconds)


def raw_copy(url: str, *, parse_rows: bool = True) -> Result:
    """COPY the table out in binary; with ``parse_rows``, into Python tuples.

    Parsed rows are the ceiling for read + decode (both end as Python
    objects); the byte stream alone is printed for scale.
    """
    columns = "notification_id, originator_id, originator_version, topic, state"
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        rows = cur.execute(f"SELECT count(*) FROM {EVENTS_TABLE}").fetchone()
        assert rows is not None
        t0 = time.perf_counter()
        with cur.copy(
            f"COPY (SELECT {columns} FROM {EVENTS_TABLE} ORDER BY notification_id) "
            "TO STDOUT (FORMAT binary)"
        ) as copy:
            if parse_rows:
                copy.set_types(["int8", "uuid", "int8", "text", "bytea"])
                for _ in copy.rows():
                    pass
            else:
                for _ in copy:
                    pass
        seconds = time.perf_counter() - t0
    name = "raw COPY to rows (ceiling)" if parse_rows else "raw COPY, bytes only"
    return Result("read", name, 1, rows[0], seconds, rows[0] / seconds)
