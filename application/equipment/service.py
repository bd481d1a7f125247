"""Equipment, alarm and telemetry handlers: load, authorize, decide, save.

One handler per command (``application/equipment/commands.py``). Each loads
the equipment or alarm, authorizes the command's actor against its estate
(a record of another estate is reported missing, exactly as a missing one),
calls one domain method and saves.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application import errors
from application.actor import HIDDEN, Actor
from application.equipment.commands import (
    ChangeDetails,
    ChangeStatus,
    HandleAlarm,
    IngestReadings,
    OpenAlarmWorkOrder,
    RegisterEquipment,
)
from application.equipment.jobs import EquipmentJobs
from application.equipment.ports import DueEquipmentWork, NoDueEquipmentWork, ReadingStore
from application.equipment.telemetry import IngestResult, TelemetryIngest
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.equipment.alarm import Alarm
from domain.equipment.equipment import Equipment
from domain.errors import ValidationFailed
from domain.registry.places import Building
from domain.workorders.order import WorkOrder


class NotFound(errors.NotFound):
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
        due: DueEquipmentWork | None = None,
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
            due=due or NoDueEquipmentWork(),
        )

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return self.jobs.scheduled()

    # ---- loading, with the actor's right to act on it -----------------------

    def get(self, equipment_id: UUID) -> Equipment:
        return load(self.deps.event_log, equipment_id, Equipment, NotFound(HIDDEN))

    def get_alarm(self, alarm_id: UUID) -> Alarm:
        return load(self.deps.event_log, alarm_id, Alarm, NotFound(HIDDEN))

    def _equipment_for(self, actor: Actor, action: str, equipment_id: UUID) -> Equipment:
        equipment = self.get(equipment_id)
        if not actor.may(action, None, equipment.estate_id):
            raise NotFound(HIDDEN)
        return equipment

    def _alarm_for(self, actor: Actor, alarm_id: UUID) -> Alarm:
        alarm = self.get_alarm(alarm_id)
        if not actor.may("alarms:handle", None, alarm.estate_id):
            raise NotFound(HIDDEN)
        return alarm

    # ---- equipment ----------------------------------------------------------

    def register(self, cmd: RegisterEquipment) -> tuple[UUID, int]:
        """Register a piece of equipment on an estate the actor manages."""
        cmd.actor.check("equipment:manage", None, cmd.estate_id)
        self._check_building(cmd.building_id, cmd.estate_id)
        self._check_place(cmd.estate_id, cmd.unit_id)
        Equipment.check_dates(cmd.installed_on, cmd.warranty_until)
        equipment = Equipment(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            kind=cmd.kind,
            name=cmd.name,
            model=cmd.model,
            serial_number=cmd.serial_number,
            location=cmd.location,
            building_id=cmd.building_id,
            unit_id=cmd.unit_id,
            installed_on=cmd.installed_on,
            vendor=cmd.vendor,
            warranty_until=cmd.warranty_until,
            at=self.deps.clock(),
        )
        return equipment.id, self.deps.event_log.save_and_position(equipment)

    def change_details(self, cmd: ChangeDetails) -> int:
        """Correct the specification: model, location, vendor, dates..."""
        changes = cmd.changes
        if not changes:
            raise ValidationFailed("name at least one field to change")
        if "name" in changes and changes["name"] is None:
            raise ValidationFailed("name cannot be removed")
        equipment = self._equipment_for(cmd.actor, "equipment:manage", cmd.equipment_id)
        if changes.get("building_id"):
            self._check_building(changes["building_id"], equipment.estate_id)
        if changes.get("unit_id"):
            self._check_place(equipment.estate_id, changes["unit_id"])
        equipment.change_details(changes, at=self.deps.clock())
        return self.deps.event_log.save_and_position(equipment)

    def change_status(self, cmd: ChangeStatus) -> int:
        """Take equipment out of service, back in, or decommission it (final)."""
        equipment = self._equipment_for(cmd.actor, "equipment:manage", cmd.equipment_id)
        equipment.change_status(cmd.status, cmd.reason, at=self.deps.clock())
        return self.deps.event_log.save_and_position(equipment)

    def _check_building(self, building_id: UUID | None, estate_id: UUID) -> None:
        """A building named on equipment must be of the equipment's estate (R7.4).

        Read from the log, as estates and units are, so a building registered a
        moment ago already counts."""
        if building_id is None:
            return
        building = find(self.deps.event_log, building_id, Building)
        if building is None or building.estate_id != estate_id:
            raise ValidationFailed("building_id: no such building on this estate")

    def _check_place(self, estate_id: UUID, unit_id: UUID | None) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ValidationFailed("estate_id: no such estate")
        if unit_id is not None and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id:
            raise ValidationFailed("unit_id: no such unit on this estate")

    # ---- telemetry ----------------------------------------------------------

    def ingest(self, cmd: IngestReadings) -> IngestResult:
        """Readings of equipment the actor may not feed are rejected one by one."""
        actor = cmd.actor
        return self.telemetry.ingest(
            cmd.readings, lambda estate_id: actor.may("telemetry:ingest", None, estate_id)
        )

    # ---- alarms -------------------------------------------------------------

    def acknowledge(self, cmd: HandleAlarm) -> int:
        """Someone has seen the alarm: escalation stops; if the condition has
        already returned to normal, the alarm is cleared too."""
        alarm = self._alarm_for(cmd.actor, cmd.alarm_id)
        alarm.acknowledge(cmd.actor.user_id, at=self.deps.clock())
        return self.deps.event_log.save_and_position(alarm)

    def clear(self, cmd: HandleAlarm) -> int:
        """Clear an alarm whose condition has returned to normal (409 while it is active)."""
        alarm = self._alarm_for(cmd.actor, cmd.alarm_id)
        alarm.clear(cmd.actor.user_id, at=self.deps.clock())
        return self.deps.event_log.save_and_position(alarm)

    def open_work_order(self, cmd: OpenAlarmWorkOrder) -> tuple[UUID, int]:
        """Open a repair order for the alarm's equipment; both are saved together."""
        alarm = self._alarm_for(cmd.actor, cmd.alarm_id)
        equipment = self.get(alarm.equipment_id)
        now = self.deps.clock()
        order = WorkOrder(
            id=self.deps.ids(),
            estate_id=alarm.estate_id,
            title=cmd.title or f"{equipment.name}: {alarm.code.replace('_', ' ')}",
            description=cmd.description or f"[{alarm.severity}] {alarm.message}",
            source="alarm",
            source_ref=str(alarm.id),
            requested_by=cmd.actor.user_id,
            at=now,
            unit_id=equipment.unit_id,
            equipment_id=equipment.id,
        )
        alarm.open_work_order(order.id, at=now)
        return order.id, self.deps.event_log.save_and_position(alarm, order)
