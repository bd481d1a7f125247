"""The ``patrols`` read model: routes, plans, tasks with their points, and the
completion report per estate, route, person and month (R: issue 17, 巡检).

The report (``patrol_completion``) is kept as the events come: a task adds
its points when generated, a check-in one checked point, a missed point one
missed; the month is the shift's local date's.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg.types.json import Jsonb

from projections.events import as_uuid, kind_of

AGGREGATES = frozenset({"PatrolRoute", "PatrolPlan", "PatrolTask"})


class PatrolsReadModel:
    name = "patrols"
    aggregates = AGGREGATES
    tables = (
        "patrol_routes",
        "patrol_plans",
        "patrol_tasks",
        "patrol_task_points",
        "patrol_completion",
    )
    ddl = (
        """CREATE TABLE IF NOT EXISTS patrol_routes (
            route_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            name text NOT NULL,
            points jsonb NOT NULL,
            point_count integer NOT NULL,
            status text NOT NULL,
            created_at timestamptz NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS patrol_plans (
            plan_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            route_id uuid NOT NULL,
            name text NOT NULL,
            assignee_id uuid NOT NULL,
            weekdays integer[] NOT NULL,
            shift_starts text NOT NULL,
            shift_minutes integer NOT NULL,
            timezone text NOT NULL,
            next_shift_on date NOT NULL,
            status text NOT NULL,
            tasks_generated integer NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS patrol_tasks (
            task_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            plan_id uuid NOT NULL,
            route_id uuid NOT NULL,
            route_name text NOT NULL,
            assignee_id uuid NOT NULL,
            shift_on date NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL,
            status text NOT NULL,
            points integer NOT NULL,
            checked integer NOT NULL,
            late integer NOT NULL,
            missed integer NOT NULL,
            abnormal integer NOT NULL,
            closed_at timestamptz
        )""",
        # A page of an estate's tasks, or of a person's, latest shift first.
        "CREATE INDEX IF NOT EXISTS patrol_tasks_estate ON patrol_tasks "
        "(estate_id, starts_at, task_id)",
        "CREATE INDEX IF NOT EXISTS patrol_tasks_assignee ON patrol_tasks "
        "(assignee_id, starts_at, task_id)",
        "CREATE INDEX IF NOT EXISTS patrol_tasks_open ON patrol_tasks (ends_at) "
        "WHERE status = 'open'",
        """CREATE TABLE IF NOT EXISTS patrol_task_points (
            task_id uuid NOT NULL,
            seq integer NOT NULL,
            point_id uuid NOT NULL,
            name text NOT NULL,
            place text,
            checklist jsonb NOT NULL,
            due_by timestamptz NOT NULL,
            state text NOT NULL,
            reported_late boolean NOT NULL,
            checked_at timestamptz,
            checked_by uuid,
            late boolean NOT NULL,
            answers jsonb NOT NULL,
            abnormal integer NOT NULL,
            work_order_id uuid,
            PRIMARY KEY (task_id, point_id)
        )""",
        """CREATE TABLE IF NOT EXISTS patrol_completion (
            estate_id uuid NOT NULL,
            route_id uuid NOT NULL,
            route_name text NOT NULL,
            assignee_id uuid NOT NULL,
            month text NOT NULL,
            tasks integer NOT NULL,
            points integer NOT NULL,
            checked integer NOT NULL,
            late integer NOT NULL,
            missed integer NOT NULL,
            abnormal integer NOT NULL,
            PRIMARY KEY (estate_id, month, route_id, assignee_id)
        )""",
        # A patroller's own rows (the report's ``own`` reach).
        "CREATE INDEX IF NOT EXISTS patrol_completion_assignee ON patrol_completion "
        "(assignee_id, month)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate not in AGGREGATES:
            return
        rid = as_uuid(note.originator_id)
        if aggregate == "PatrolRoute":
            self._route(cur, rid, name, event)
        elif aggregate == "PatrolPlan":
            self._plan(cur, rid, name, event)
        else:
            self._task(cur, rid, name, event)

    def _route(self, cur: psycopg.Cursor[Any], rid: Any, name: str, event: Any) -> None:
        if name == "Created":
            cur.execute(
                "INSERT INTO patrol_routes (route_id, estate_id, name, points, point_count, "
                "status, created_at) VALUES (%s,%s,%s,%s,%s,'active',%s)",
                [
                    rid,
                    event.estate_id,
                    event.name,
                    Jsonb(event.points),
                    len(event.points),
                    event.at,
                ],
            )
        elif name == "PointAdded":
            cur.execute(
                "UPDATE patrol_routes SET points = points || %s, point_count = point_count + 1 "
                "WHERE route_id = %s",
                [Jsonb([event.point]), rid],
            )
        elif name == "Retired":
            cur.execute("UPDATE patrol_routes SET status = 'retired' WHERE route_id = %s", [rid])

    def _plan(self, cur: psycopg.Cursor[Any], rid: Any, name: str, event: Any) -> None:
        if name == "Created":
            cur.execute(
                "INSERT INTO patrol_plans (plan_id, estate_id, route_id, name, assignee_id, "
                "weekdays, shift_starts, shift_minutes, timezone, next_shift_on, status, "
                "tasks_generated) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'active',0)",
                [
                    rid,
                    event.estate_id,
                    event.route_id,
                    event.name,
                    event.assignee_id,
                    list(event.weekdays),
                    event.shift_starts,
                    event.shift_minutes,
                    event.timezone,
                    event.first_shift_on,
                ],
            )
        elif name == "Reassigned":
            cur.execute(
                "UPDATE patrol_plans SET assignee_id = %s WHERE plan_id = %s",
                [event.assignee_id, rid],
            )
        elif name in ("Paused", "Resumed", "Retired"):
            status = {"Paused": "paused", "Resumed": "active", "Retired": "retired"}[name]
            cur.execute("UPDATE patrol_plans SET status = %s WHERE plan_id = %s", [status, rid])
        elif name == "TaskGenerated":
            cur.execute(
                "UPDATE patrol_plans SET next_shift_on = %s, tasks_generated = tasks_generated + 1 "
                "WHERE plan_id = %s",
                [event.next_shift_on, rid],
            )

    def _task(self, cur: psycopg.Cursor[Any], rid: Any, name: str, event: Any) -> None:
        if name == "Generated":
            self._generated(cur, rid, event)
        elif name == "CheckedIn":
            abnormal = len(event.abnormal)
            cur.execute(
                "UPDATE patrol_task_points SET state = 'checked', checked_at = %s, "
                "checked_by = %s, late = %s, answers = %s, abnormal = %s, work_order_id = %s "
                "WHERE task_id = %s AND point_id = %s",
                [
                    event.at,
                    event.by,
                    event.late,
                    Jsonb(event.answers),
                    abnormal,
                    event.work_order_id,
                    rid,
                    as_uuid(event.point_id),
                ],
            )
            self._count(cur, rid, checked=1, abnormal=abnormal, late=1 if event.late else 0)
        elif name == "PointLate":
            cur.execute(
                "UPDATE patrol_task_points SET reported_late = true "
                "WHERE task_id = %s AND point_id = %s",
                [rid, as_uuid(event.point_id)],
            )
        elif name == "PointMissed":
            cur.execute(
                "UPDATE patrol_task_points SET state = 'missed' "
                "WHERE task_id = %s AND point_id = %s",
                [rid, as_uuid(event.point_id)],
            )
            self._count(cur, rid, missed=1)
        elif name == "Closed":
            cur.execute(
                "UPDATE patrol_tasks SET status = 'closed', closed_at = %s WHERE task_id = %s",
                [event.at, rid],
            )

    def _generated(self, cur: psycopg.Cursor[Any], rid: Any, event: Any) -> None:
        cur.execute(
            "INSERT INTO patrol_tasks (task_id, estate_id, plan_id, route_id, route_name, "
            "assignee_id, shift_on, starts_at, ends_at, status, points, checked, late, missed, "
            "abnormal) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,'open',%s,0,0,0,0)",
            [
                rid,
                event.estate_id,
                event.plan_id,
                event.route_id,
                event.route_name,
                event.assignee_id,
                event.shift_on,
                event.starts_at,
                event.ends_at,
                len(event.points),
            ],
        )
        cur.executemany(
            "INSERT INTO patrol_task_points (task_id, seq, point_id, name, place, checklist, "
            "due_by, state, reported_late, late, answers, abnormal) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,'pending',false,false,'[]',0)",
            [
                [
                    rid,
                    seq,
                    as_uuid(p["point_id"]),
                    p["name"],
                    p.get("place"),
                    Jsonb(p["checklist"]),
                    p["due_by"],
                ]
                for seq, p in enumerate(event.points, start=1)
            ],
        )
        cur.execute(
            "INSERT INTO patrol_completion (estate_id, route_id, route_name, assignee_id, month, "
            "tasks, points, checked, late, missed, abnormal) VALUES (%s,%s,%s,%s,%s,1,%s,0,0,0,0) "
            "ON CONFLICT (estate_id, month, route_id, assignee_id) DO UPDATE SET "
            "tasks = patrol_completion.tasks + 1, "
            "points = patrol_completion.points + excluded.points, "
            "route_name = excluded.route_name",
            [
                event.estate_id,
                event.route_id,
                event.route_name,
                event.assignee_id,
                event.shift_on.isoformat()[:7],
                len(event.points),
            ],
        )

    def _count(self, cur: psycopg.Cursor[Any], rid: Any, **deltas: int) -> None:
        """The same change to the task's counts and to its month's report row."""
        names = sorted(deltas)
        values = [deltas[n] for n in names]
        task = ", ".join(f"{n} = {n} + %s" for n in names)
        cur.execute(f"UPDATE patrol_tasks SET {task} WHERE task_id = %s", [*values, rid])
        report = ", ".join(f"{n} = c.{n} + %s" for n in names)
        cur.execute(
            f"UPDATE patrol_completion c SET {report} "
            "FROM patrol_tasks t WHERE t.task_id = %s AND c.estate_id = t.estate_id "
            "AND c.route_id = t.route_id AND c.assignee_id = t.assignee_id "
            "AND c.month = to_char(t.shift_on, 'YYYY-MM')",
            [*values, rid],
        )
