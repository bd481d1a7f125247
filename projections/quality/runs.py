"""The read model of data-quality runs (projection ``quality_runs``, R7.5).

One row per :class:`~domain.quality.run.QualityRun`: the estate, the month it
covers, whether the scheduler or a person ran it, and per check its count.
The trend of a month is its last run. The queries at the end are the only
readers of the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of, to_json
from projections.reach import Reaching
from projections.records import fetched

NAME = "quality_runs"
COLUMNS = (
    "run_id, estate_id, month, trigger, stale_days, as_of_position, counts, failing, "
    "run_by, run_at, position"
)


class CountRow(TypedDict):
    check: str
    severity: str
    count: int


class RunRow(TypedDict):
    run_id: UUID
    estate_id: UUID
    month: str
    trigger: str
    stale_days: int
    as_of_position: int
    counts: list[CountRow]
    failing: int
    run_by: UUID | None
    run_at: datetime
    position: int


class QualityRuns:
    name = NAME
    aggregates = frozenset({"QualityRun"})
    tables = ("quality_runs",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS quality_runs (
            run_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            month text NOT NULL,
            trigger text NOT NULL,
            stale_days integer NOT NULL,
            as_of_position bigint NOT NULL,
            counts jsonb NOT NULL,
            failing integer NOT NULL,
            run_by uuid,
            run_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        # An estate's runs newest first (the list's keyset), and a month's last run.
        "CREATE INDEX IF NOT EXISTS quality_runs_estate_page "
        "ON quality_runs (estate_id, run_at, run_id)",
        "CREATE INDEX IF NOT EXISTS quality_runs_estate_month "
        "ON quality_runs (estate_id, month, run_at, run_id)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "QualityRun" or name != "Recorded":
            return
        counts = list(event.counts)
        cur.execute(
            f"INSERT INTO quality_runs ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (run_id) DO NOTHING",
            [
                as_uuid(note.originator_id),
                event.estate_id,
                event.month,
                event.trigger,
                event.stale_days,
                event.as_of_position,
                to_json(counts),
                sum(int(c["count"]) for c in counts),
                event.run_by,
                event.at,
                note.id,
            ],
        )


# ---- queries ------------------------------------------------------------------------


def _admits(reach: Reaching, estate_id: UUID) -> bool:
    return reach.everything or estate_id in reach.estates


def runs(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    estate_id: UUID,
    before: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[RunRow] | None:
    """The estate's runs, newest first, after the run ``before`` (its run_at and
    ID); None outside the reach."""
    if not _admits(reach, estate_id):
        return None
    bound = ""
    params: list[Any] = [estate_id]
    if before is not None:
        bound = " AND (run_at, run_id) < (%s, %s)"
        params += list(before)
    sql = (
        f"SELECT {COLUMNS} FROM quality_runs WHERE estate_id = %s{bound} "
        "ORDER BY run_at DESC, run_id DESC LIMIT %s"
    )
    return fetched(conn.execute(sql, [*params, limit]), RunRow)


def trend(
    conn: psycopg.Connection[Any], reach: Reaching, estate_id: UUID, first: str, last: str
) -> list[RunRow] | None:
    """Per month from ``first`` to ``last`` (``YYYY-MM``), the month's last run,
    oldest month first (a month without a run has no row); None outside the reach."""
    if not _admits(reach, estate_id):
        return None
    sql = (
        f"SELECT DISTINCT ON (month) {COLUMNS} FROM quality_runs "
        "WHERE estate_id = %s AND month BETWEEN %s AND %s "
        "ORDER BY month, run_at DESC, run_id DESC"
    )
    return fetched(conn.execute(sql, [estate_id, first, last]), RunRow)


def latest(conn: psycopg.Connection[Any], estate_id: UUID) -> RunRow | None:
    """The estate's last run, if any."""
    sql = (
        f"SELECT {COLUMNS} FROM quality_runs WHERE estate_id = %s "
        "ORDER BY run_at DESC, run_id DESC LIMIT 1"
    )
    rows = fetched(conn.execute(sql, [estate_id]), RunRow)
    return rows[0] if rows else None
