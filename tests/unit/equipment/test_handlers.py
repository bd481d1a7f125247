"""The equipment handlers on the in-memory log: staff act on the equipment and
alarms of the estates they serve; another estate's record is missing (404)
and nothing is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.equipment import commands as c
from application.equipment.service import EquipmentService
from application.errors import NotFound
from domain.equipment.alarm import AlarmStatus
from domain.equipment.rules import Metric, Reading
from domain.errors import InvalidTransition, ValidationFailed
from domain.workorders.order import WorkOrder
from tests.unit.workorders.given import World, world


class Readings:
    """The plain reading tables, in memory: only what a handler's decision reads."""

    def __init__(self) -> None:
        self.kept: set[tuple[UUID, str, datetime]] = set()

    def latest_times(self, equipment_ids: Sequence[UUID]) -> dict[tuple[UUID, str], datetime]:
        latest: dict[tuple[UUID, str], datetime] = {}
        for equipment_id, metric, at in self.kept:
            key = (equipment_id, metric)
            latest[key] = max(at, latest.get(key, at))
        return latest

    def store(self, readings: Sequence[Reading]) -> int:
        before = len(self.kept)
        self.kept |= {(r.equipment_id, str(r.metric), r.at) for r in readings}
        return len(self.kept) - before

    def finished_hours(self, before: datetime, limit: int = 0) -> list[Any]:
        return []

    def mark_summarised(self, keys: Sequence[tuple[UUID, str, datetime]]) -> None:
        return None

    def prune(self, older_than: datetime) -> int:
        return 0

    def silent_since(self, before: datetime, limit: int = 0) -> list[UUID]:
        return []


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
def svc(w: World) -> EquipmentService:
    return EquipmentService(w.svc.deps, Readings())


def pump(svc: EquipmentService, w: World) -> UUID:
    equipment_id, _ = svc.register(
        c.RegisterEquipment(w.manager_a, w.estate_a, "pump", "Booster pump 1")
    )
    return equipment_id


def raised(svc: EquipmentService, w: World) -> UUID:
    """An over-pressure alarm on estate A's pump."""
    equipment_id = pump(svc, w)
    at = svc.deps.clock() - timedelta(minutes=1)
    reading = Reading(equipment_id, at, Metric.WATER_PRESSURE, value=Decimal("1.5"))
    result = svc.ingest(c.IngestReadings(w.manager_a, [reading]))
    (alarm_id,) = result.alarms_raised
    return alarm_id


def test_a_manager_registers_equipment_on_their_estate(svc: EquipmentService, w: World) -> None:
    equipment = svc.get(pump(svc, w))
    assert (equipment.estate_id, equipment.name) == (w.estate_a, "Booster pump 1")


def test_another_estates_manager_may_not_register_there(svc: EquipmentService, w: World) -> None:
    with pytest.raises(NotFound):
        svc.register(c.RegisterEquipment(w.manager_b, w.estate_a, "pump", "Sneaky pump"))


def test_a_building_of_another_estate_is_refused(svc: EquipmentService, w: World) -> None:
    with pytest.raises(ValidationFailed, match="building_id"):
        svc.register(
            c.RegisterEquipment(w.manager_a, w.estate_a, "pump", "Pump", building_id=uuid4())
        )


def test_another_estates_equipment_is_missing_to_a_manager(svc: EquipmentService, w: World) -> None:
    equipment_id = pump(svc, w)
    before = len(w.log.domain_events())
    with pytest.raises(NotFound):
        svc.change_status(c.ChangeStatus(w.manager_b, equipment_id, "out_of_service", "mine"))
    with pytest.raises(NotFound):
        svc.change_details(c.ChangeDetails(w.manager_b, equipment_id, {"model": "X"}))
    assert len(w.log.domain_events()) == before


def test_a_change_names_a_field_and_keeps_the_name(svc: EquipmentService, w: World) -> None:
    equipment_id = pump(svc, w)
    with pytest.raises(ValidationFailed, match="at least one field"):
        svc.change_details(c.ChangeDetails(w.manager_a, equipment_id, {}))
    with pytest.raises(ValidationFailed, match="cannot be removed"):
        svc.change_details(c.ChangeDetails(w.manager_a, equipment_id, {"name": None}))
    svc.change_details(c.ChangeDetails(w.manager_a, equipment_id, {"model": "Grundfos CR"}))
    assert svc.get(equipment_id).model == "Grundfos CR"


def test_readings_of_another_estates_equipment_are_rejected_one_by_one(
    svc: EquipmentService, w: World
) -> None:
    equipment_id = pump(svc, w)
    at = svc.deps.clock() - timedelta(minutes=1)
    reading = Reading(equipment_id, at, Metric.WATER_PRESSURE, value=Decimal("1.5"))
    result = svc.ingest(c.IngestReadings(w.manager_b, [reading]))
    assert [r["reason"] for r in result.rejected] == ["no such equipment"]
    assert result.alarms_raised == []


def test_a_technician_of_the_estate_acknowledges_an_alarm(svc: EquipmentService, w: World) -> None:
    alarm_id = raised(svc, w)
    svc.acknowledge(c.HandleAlarm(w.tech_1, alarm_id))
    alarm = svc.get_alarm(alarm_id)
    assert (alarm.status, alarm.acknowledged_by) == (AlarmStatus.ACKNOWLEDGED, w.tech_1.user_id)


def test_another_estates_staff_find_no_alarm(svc: EquipmentService, w: World) -> None:
    alarm_id = raised(svc, w)
    with pytest.raises(NotFound):
        svc.acknowledge(c.HandleAlarm(w.manager_b, alarm_id))
    with pytest.raises(NotFound):
        svc.open_work_order(c.OpenAlarmWorkOrder(w.resident_a, alarm_id))


def test_an_active_alarm_is_not_cleared_by_a_click(svc: EquipmentService, w: World) -> None:
    alarm_id = raised(svc, w)
    with pytest.raises(InvalidTransition):
        svc.clear(c.HandleAlarm(w.manager_a, alarm_id))


def test_an_alarm_opens_one_repair_order_for_its_equipment(svc: EquipmentService, w: World) -> None:
    alarm_id = raised(svc, w)
    order_id, _ = svc.open_work_order(c.OpenAlarmWorkOrder(w.manager_a, alarm_id))
    order = w.log.repository.get(order_id)
    assert isinstance(order, WorkOrder)
    assert (order.source, order.source_ref, order.requested_by) == (
        "alarm",
        str(alarm_id),
        w.manager_a.user_id,
    )
    assert order.description.startswith("[major]")
    with pytest.raises(InvalidTransition):
        svc.open_work_order(c.OpenAlarmWorkOrder(w.manager_a, alarm_id))


def test_a_missing_alarm_is_not_found(svc: EquipmentService, w: World) -> None:
    with pytest.raises(NotFound):
        svc.clear(c.HandleAlarm(w.admin, uuid4()))
