"""Equipment, alarm and telemetry commands over the event log.

One small handler per command: load, call one domain method, save. The HTTP
layer says which estates the caller may act in (``visible``); a record of
another estate is reported missing, exactly as a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from application.equipment.jobs import EquipmentJobs
from application.equipment.ports import ReadingStore
from application.equipment.telemetry import IngestResult, TelemetryIngest
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, load
from domain.equipment.alarm import Alarm
from domain.equipment.equipment import Equipment
from domain.equipment.rules import Reading
from domain.errors import ValidationFailed
from domain.workorders.order import WorkOrder

Visible = Callable[[UUID], bool]


def everywhere(_: UUID) -> bool:
    return True


class NotFound(Exception):
    """No such equipment or alarm, or not one the caller may see."""


class EquipmentService:
    """Equipment registry, telemetry and the alarm lifecycle (R4.3, R4.5)."""

    def __init__(
        self,
        deps: ServiceDeps,
        readings: ReadingStore,
        stale_after_days: int = 180,
        reading_retention: timedelta = timedelta(days=7),
        silent_after: timedelta = timedelta(minutes=15),
    ) -> None:
        self.deps = deps
        self.readings = readings
        self.telemetry = TelemetryIngest(deps, self.readings)
        self.jobs = EquipmentJobs(
            deps,
            self.readings,
            stale_after_days,
            reading_retention,
            telemetry=self.telemetry,
            silent_after=silent_after,
        )

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return self.jobs.scheduled()

    # ---- loading ------------------------------------------------------------

    def get(self, equipment_id: UUID, visible: Visible = everywhere) -> Equipment:
        equipment = self._load(equipment_id, Equipment)
        if not visible(equipment.estate_id):
            raise NotFound(str(equipment_id))
        return equipment  # type: ignore[no-any-return]

    def get_alarm(self, alarm_id: UUID, visible: Visible = everywhere) -> Alarm:
        alarm = self._load(alarm_id, Alarm)
        if not visible(alarm.estate_id):
            raise NotFound(str(alarm_id))
        return alarm  # type: ignore[no-any-return]

    def _load(self, aggregate_id: UUID, kind: type) -> Any:
        return load(self.deps.event_log, aggregate_id, kind, NotFound(str(aggregate_id)))

    # ---- equipment ----------------------------------------------------------

    def register(
        self,
        *,
        estate_id: UUID,
        kind: str,
        name: str,
        model: str | None = None,
        serial_number: str | None = None,
        location: str | None = None,
        building_id: UUID | None = None,
        unit_id: UUID | None = None,
        installed_on: date | None = None,
        vendor: str | None = None,
        warranty_until: date | None = None,
    ) -> tuple[UUID, int]:
        self._check_place(estate_id, unit_id)
        Equipment.check_dates(installed_on, warranty_until)
        equipment = Equipment(
            estate_id=estate_id,
            kind=kind,
            name=name,
            model=model,
            serial_number=serial_number,
            location=location,
            building_id=building_id,
            unit_id=unit_id,
            installed_on=installed_on,
            vendor=vendor,
            warranty_until=warranty_until,
            at=self.deps.clock(),
        )
        return equipment.id, self.deps.event_log.save_and_position(equipment)

    def change_details(
        self, equipment_id: UUID, changes: dict[str, Any], visible: Visible = everywhere
    ) -> int:
        equipment = self.get(equipment_id, visible)
        if changes.get("unit_id"):
            self._check_place(equipment.estate_id, changes["unit_id"])
        equipment.change_details(changes, at=self.deps.clock())
        return self.deps.event_log.save_and_position(equipment)

    def change_status(
        self, equipment_id: UUID, status: str, reason: str, visible: Visible = everywhere
    ) -> int:
        equipment = self.get(equipment_id, visible)
        equipment.change_status(status, reason, at=self.deps.clock())
        return self.deps.event_log.save_and_position(equipment)

    def _check_place(self, estate_id: UUID, unit_id: UUID | None) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ValidationFailed("estate_id: no such estate")
        if unit_id is not None and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id:
            raise ValidationFailed("unit_id: no such unit on this estate")

    # ---- telemetry ----------------------------------------------------------

    def ingest(self, readings: list[Reading], visible: Visible = everywhere) -> IngestResult:
        return self.telemetry.ingest(readings, visible)

    # ---- alarms -------------------------------------------------------------

    def acknowledge(self, alarm_id: UUID, by: UUID, visible: Visible = everywhere) -> int:
        alarm = self.get_alarm(alarm_id, visible)
        alarm.acknowledge(by, at=self.deps.clock())
        return self.deps.event_log.save_and_position(alarm)

    def clear(self, alarm_id: UUID, by: UUID, visible: Visible = everywhere) -> int:
        alarm = self.get_alarm(alarm_id, visible)
        alarm.clear(by, at=self.deps.clock())
        return self.deps.event_log.save_and_position(alarm)

    def open_work_order(
        self,
        alarm_id: UUID,
        by: UUID,
        title: str | None = None,
        description: str | None = None,
        visible: Visible = everywhere,
    ) -> tuple[UUID, int]:
        """Open a repair order for the alarm's equipment; both are saved together."""
        alarm = self.get_alarm(alarm_id, visible)
        equipment = self.get(alarm.equipment_id)
        now = self.deps.clock()
        order = WorkOrder(
            estate_id=alarm.estate_id,
            title=title or f"{equipment.name}: {alarm.code.replace('_', ' ')}",
            description=description or f"[{alarm.severity}] {alarm.message}",
            source="alarm",
            source_ref=str(alarm.id),
            requested_by=by,
            at=now,
            unit_id=equipment.unit_id,
            equipment_id=equipment.id,
        )
        alarm.open_work_order(order.id, at=now)
        return order.id, self.deps.event_log.save_and_position(alarm, order)
