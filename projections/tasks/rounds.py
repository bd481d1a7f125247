"""The to-do list's rows of scheduled walks: patrol tasks and meter-reading rounds.

A patrol task (巡检) is its assignee's from the moment it is generated (up to
two hours before its shift) until its shift closes: the window is the shift
(``starts_at``, ``due_at``), ``done`` of ``total`` its points checked. A
reading round (抄表) is its technician's from planning until it is closed:
``done`` of ``total`` its meters read (a meter read twice, held and then
confirmed, counts once: ``tasks_round_meters`` remembers which were read
until the round closes). A round is due by a date (``due_on``); the list
sorts it as due at that date's end in UTC, as the log knows no estate's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import psycopg

from projections.events import occurred_at

PATROL_AGGREGATES = frozenset({"PatrolTask"})
ROUND_AGGREGATES = frozenset({"ReadingRound"})
DDL = (
    """CREATE TABLE IF NOT EXISTS tasks_round_meters (
        item_id uuid NOT NULL,
        meter_id uuid NOT NULL,
        PRIMARY KEY (item_id, meter_id)
    )""",
)


def patrol_task(cur: psycopg.Cursor[Any], tid: UUID, name: str, event: Any) -> None:
    at = occurred_at(event)
    if name == "Generated":
        cur.execute(
            "INSERT INTO tasks_items (item_id, kind, estate_id, title, starts_at, due_at, "
            "status, is_open, assignee_id, done, total, created_at, updated_at) VALUES "
            "(%s,'patrol_task',%s,%s,%s,%s,'open',true,%s,0,%s,%s,%s) ON CONFLICT DO NOTHING",
            [
                tid,
                event.estate_id,
                event.route_name,
                event.starts_at,
                event.ends_at,
                event.assignee_id,
                len(event.points),
                at,
                at,
            ],
        )
    elif name == "CheckedIn":
        _step(cur, tid, "done = done + 1", at)
    elif name == "PointLate":
        _step(cur, tid, "status = 'late'", at)
    elif name == "Closed":
        _step(cur, tid, "status = 'closed', is_open = false", at)


def reading_round(cur: psycopg.Cursor[Any], rid: UUID, name: str, event: Any) -> None:
    at = occurred_at(event)
    if name == "Planned":
        cur.execute(
            "INSERT INTO tasks_items (item_id, kind, estate_id, title, due_on, due_at, status, "
            "is_open, assignee_id, done, total, created_at, updated_at) VALUES "
            "(%s,'meter_round',%s,%s,%s,%s,'open',true,%s,0,%s,%s,%s) ON CONFLICT DO NOTHING",
            [
                rid,
                event.estate_id,
                f"Meter reading for {event.period}",
                event.due_on,
                end_of(event.due_on),
                event.technician_id,
                len(event.meter_ids),
                at,
                at,
            ],
        )
    elif name == "MeterRead":
        cur.execute(
            "WITH first AS (INSERT INTO tasks_round_meters (item_id, meter_id) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING RETURNING 1) UPDATE tasks_items SET "
            "done = done + (SELECT count(*) FROM first), updated_at = %s WHERE item_id = %s",
            [rid, event.meter_id, at, rid],
        )
    elif name == "Closed":
        _step(cur, rid, "status = 'closed', is_open = false", at)
        cur.execute("DELETE FROM tasks_round_meters WHERE item_id = %s", [rid])


def end_of(day: date) -> datetime:
    """The instant a day ends, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _step(cur: psycopg.Cursor[Any], item_id: UUID, change: str, at: datetime) -> None:
    cur.execute(
        f"UPDATE tasks_items SET {change}, updated_at = %s WHERE item_id = %s", [at, item_id]
    )
