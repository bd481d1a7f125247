"""A small world for the patrols handlers: two estates, their managers, a
technician and a gate guard of estate A, a technician of B, on the in-memory
log, with a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.patrols import commands as c
from application.patrols.service import PatrolService
from domain.identity.policy import Role
from domain.identity.user import User
from domain.patrols.plan import PatrolPlan
from domain.patrols.task import PatrolTask
from domain.registry.places import Estate
from tests.support.clock import Clock
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.workorders.given import actor

#: 22:00 in Shanghai on Monday 2 March 2026, in UTC.
NIGHT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

POINTS: list[dict[str, Any]] = [
    {
        "name": "Pump room",
        "place": "B1 east",
        "checklist": [
            {"label": "Pressure", "unit": "MPa", "low": "0.30", "high": "0.60"},
            {"label": "No leak"},
        ],
    },
    {"name": "East gate", "checklist": [{"label": "Barrier closed"}]},
    {"name": "Roof", "checklist": [{"label": "Door locked"}]},
]


class LogDueWork:
    """The jobs' port answered from the in-memory log (the read model is not
    in the unit tier): every active plan, every open task."""

    def __init__(self, log: MemoryEventLog) -> None:
        self.log = log

    def _all(self, kind: type) -> list[Any]:
        ids = {e.originator_id for e in self.log.domain_events()}
        found = [self.log.repository.get(i) for i in sorted(ids, key=str)]
        return [a for a in found if isinstance(a, kind)]

    def active_plans(self) -> list[UUID]:
        return [p.id for p in self._all(PatrolPlan) if p.status == "active"]

    def tasks_to_watch(self, now: datetime) -> list[UUID]:
        return [t.id for t in self._all(PatrolTask) if t.status == "open"]


@dataclass
class World:
    svc: PatrolService
    log: MemoryEventLog
    clock: Clock
    estate_a: UUID
    estate_b: UUID
    manager_a: Actor
    manager_b: Actor
    tech_a: Actor
    guard_a: Actor
    tech_b: Actor
    admin: Actor
    users: dict[str, User] = field(default_factory=dict)

    def route(self, points: list[dict[str, Any]] | None = None) -> UUID:
        route_id, _ = self.svc.create_route(
            c.CreateRoute(self.manager_a, self.estate_a, "Night round", points or POINTS)
        )
        return route_id

    def plan(self, route_id: UUID, assignee: Actor | None = None) -> UUID:
        plan_id, _ = self.svc.create_plan(
            c.CreatePlan(
                actor=self.manager_a,
                route_id=route_id,
                name="Night patrol",
                assignee_id=(assignee or self.tech_a).user_id,
                shift_starts="22:00",
                shift_minutes=480,
                first_shift_on=NIGHT.date(),
            )
        )
        return plan_id

    def task(self) -> PatrolTask:
        """A route, a plan for estate A's technician, and the task of its first night."""
        self.plan(self.route())
        assert self.svc.generate_tasks(NIGHT) == 1
        [task] = LogDueWork(self.log)._all(PatrolTask)
        assert isinstance(task, PatrolTask)
        return task


def world() -> World:
    clock = Clock()
    clock.fix(NIGHT)
    deps = memory_deps()
    deps.clock = clock
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    estate_a = Estate.register("A", "Estate A", "1 A Road")
    estate_b = Estate.register("B", "Estate B", "2 B Road")
    users: dict[str, User] = {}
    for name, role, estate in (
        ("manager.a", Role.PROPERTY_MANAGER, estate_a.id),
        ("manager.b", Role.PROPERTY_MANAGER, estate_b.id),
        ("tech.a", Role.TECHNICIAN, estate_a.id),
        ("gate.a", Role.GATE_GUARD, estate_a.id),
        ("tech.b", Role.TECHNICIAN, estate_b.id),
        ("root", Role.ADMIN, None),
    ):
        user = User(username=name, roles=[role], password_hash="x")
        if estate is not None:
            user.assign_estate(estate)
        users[name] = user
    log.save(estate_a, estate_b, *users.values())
    return World(
        svc=PatrolService(deps, due=LogDueWork(log)),
        log=log,
        clock=clock,
        estate_a=estate_a.id,
        estate_b=estate_b.id,
        manager_a=actor(users["manager.a"], estate_a.id),
        manager_b=actor(users["manager.b"], estate_b.id),
        tech_a=actor(users["tech.a"], estate_a.id),
        guard_a=actor(users["gate.a"], estate_a.id),
        tech_b=actor(users["tech.b"], estate_b.id),
        admin=actor(users["root"]),
        users=users,
    )
