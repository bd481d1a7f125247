"""A small world for the workorders handlers: two estates, a unit, staff,
technicians and residents as actors, on the in-memory log (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from application.actor import Actor
from application.workorders.service import WorkOrderService
from domain.equipment.equipment import Equipment
from domain.identity.policy import AUTHENTICATED_BASELINE, Role, effective_permissions
from domain.identity.user import User
from domain.registry.places import Building, Estate
from domain.registry.unit import Unit
from tests.support.memory import MemoryEventLog, NoRegistry, memory_deps


def actor(user: User, *estates: UUID) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.primary_role,
        permissions=effective_permissions(user.roles, set()) | AUTHENTICATED_BASELINE,
        session_id="unit",
        estates=frozenset(estates),
    )


@dataclass
class World:
    svc: WorkOrderService
    log: MemoryEventLog
    registry: NoRegistry
    estate_a: UUID
    estate_b: UUID
    unit_a: UUID
    manager_a: Actor
    manager_b: Actor
    tech_1: Actor
    tech_2: Actor
    resident_a: Actor
    resident_b: Actor
    admin: Actor

    def equipment(self, estate_id: UUID) -> UUID:
        equipment = Equipment(
            id=uuid4(),
            estate_id=estate_id,
            kind="pump",
            name="Booster pump",
            model=None,
            serial_number=None,
            location=None,
            building_id=None,
            unit_id=None,
            installed_on=date(2020, 1, 1),
            vendor=None,
            warranty_until=None,
            at=self.svc.deps.clock(),
        )
        self.log.save(equipment)
        return equipment.id


def world() -> World:
    deps = memory_deps()
    log = deps.event_log
    registry = deps.registry
    assert isinstance(log, MemoryEventLog) and isinstance(registry, NoRegistry)
    estate_a, estate_b = (
        Estate.register("A", "Estate A", "1 A Road"),
        Estate.register("B", "Estate B", "2 B Road"),
    )
    building = Building.register(estate_a.id, "T1", "Tower 1", 10)
    unit = Unit.register(estate_a.id, building.id, "101", 1, "90", "80", "residential")
    users: dict[str, User] = {}
    for name, role, estate in (
        ("manager.a", Role.PROPERTY_MANAGER, estate_a.id),
        ("manager.b", Role.PROPERTY_MANAGER, estate_b.id),
        ("tech.one", Role.TECHNICIAN, estate_a.id),
        ("tech.two", Role.TECHNICIAN, estate_a.id),
        ("resident.a", Role.OWNER, None),
        ("resident.b", Role.OWNER, None),
        ("root", Role.ADMIN, None),
    ):
        user = User(username=name, roles=[role], password_hash="x")
        if estate is not None:
            user.assign_estate(estate)
        users[name] = user
    log.save(estate_a, estate_b, building, unit, *users.values())
    registry.homes = {users["resident.a"].id: [(estate_a.id, unit.id)]}
    return World(
        svc=WorkOrderService(deps),
        log=log,
        registry=registry,
        estate_a=estate_a.id,
        estate_b=estate_b.id,
        unit_a=unit.id,
        manager_a=actor(users["manager.a"], estate_a.id),
        manager_b=actor(users["manager.b"], estate_b.id),
        tech_1=actor(users["tech.one"], estate_a.id),
        tech_2=actor(users["tech.two"], estate_a.id),
        resident_a=actor(users["resident.a"]),
        resident_b=actor(users["resident.b"]),
        admin=actor(users["root"]),
    )
