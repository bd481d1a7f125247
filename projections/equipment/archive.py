"""The facility archive (projection ``facility_archive``, R4.5): per equipment,
every specification change, state change, alarm, repair, maintenance and
energy record, in the order they happened in the log.

Alarm and work-order events after the first name only their own aggregate,
so the first one (``Raised``, or ``Submitted`` with an ``equipment_id``) is
remembered in a lookup table of this projection's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of, occurred_at, payload_of, to_json


class ArchiveEntry(TypedDict):
    """An entry of one equipment's archive (``COLUMNS`` but the equipment's ID)."""

    position: int
    at: datetime
    category: str
    event_type: str
    summary: str
    ref_id: UUID | None
    details: dict[str, Any]


COLUMNS = (
    "position",
    "equipment_id",
    "at",
    "category",
    "event_type",
    "summary",
    "ref_id",
    "details",
)

ORDER_SUMMARIES = {
    "Submitted": "work order submitted: {title}",
    "Triaged": "work order triaged ({priority})",
    "Assigned": "work order assigned",
    "Accepted": "work order accepted",
    "Started": "work started on site",
    "PutOnHold": "work put on hold: {reason}",
    "Resumed": "work resumed",
    "Completed": "work completed: {work_done}",
    "Rated": "work rated {rating}/5",
    "Closed": "work order closed",
    "Rejected": "work order rejected: {reason}",
    "Cancelled": "work order cancelled: {reason}",
    "Reopened": "work order reopened: {reason}",
    "SlaBreached": "SLA breached ({kind})",
}

ALARM_SUMMARIES = {
    "Raised": "alarm {code} raised ({severity}): {message}",
    "Acknowledged": "alarm acknowledged",
    "Escalated": "alarm escalated to level {level}",
    "ReturnedToNormal": "alarm condition returned to normal",
    "Cleared": "alarm cleared",
    "WorkOrderOpened": "work order opened from the alarm",
}

EQUIPMENT_SUMMARIES = {
    "Registered": ("specification", "registered: {kind} {name}"),
    "DetailsChanged": ("specification", "details changed"),
    "StatusChanged": ("specification", "status changed to {status}: {reason}"),
    "StateChanged": ("state", "state {previous} -> {state}"),
    "RecordWentStale": ("reminder", "no service recorded for {days} days"),
}


def _summary(template: str, payload: dict[str, Any]) -> str:
    try:
        return template.format(**payload)[:500]
    except (KeyError, IndexError, ValueError):
        return template.split(":")[0]


class FacilityArchive:
    name = "facility_archive"
    aggregates = frozenset({"Equipment", "Alarm", "WorkOrder"})
    tables = ("equipment_archive", "equipment_archive_refs")
    ddl = (
        """CREATE TABLE IF NOT EXISTS equipment_archive (
            position bigint NOT NULL,
            equipment_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            at timestamptz NOT NULL,
            category text NOT NULL,
            event_type text NOT NULL,
            summary text NOT NULL,
            ref_id uuid,
            details jsonb NOT NULL,
            PRIMARY KEY (equipment_id, position)
        )""",
        "CREATE INDEX IF NOT EXISTS equipment_archive_category "
        "ON equipment_archive (equipment_id, category, position)",
        """CREATE TABLE IF NOT EXISTS equipment_archive_refs (
            ref_id uuid PRIMARY KEY,
            equipment_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            category text NOT NULL
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "Equipment":
            self._equipment(cur, name, event, note)
        elif aggregate == "Alarm":
            self._referred(cur, name, event, note, ALARM_SUMMARIES, "alarm")
        elif aggregate == "WorkOrder":
            self._referred(cur, name, event, note, ORDER_SUMMARIES, None)

    def _equipment(
        self, cur: psycopg.Cursor[Any], name: str, event: Any, note: Notification
    ) -> None:
        payload = payload_of(event)
        eid = as_uuid(note.originator_id)
        if name == "Registered":
            cur.execute(
                "INSERT INTO equipment_archive_refs VALUES (%s,%s,%s,'equipment') "
                "ON CONFLICT DO NOTHING",
                [eid, eid, event.estate_id],
            )
        if name == "ReadingsSummarised":
            category = "energy" if event.metric == "energy" else "telemetry"
            summary = (
                f"{event.metric} {event.hour:%Y-%m-%d %H}:00: n={event.count} "
                f"min={event.minimum} max={event.maximum} avg={event.average}"
            )
            if event.metric == "energy":
                summary = f"energy {event.hour:%Y-%m-%d %H}:00: {event.total} kWh"
        elif name in EQUIPMENT_SUMMARIES:
            category, template = EQUIPMENT_SUMMARIES[name]
            summary = _summary(template, payload)
        else:
            return  # ConditionBegan/Ended: the alarm's own events tell that story
        estate = self._estate_of(cur, eid)
        if estate is None:
            return
        self._insert(cur, note, event, eid, estate, category, name, summary, None, payload)

    def _referred(
        self,
        cur: psycopg.Cursor[Any],
        name: str,
        event: Any,
        note: Notification,
        summaries: dict[str, str],
        category: str | None,
    ) -> None:
        ref = as_uuid(note.originator_id)
        if name in ("Raised", "Submitted"):
            equipment_id = getattr(event, "equipment_id", None)
            if equipment_id is None:
                return
            if category is None:  # a work order: repair, or maintenance from a plan
                category = "maintenance" if str(event.source) == "plan" else "repair"
            cur.execute(
                "INSERT INTO equipment_archive_refs VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                [ref, equipment_id, event.estate_id, category],
            )
        cur.execute(
            "SELECT equipment_id, estate_id, category FROM equipment_archive_refs "
            "WHERE ref_id = %s",
            [ref],
        )
        row = cur.fetchone()
        if row is None:
            return  # an order for no equipment
        payload = payload_of(event)
        summary = _summary(summaries.get(name, name), payload)
        self._insert(cur, note, event, row[0], row[1], row[2], name, summary, ref, payload)

    @staticmethod
    def _estate_of(cur: psycopg.Cursor[Any], equipment_id: UUID) -> UUID | None:
        cur.execute(
            "SELECT estate_id FROM equipment_archive_refs WHERE ref_id = %s", [equipment_id]
        )
        row = cur.fetchone()
        return row[0] if row else None

    @staticmethod
    def _insert(
        cur: psycopg.Cursor[Any],
        note: Notification,
        event: Any,
        equipment_id: UUID,
        estate_id: UUID,
        category: str,
        name: str,
        summary: str,
        ref_id: UUID | None,
        payload: dict[str, Any],
    ) -> None:
        at = payload.get("at") or occurred_at(event)
        cur.execute(
            "INSERT INTO equipment_archive (position, equipment_id, estate_id, at, category, "
            "event_type, summary, ref_id, details) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb)",
            [
                note.id,
                equipment_id,
                estate_id,
                at,
                category,
                name,
                summary,
                ref_id,
                to_json(payload),
            ],
        )
