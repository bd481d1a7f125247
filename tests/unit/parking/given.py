"""A car park on the in-memory log: estate A with a unit and its assigned space,
estate B, and the staff of each, as actors (no database)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID, uuid4

from application.actor import Actor
from application.parking import commands as c
from application.parking.service import ParkingService
from domain.identity.policy import AUTHENTICATED_BASELINE, Role, effective_permissions
from domain.parking.tariff import Tariff
from domain.registry.places import Building, Estate, ParkingSpace
from domain.registry.unit import Unit
from tests.support.clock import Clock
from tests.support.memory import MemoryEventLog, memory_deps

TARIFF = Tariff.of(
    free_minutes=30,
    per_hour="5.00",
    daily_cap="40.00",
    night_per_hour="1.00",
    night_from="22:00",
    night_until="07:00",
)


def actor(role: Role, *estates: UUID) -> Actor:
    return Actor(
        user_id=uuid4(),
        username=str(role),
        role=str(role),
        permissions=effective_permissions({role}, set()) | AUTHENTICATED_BASELINE,
        session_id="unit",
        estates=frozenset(estates),
    )


@dataclass
class World:
    svc: ParkingService
    log: MemoryEventLog
    clock: Clock
    estate_a: UUID
    estate_b: UUID
    unit_a: UUID
    space_a: UUID
    car_park: UUID
    manager_a: Actor
    manager_b: Actor
    guard_a: Actor
    owner: Actor

    def gate(self, plate: str, direction: str, who: Actor | None = None) -> c.GateDecision:
        return self.svc.gate(
            c.GateEvent(who or self.guard_a, self.car_park, plate, "East 1", c.Direction(direction))
        )


def world() -> World:
    deps = memory_deps()
    clock = Clock()
    clock.set(2026, 3, 2, 1)  # 09:00 in Beijing
    deps = replace(deps, clock=clock)
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    estate_a = Estate.register("A", "Estate A", "1 A Road")
    estate_b = Estate.register("B", "Estate B", "2 B Road")
    building = Building.register(estate_a.id, "T1", "Tower 1", 10)
    unit = Unit.register(estate_a.id, building.id, "101", 1, "90", "80", "residential")
    space = ParkingSpace.register(estate_a.id, "B1-001")
    space.assign(unit.id, estate_a.id)
    log.save(estate_a, estate_b, building, unit, space)
    svc = ParkingService(deps)
    manager_a = actor(Role.PROPERTY_MANAGER, estate_a.id)
    car_park, _ = svc.open(c.OpenCarPark(manager_a, estate_a.id, 20, TARIFF))
    return World(
        svc=svc,
        log=log,
        clock=clock,
        estate_a=estate_a.id,
        estate_b=estate_b.id,
        unit_a=unit.id,
        space_a=space.id,
        car_park=car_park,
        manager_a=manager_a,
        manager_b=actor(Role.PROPERTY_MANAGER, estate_b.id),
        guard_a=actor(Role.GATE_GUARD, estate_a.id),
        owner=actor(Role.OWNER),
    )
