"""Patrol handlers: routes, plans, tasks and check-ins (load, authorize, decide, save).

One handler per command (``application/patrols/commands.py``). Each loads
the record, authorizes the actor against it (one they may not see is
missing, 404; one they may see but not change, 403), lets the aggregate
decide and saves. An abnormal check-in opens a work order saved in the same
append as the check-in, as an alarm does (``application/equipment``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from application import errors
from application.actor import HIDDEN, Actor
from application.patrols import commands as c
from application.patrols import jobs
from application.patrols.ports import DueWork, NoDueWork
from application.patrols.shifts import zone
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.errors import ValidationFailed
from domain.identity.user import User, UserStatus
from domain.patrols.plan import PatrolPlan
from domain.patrols.route import PatrolRoute, checked_point
from domain.patrols.task import PatrolTask
from domain.workorders.order import WorkOrder
from domain.workorders.rules import Source

T = TypeVar("T")


class NotFound(errors.NotFound):
    """No such route, plan or task, or not the actor's to see."""

    def __init__(self, detail: str = HIDDEN) -> None:
        super().__init__(detail)


class PatrolService:
    def __init__(self, deps: ServiceDeps, due: DueWork | None = None) -> None:
        self.deps = deps
        self.due: DueWork = due or NoDueWork()

    def scheduled(self) -> list[ScheduledJob]:
        """Tasks generated per shift; late and missed points recorded as they happen."""
        return [
            ScheduledJob("patrols.generate_tasks", 300, self.generate_tasks),
            ScheduledJob("patrols.watch_tasks", 60, self.watch_tasks),
        ]

    def generate_tasks(self, now: datetime) -> int:
        return jobs.generate_tasks(self, now)

    def watch_tasks(self, now: datetime) -> int:
        return jobs.watch_tasks(self, now)

    # ---- loading and saving ----------------------------------------------

    def get(self, kind: type[T], record_id: UUID) -> T:
        return load(self.deps.event_log, record_id, kind, NotFound())

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    def _point(self, point: dict[str, Any], index: int) -> dict[str, Any]:
        """A point with the ID and the code it is given here: the code a
        random token (the ID factory's, 122 random bits), printed as its QR label."""
        return checked_point(point, self.deps.ids(), self.deps.ids().hex, index)

    def _managed(self, actor: Actor, kind: type[T], record_id: UUID) -> T:
        record = self.get(kind, record_id)
        estate_id = getattr(record, "estate_id")  # noqa: B009 - every patrol record has one
        actor.check("patrols:read", None, estate_id)
        actor.require("patrols:manage", None, estate_id)
        return record

    def _check_patroller(self, user_id: UUID, estate_id: UUID) -> None:
        """Tasks go only to an active technician or gate guard serving the estate."""
        user = find(self.deps.event_log, user_id, User)
        works = user is not None and any(p.action == "patrols:work" for p in user.permissions)
        if user is None or user.status is UserStatus.DISABLED or not works:
            raise ValidationFailed("assignee_id: not a technician or gate guard")
        if estate_id not in user.estates:
            raise ValidationFailed("assignee_id: does not work on this estate")

    # ---- routes ----------------------------------------------------------

    def create_route(self, cmd: c.CreateRoute) -> tuple[UUID, int]:
        cmd.actor.check("patrols:manage", None, cmd.estate_id)
        if not lookups.estate_exists(self.deps.event_log, cmd.estate_id):
            raise ValidationFailed("estate_id: no such estate")
        route = PatrolRoute.create(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            name=cmd.name,
            points=[self._point(p, i) for i, p in enumerate(cmd.points)],
            created_by=cmd.actor.user_id,
            at=self._now,
        )
        return route.id, self._save(route)

    def add_point(self, cmd: c.AddPoint) -> int:
        route = self._managed(cmd.actor, PatrolRoute, cmd.route_id)
        point = {"name": cmd.name, "place": cmd.place, "checklist": cmd.checklist}
        route.add_point(self._point(point, len(route.points)), at=self._now)
        return self._save(route)

    def retire_route(self, cmd: c.RetireRoute) -> int:
        route = self._managed(cmd.actor, PatrolRoute, cmd.route_id)
        route.retire(cmd.reason, at=self._now)
        return self._save(route)

    # ---- plans -----------------------------------------------------------

    def create_plan(self, cmd: c.CreatePlan) -> tuple[UUID, int]:
        route = self._managed(cmd.actor, PatrolRoute, cmd.route_id)
        if route.retired:
            raise ValidationFailed("route_id: the route is retired")
        zone(cmd.timezone)
        self._check_patroller(cmd.assignee_id, route.estate_id)
        plan = PatrolPlan.create(
            id=self.deps.ids(),
            estate_id=route.estate_id,
            route_id=route.id,
            name=cmd.name,
            assignee_id=cmd.assignee_id,
            weekdays=list(cmd.weekdays),
            shift_starts=cmd.shift_starts,
            shift_minutes=cmd.shift_minutes,
            timezone=cmd.timezone,
            first_shift_on=cmd.first_shift_on,
            at=self._now,
        )
        return plan.id, self._save(plan)

    def reassign_plan(self, cmd: c.ReassignPlan) -> int:
        plan = self._managed(cmd.actor, PatrolPlan, cmd.plan_id)
        self._check_patroller(cmd.assignee_id, plan.estate_id)
        plan.reassign(cmd.assignee_id, at=self._now)
        return self._save(plan)

    def pause_plan(self, cmd: c.PausePlan) -> int:
        plan = self._managed(cmd.actor, PatrolPlan, cmd.plan_id)
        plan.pause(cmd.reason, at=self._now)
        return self._save(plan)

    def resume_plan(self, cmd: c.ResumePlan) -> int:
        plan = self._managed(cmd.actor, PatrolPlan, cmd.plan_id)
        plan.resume(at=self._now)
        return self._save(plan)

    def retire_plan(self, cmd: c.RetirePlan) -> int:
        plan = self._managed(cmd.actor, PatrolPlan, cmd.plan_id)
        plan.retire(cmd.reason, at=self._now)
        return self._save(plan)

    # ---- the walk --------------------------------------------------------

    def check_in(self, cmd: c.CheckIn) -> tuple[UUID | None, int]:
        """Check a point in; answers the work order its abnormal items opened, if any."""
        task = self.get(PatrolTask, cmd.task_id)
        cmd.actor.check("patrols:read", task.assignee_id, task.estate_id)
        cmd.actor.require("patrols:work", task.assignee_id, task.estate_id)
        now = self._now
        cleaned, abnormal = task.answered(cmd.point_id, cmd.code, cmd.answers, now)
        order = None
        if abnormal:
            point = task.point(cmd.point_id)
            order = WorkOrder(
                id=self.deps.ids(),
                estate_id=task.estate_id,
                title=f"Patrol {task.route_name}, {point['name']}: {', '.join(abnormal)}"[:200],
                description=_description(point, cleaned),
                source=Source.PATROL.value,
                source_ref=f"{task.id}:{point['point_id']}",
                requested_by=cmd.actor.user_id,
                at=now,
            )
        task.check_in(
            cmd.point_id,
            cmd.code,
            cmd.answers,
            by=cmd.actor.user_id,
            at=now,
            work_order_id=order.id if order else None,
        )
        saved = (task, order) if order else (task,)
        return (order.id if order else None), self._save(*saved)


def _description(point: dict[str, Any], answers: list[dict[str, Any]]) -> str:
    """The order's text: where, and what the patrol found at each item."""
    labels = {item["item_id"]: item for item in point["checklist"]}
    lines = [
        f"Found on patrol at {point['name']}"
        + (f" ({point['place']})" if point.get("place") else "")
        + "."
    ]
    for answer in answers:
        item = labels[str(answer["item_id"])]
        reading = f" {answer['value']} {item['unit']}" if answer.get("value") is not None else ""
        note = f": {answer['note']}" if answer.get("note") else ""
        photo = f" [photo {answer['photo_ref']}]" if answer.get("photo_ref") else ""
        lines.append(f"- {item['label']} {answer['result']}{reading}{note}{photo}")
    return "\n".join(lines)[:4000]
