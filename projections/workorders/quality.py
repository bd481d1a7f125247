"""What the estate's data-quality report (R7.5) and dashboard read of the work
orders read model (its orders and maintenance plans)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from projections.failing import RecordCheck
from projections.workorders.queries import OPEN

# The plans are this read model's; the equipment they cover, the equipment
# read model's (a check of the two together lives with the plans).
EQUIPMENT_WITHOUT_PLAN = RecordCheck(
    name="equipment_without_plan",
    tables=("equipment_list", "workorders_plans"),
    source="equipment_list e",
    # Two anti-joins, each on equality (a plan of the equipment, a plan of its
    # kind in its estate), so each can be hashed rather than looped over.
    where=(
        "e.estate_id = %(estate_id)s AND e.status <> 'decommissioned' AND NOT EXISTS ("
        "SELECT 1 FROM workorders_plans p WHERE p.status = 'active' "
        "AND p.equipment_id = e.equipment_id) AND NOT EXISTS ("
        "SELECT 1 FROM workorders_plans k WHERE k.status = 'active' AND k.equipment_id IS NULL "
        "AND k.estate_id = e.estate_id AND k.equipment_kind = lower(e.kind))"
    ),
    id="e.equipment_id",
    label="e.name",
    detail="'no active maintenance plan covers ' || e.kind",
    keys=(("e.name", "text"), ("e.equipment_id", "uuid")),
)


class OrderFigures(TypedDict):
    open: int  # not closed nor cancelled
    overdue: int  # open, and past the time it was to be resolved by (or breached)


class RatingFigures(TypedDict):
    rated: int  # orders submitted since the year began that their requester rated
    mean_rating: Decimal | None  # their mean rating (1-5), 2 places


def order_figures(conn: psycopg.Connection[Any], estate_id: UUID, now: datetime) -> OrderFigures:
    """The estate's open work orders, and those overdue at ``now``."""
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE resolve_breached OR resolve_by < %s) "
        "FROM workorders WHERE estate_id = %s AND status = ANY(%s)",
        [now, estate_id, list(OPEN)],
    ).fetchone()
    assert row is not None
    return {"open": int(row[0]), "overdue": int(row[1])}


def rating_figures(
    conn: psycopg.Connection[Any], estate_id: UUID, since: datetime
) -> RatingFigures:
    """The ratings of the estate's orders submitted since ``since``."""
    row = conn.execute(
        "SELECT count(rating), round(avg(rating), 2) FROM workorders "
        "WHERE estate_id = %s AND submitted_at >= %s",
        [estate_id, since],
    ).fetchone()
    assert row is not None
    return {"rated": int(row[0]), "mean_rating": row[1]}
