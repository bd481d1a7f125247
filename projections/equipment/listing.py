"""The equipment list (projection ``equipment``): search by kind, estate, age
and repair history; the status board's state and conditions; the last service
for stale-record reminders.

Repairs and maintenance are work orders that name the equipment (contract 2):
``Submitted`` with an ``equipment_id`` is remembered in
``equipment_list_orders``; its first ``Completed`` counts as a repair, or as
maintenance when the order came from a plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of, occurred_at


class EquipmentRow(TypedDict):
    """A row of ``equipment_list``, as the queries return it (its ``COLUMNS``)."""

    equipment_id: UUID
    estate_id: UUID
    kind: str
    name: str
    model: str | None
    serial_number: str | None
    location: str | None
    building_id: UUID | None
    unit_id: UUID | None
    installed_on: date | None
    vendor: str | None
    warranty_until: date | None
    status: str
    state: str | None
    state_at: datetime | None
    active_conditions: list[str]
    repair_count: int
    maintenance_count: int
    last_repaired_at: datetime | None
    last_serviced_at: datetime | None
    stale_reminded_at: datetime | None
    registered_at: datetime
    updated_at: datetime
    version: int


COLUMNS = (
    "equipment_id",
    "estate_id",
    "kind",
    "name",
    "model",
    "serial_number",
    "location",
    "building_id",
    "unit_id",
    "installed_on",
    "vendor",
    "warranty_until",
    "status",
    "state",
    "state_at",
    "active_conditions",
    "repair_count",
    "maintenance_count",
    "last_repaired_at",
    "last_serviced_at",
    "stale_reminded_at",
    "registered_at",
    "updated_at",
    "version",
)

DETAIL_COLUMNS = frozenset(
    {
        "name",
        "model",
        "serial_number",
        "location",
        "building_id",
        "unit_id",
        "installed_on",
        "vendor",
        "warranty_until",
    }
)


class EquipmentList:
    name = "equipment"
    aggregates = frozenset({"Equipment", "WorkOrder"})
    tables = ("equipment_list", "equipment_list_orders")
    ddl = (
        """CREATE TABLE IF NOT EXISTS equipment_list (
            equipment_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            kind text NOT NULL,
            name text NOT NULL,
            model text,
            serial_number text,
            location text,
            building_id uuid,
            unit_id uuid,
            installed_on date,
            vendor text,
            warranty_until date,
            status text NOT NULL,
            state text,
            state_at timestamptz,
            active_conditions text[] NOT NULL DEFAULT '{}',
            repair_count integer NOT NULL DEFAULT 0,
            maintenance_count integer NOT NULL DEFAULT 0,
            last_repaired_at timestamptz,
            last_serviced_at timestamptz,
            stale_reminded_at timestamptz,
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            version bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS equipment_list_estate ON equipment_list (estate_id, kind)",
        # A page of an estate's equipment by name, read in order (projections/reach.py: page).
        "CREATE INDEX IF NOT EXISTS equipment_list_estate_name "
        "ON equipment_list (estate_id, name, equipment_id)",
        """CREATE TABLE IF NOT EXISTS equipment_list_orders (
            order_id uuid PRIMARY KEY,
            equipment_id uuid NOT NULL,
            source text NOT NULL,
            completed boolean NOT NULL DEFAULT false
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "Equipment":
            self._equipment(cur, name, event, note)
        elif aggregate == "WorkOrder":
            self._order(cur, name, event, note)

    def _equipment(
        self, cur: psycopg.Cursor[Any], name: str, event: Any, note: Notification
    ) -> None:
        eid = as_uuid(note.originator_id)
        at = occurred_at(event)
        if name == "Registered":
            cur.execute(
                "INSERT INTO equipment_list (equipment_id, estate_id, kind, name, model, "
                "serial_number, location, building_id, unit_id, installed_on, vendor, "
                "warranty_until, status, registered_at, updated_at, version) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'in_service',%s,%s,%s)",
                [
                    eid,
                    event.estate_id,
                    event.kind,
                    event.name,
                    event.model,
                    event.serial_number,
                    event.location,
                    event.building_id,
                    event.unit_id,
                    event.installed_on,
                    event.vendor,
                    event.warranty_until,
                    at,
                    at,
                    note.originator_version,
                ],
            )
            return
        sets: dict[str, Any] = {}
        extra = ""
        params: list[Any] = []
        if name == "DetailsChanged":
            sets = {k: v for k, v in event.changes.items() if k in DETAIL_COLUMNS}
        elif name == "StatusChanged":
            sets = {"status": event.status}
        elif name == "StateChanged":
            sets = {"state": event.state, "state_at": event.at}
        elif name == "ConditionBegan":
            extra = ", active_conditions = array_append(array_remove(active_conditions, %s), %s)"
            params = [event.code, event.code]
        elif name == "ConditionEnded":
            extra = ", active_conditions = array_remove(active_conditions, %s)"
            params = [event.code]
        elif name == "RecordWentStale":
            sets = {"stale_reminded_at": event.at}
        assignments = "".join(f", {column} = %s" for column in sets)
        cur.execute(
            f"UPDATE equipment_list SET updated_at = %s, version = %s{assignments}{extra} "
            "WHERE equipment_id = %s",
            [at, note.originator_version, *sets.values(), *params, eid],
        )

    def _order(self, cur: psycopg.Cursor[Any], name: str, event: Any, note: Notification) -> None:
        oid = as_uuid(note.originator_id)
        if name == "Submitted":
            if getattr(event, "equipment_id", None) is not None:
                cur.execute(
                    "INSERT INTO equipment_list_orders (order_id, equipment_id, source) "
                    "VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                    [oid, event.equipment_id, str(event.source)],
                )
            return
        if name != "Completed":
            return
        cur.execute(
            "UPDATE equipment_list_orders SET completed = true "
            "WHERE order_id = %s AND NOT completed RETURNING equipment_id, source",
            [oid],
        )
        row = cur.fetchone()
        if row is None:
            return  # not an order of any equipment, or a completion counted before
        equipment_id, source = row
        at = getattr(event, "at", None) or occurred_at(event)
        if source == "plan":
            cur.execute(
                "UPDATE equipment_list SET maintenance_count = maintenance_count + 1, "
                "last_serviced_at = greatest(last_serviced_at, %s) WHERE equipment_id = %s",
                [at, equipment_id],
            )
        else:
            cur.execute(
                "UPDATE equipment_list SET repair_count = repair_count + 1, "
                "last_repaired_at = greatest(last_repaired_at, %s), "
                "last_serviced_at = greatest(last_serviced_at, %s) WHERE equipment_id = %s",
                [at, at, equipment_id],
            )
