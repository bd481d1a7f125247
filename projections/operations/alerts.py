"""The administrators' alerts (projection ``admin_alerts``): each alert and
who acknowledged it; with the inbox rows the delivery job writes
(``alert_inbox``, ``infrastructure/tasks.py``), an administrator's inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of


class AlertRow(TypedDict):
    """An alert of an administrator's inbox."""

    alert_id: UUID
    kind: str
    severity: str
    message: str
    subject_id: UUID | None
    raised_position: int
    delivered_at: datetime
    acknowledged_by: UUID | None
    acknowledged_at: datetime | None


# The inbox row's own columns (i), and the alert's handling from the read model (a).
_SELECT = (
    "SELECT i.alert_id, i.kind, i.severity, i.message, a.subject_id, i.raised_position, "
    "i.delivered_at, a.acknowledged_by, a.acknowledged_at FROM alert_inbox i "
    "LEFT JOIN admin_alerts a ON a.alert_id = i.alert_id"
)
COLUMNS = tuple(AlertRow.__annotations__)


class AdminAlerts:
    name = "admin_alerts"
    aggregates = frozenset({"AdminAlert"})
    tables = ("admin_alerts",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS admin_alerts (
            alert_id uuid PRIMARY KEY,
            kind text NOT NULL,
            severity text NOT NULL,
            subject_id uuid,
            raised_at timestamptz NOT NULL,
            acknowledged_by uuid,
            acknowledged_at timestamptz
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "AdminAlert":
            return
        aid = as_uuid(note.originator_id)
        if name == "Raised":
            cur.execute(
                "INSERT INTO admin_alerts (alert_id, kind, severity, subject_id, raised_at) "
                "VALUES (%s,%s,%s,%s,%s)",
                [aid, event.kind, str(event.severity), event.subject_id, event.at],
            )
        elif name == "Acknowledged":
            cur.execute(
                "UPDATE admin_alerts SET acknowledged_by = %s, acknowledged_at = %s "
                "WHERE alert_id = %s",
                [event.by, event.at, aid],
            )


def inbox(
    conn: psycopg.Connection[Any],
    recipient_id: UUID,
    *,
    acknowledged: bool | None,
    before: int | None,
    limit: int,
) -> list[AlertRow]:
    """The recipient's alerts, newest first; ``acknowledged`` filters by their
    handling; ``before`` (the position an alert was raised at) continues a page."""
    where: list[str] = ["i.recipient_id = %s"]
    params: list[Any] = [recipient_id]
    if acknowledged is not None:
        where.append(f"a.acknowledged_at IS {'NOT ' if acknowledged else ''}NULL")
    if before is not None:
        where.append("i.raised_position < %s")
        params.append(before)
    rows = conn.execute(
        f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY i.raised_position DESC LIMIT %s",  # type: ignore[arg-type]
        [*params, limit],
    ).fetchall()
    return cast(list[AlertRow], [dict(zip(COLUMNS, row, strict=True)) for row in rows])
