"""What the estate's dashboard reads of the patrols' read model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg


class PatrolFigures(TypedDict):
    month: str
    tasks: int
    points: int  # points due on those tasks
    checked: int
    late: int
    missed: int
    abnormal: int
    completion_rate: Decimal | None  # checked / points; None with no points due


def patrol_figures(conn: psycopg.Connection[Any], estate_id: UUID, month: str) -> PatrolFigures:
    """The estate's patrols of the month, every route and person together."""
    row = conn.execute(
        "SELECT coalesce(sum(tasks), 0)::int, coalesce(sum(points), 0)::int, "
        "coalesce(sum(checked), 0)::int, coalesce(sum(late), 0)::int, "
        "coalesce(sum(missed), 0)::int, coalesce(sum(abnormal), 0)::int, "
        "CASE WHEN sum(points) > 0 THEN round(sum(checked)::numeric / sum(points), 4) END "
        "FROM patrol_completion WHERE estate_id = %s AND month = %s",
        [estate_id, month],
    ).fetchone()
    assert row is not None  # an aggregate always answers one row
    tasks, points, checked, late, missed, abnormal, rate = row
    return {
        "month": month,
        "tasks": tasks,
        "points": points,
        "checked": checked,
        "late": late,
        "missed": missed,
        "abnormal": abnormal,
        "completion_rate": rate,
    }
