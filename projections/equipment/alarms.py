"""Alarms (projection ``alarms``): open, acknowledged, escalated and cleared,
with the moment each escalates next (the escalation job's candidates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.equipment.alarm import escalation_due_at
from domain.equipment.severity import spec_of
from projections.events import as_uuid, kind_of, occurred_at


class AlarmRow(TypedDict):
    """A row of ``equipment_alarms``, as the queries return it (its ``COLUMNS``)."""

    alarm_id: UUID
    estate_id: UUID
    equipment_id: UUID
    code: str
    severity: str
    message: str
    status: str
    level: int
    condition_active: bool
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: UUID | None
    escalated_at: datetime | None
    next_escalation_at: datetime | None
    returned_to_normal_at: datetime | None
    cleared_at: datetime | None
    cleared_by: UUID | None
    work_order_id: UUID | None
    updated_at: datetime


COLUMNS = (
    "alarm_id",
    "estate_id",
    "equipment_id",
    "code",
    "severity",
    "message",
    "status",
    "level",
    "condition_active",
    "raised_at",
    "acknowledged_at",
    "acknowledged_by",
    "escalated_at",
    "next_escalation_at",
    "returned_to_normal_at",
    "cleared_at",
    "cleared_by",
    "work_order_id",
    "updated_at",
)


class AlarmBoard:
    name = "alarms"
    aggregates = frozenset({"Alarm"})
    tables = ("equipment_alarms",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS equipment_alarms (
            alarm_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            equipment_id uuid NOT NULL,
            code text NOT NULL,
            severity text NOT NULL,
            severity_rank smallint NOT NULL,
            message text NOT NULL,
            status text NOT NULL,
            level smallint NOT NULL DEFAULT 0,
            condition_active boolean NOT NULL DEFAULT true,
            raised_at timestamptz NOT NULL,
            acknowledged_at timestamptz,
            acknowledged_by uuid,
            escalated_at timestamptz,
            next_escalation_at timestamptz,
            returned_to_normal_at timestamptz,
            cleared_at timestamptz,
            cleared_by uuid,
            work_order_id uuid,
            updated_at timestamptz NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS equipment_alarms_estate "
        "ON equipment_alarms (estate_id, status, raised_at)",
        # A page of an estate's alarms, newest first, read in order (projections/reach.py: page).
        "CREATE INDEX IF NOT EXISTS equipment_alarms_estate_raised "
        "ON equipment_alarms (estate_id, raised_at, alarm_id)",
        "CREATE INDEX IF NOT EXISTS equipment_alarms_equipment "
        "ON equipment_alarms (equipment_id, raised_at)",
        "CREATE INDEX IF NOT EXISTS equipment_alarms_due ON equipment_alarms "
        "(next_escalation_at) WHERE status IN ('raised', 'escalated')",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "Alarm":
            return
        aid = as_uuid(note.originator_id)
        at = occurred_at(event)
        if name == "Raised":
            cur.execute(
                "INSERT INTO equipment_alarms (alarm_id, estate_id, equipment_id, code, severity, "
                "severity_rank, message, status, raised_at, next_escalation_at, updated_at) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,'raised',%s,%s,%s)",
                [
                    aid,
                    event.estate_id,
                    event.equipment_id,
                    event.code,
                    event.severity,
                    spec_of(event.severity).rank,
                    event.message,
                    event.at,
                    escalation_due_at(event.severity, event.at, 0),
                    at,
                ],
            )
            return
        sets: dict[str, Any]
        if name == "Acknowledged":
            sets = {
                "status": "acknowledged",
                "acknowledged_at": event.at,
                "acknowledged_by": event.by,
                "next_escalation_at": None,
            }
        elif name == "Escalated":
            cur.execute(
                "SELECT severity, raised_at FROM equipment_alarms WHERE alarm_id = %s", [aid]
            )
            row = cur.fetchone()
            assert row is not None
            sets = {
                "status": "escalated",
                "level": event.level,
                "escalated_at": event.at,
                "next_escalation_at": escalation_due_at(row[0], row[1], event.level),
            }
        elif name == "ReturnedToNormal":
            sets = {"condition_active": False, "returned_to_normal_at": event.at}
        elif name == "Cleared":
            sets = {
                "status": "cleared",
                "cleared_at": event.at,
                "cleared_by": event.by,
                "next_escalation_at": None,
            }
        elif name == "WorkOrderOpened":
            sets = {"work_order_id": event.order_id}
        else:
            return
        assignments = ", ".join(f"{column} = %s" for column in sets)
        cur.execute(
            f"UPDATE equipment_alarms SET {assignments}, updated_at = %s WHERE alarm_id = %s",
            [*sets.values(), at, aid],
        )
