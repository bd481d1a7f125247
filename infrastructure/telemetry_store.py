"""Plain tables for raw telemetry: not events, not read models (decision 0007).

- ``equipment_readings``: every distinct reading, keyed by (equipment,
  metric, time), so a resent reading is a duplicate; kept a few days.
- ``equipment_latest_readings``: the newest reading per equipment and metric,
  for the status board; it also tells the ingest which readings are late.
- ``equipment_hourly``: running count/min/max/sum per equipment, metric and
  hour, until the summary job turns a finished hour into an event.

These tables are written by the ingest itself, in SQL, because a reading is
not worth an event: the facts worth keeping forever (crossings, state changes,
hourly aggregates) are events. Losing these tables loses only the status
board's last-reading times and the hours not yet summarised. They are not
built by a projection, so a replay neither rebuilds nor drops them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.equipment.rules import Reading

DDL = (
    """CREATE TABLE IF NOT EXISTS equipment_readings (
        equipment_id uuid NOT NULL,
        metric text NOT NULL,
        at timestamptz NOT NULL,
        value numeric,
        state text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (equipment_id, metric, at)
    )""",
    "CREATE INDEX IF NOT EXISTS equipment_readings_received ON equipment_readings (received_at)",
    """CREATE TABLE IF NOT EXISTS equipment_latest_readings (
        equipment_id uuid NOT NULL,
        metric text NOT NULL,
        at timestamptz NOT NULL,
        value numeric,
        state text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (equipment_id, metric)
    )""",
    """CREATE TABLE IF NOT EXISTS equipment_hourly (
        equipment_id uuid NOT NULL,
        metric text NOT NULL,
        hour timestamptz NOT NULL,
        count bigint NOT NULL,
        minimum numeric NOT NULL,
        maximum numeric NOT NULL,
        total numeric NOT NULL,
        summarised boolean NOT NULL DEFAULT false,
        PRIMARY KEY (equipment_id, metric, hour)
    )""",
    "CREATE INDEX IF NOT EXISTS equipment_hourly_pending ON equipment_hourly (hour) "
    "WHERE NOT summarised",
)

_STORE = """
WITH batch AS (
    SELECT * FROM unnest(%s::uuid[], %s::text[], %s::timestamptz[], %s::numeric[], %s::text[])
        AS b(equipment_id, metric, at, value, state)
), new AS (
    INSERT INTO equipment_readings (equipment_id, metric, at, value, state)
    SELECT equipment_id, metric, at, value, state FROM batch
    ON CONFLICT DO NOTHING
    RETURNING equipment_id, metric, at, value
), hourly AS (
    INSERT INTO equipment_hourly AS h (equipment_id, metric, hour, count, minimum, maximum, total)
    SELECT equipment_id, metric, date_trunc('hour', at), count(*), min(value), max(value),
           sum(value)
    FROM new WHERE value IS NOT NULL
    GROUP BY equipment_id, metric, date_trunc('hour', at)
    ON CONFLICT (equipment_id, metric, hour) DO UPDATE SET
        count = h.count + excluded.count,
        minimum = least(h.minimum, excluded.minimum),
        maximum = greatest(h.maximum, excluded.maximum),
        total = h.total + excluded.total
    RETURNING 1
), latest AS (
    INSERT INTO equipment_latest_readings AS l (equipment_id, metric, at, value, state)
    SELECT DISTINCT ON (equipment_id, metric) equipment_id, metric, at, value, state
    FROM batch ORDER BY equipment_id, metric, at DESC
    ON CONFLICT (equipment_id, metric) DO UPDATE SET
        at = excluded.at, value = excluded.value, state = excluded.state,
        received_at = now()
    WHERE excluded.at > l.at
    RETURNING 1
)
SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM hourly), (SELECT count(*) FROM latest)
"""


class PostgresReadingStore:
    """The raw telemetry tables over a psycopg pool."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def latest_times(self, equipment_ids: Sequence[UUID]) -> dict[tuple[UUID, str], datetime]:
        """The time of the newest stored reading per (equipment, metric)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT equipment_id, metric, at FROM equipment_latest_readings "
                "WHERE equipment_id = ANY(%s)",
                [list(equipment_ids)],
            ).fetchall()
        return {(r[0], r[1]): r[2] for r in rows}

    def store(self, readings: Sequence[Reading]) -> int:
        """Store a batch; the number of readings that were not duplicates."""
        if not readings:
            return 0
        columns: tuple[list[Any], ...] = ([], [], [], [], [])
        for r in readings:
            columns[0].append(r.equipment_id)
            columns[1].append(str(r.metric))
            columns[2].append(r.at)
            columns[3].append(r.value)
            columns[4].append(r.state)
        with self.pool.connection() as conn:
            row = conn.execute(_STORE, list(columns)).fetchone()
        return int(row[0]) if row else 0

    def finished_hours(
        self, before: datetime, limit: int = 5000
    ) -> list[tuple[UUID, str, datetime, int, Decimal, Decimal, Decimal]]:
        """Hours not yet summarised that ended before ``before``, oldest first."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT equipment_id, metric, hour, count, minimum, maximum, total "
                "FROM equipment_hourly WHERE NOT summarised AND hour + interval '1 hour' <= %s "
                "ORDER BY equipment_id, hour, metric LIMIT %s",
                [before, limit],
            ).fetchall()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def mark_summarised(self, keys: Sequence[tuple[UUID, str, datetime]]) -> None:
        if not keys:
            return
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE equipment_hourly h SET summarised = true FROM unnest("
                "%s::uuid[], %s::text[], %s::timestamptz[]) AS k(equipment_id, metric, hour) "
                "WHERE h.equipment_id = k.equipment_id AND h.metric = k.metric "
                "AND h.hour = k.hour",
                [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
            )

    def prune(self, older_than: datetime) -> int:
        """Forget raw readings and summarised hours older than a moment."""
        with self.pool.connection() as conn:
            gone = conn.execute(
                "DELETE FROM equipment_readings WHERE at < %s", [older_than]
            ).rowcount
            conn.execute(
                "DELETE FROM equipment_hourly WHERE summarised AND hour < %s", [older_than]
            )
        return gone

    def silent_since(self, before: datetime, limit: int = 1000) -> list[UUID]:
        """Equipment that has reported before, but nothing since ``before``."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT equipment_id FROM equipment_latest_readings GROUP BY equipment_id "
                "HAVING max(at) < %s ORDER BY max(at) LIMIT %s",
                [before, limit],
            ).fetchall()
        return [row[0] for row in rows]

    def last_reading_at(self, equipment_id: UUID) -> datetime | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT max(at) FROM equipment_latest_readings WHERE equipment_id = %s",
                [equipment_id],
            ).fetchone()
        return row[0] if row else None
