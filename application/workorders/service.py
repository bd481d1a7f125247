"""Work-order and maintenance-plan handlers: load, authorize, decide, save.

One handler per command (``application/workorders/commands.py``). Each loads
the order or plan, authorizes the command's actor against it (one they may
not see is missing, 404; one they may see but not change is forbidden, 403),
calls one domain method and saves. Facts the domain cannot know (does the
estate exist, does the resident live in that unit, does the technician serve
the estate) are read here from the log or the registry's port.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application import errors
from application.actor import Actor
from application.numbers import Numbers
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from application.workorders import jobs
from application.workorders.commands import (
    AfterWork,
    AssignOrder,
    ChangePlan,
    CloseOrder,
    CompleteOrder,
    CreatePlan,
    LogOnBehalf,
    PlanStep,
    RateOrder,
    SubmitOrder,
    TriageOrder,
    WorkOn,
    WorkOnWithReason,
)
from application.workorders.homes import home_of
from application.workorders.ports import DueWork, NoDueWork
from domain.equipment.equipment import Equipment
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import Role
from domain.identity.user import User, UserStatus
from domain.workorders.order import Source, WorkOrder
from domain.workorders.plan import MaintenancePlan
from domain.workorders.sla import SlaPolicy


class NotFound(errors.NotFound):
    """No such work order or plan (the message is what the caller is told)."""


NO_ORDER = "no such work order"
NO_PLAN = "no such maintenance plan"
NO_EQUIPMENT = "no such equipment in this estate"


def _owners(order: WorkOrder) -> set[UUID]:
    return {o for o in (order.requested_by, order.assignee_id) if o is not None}


def may_read(actor: Actor, order: WorkOrder) -> None:
    """The actor may see the order (its estate's staff, its requester or assignee)."""
    actor.check("workorders:read", _owners(order), order.estate_id)


class WorkOrderService:
    def __init__(
        self, deps: ServiceDeps, sla: SlaPolicy | None = None, due: DueWork | None = None
    ) -> None:
        self.deps = deps
        self.sla = sla or SlaPolicy()
        self.due: DueWork = due or NoDueWork()
        self.numbers = Numbers(deps.event_log)

    # ---- loading and saving ---------------------------------------------

    def get(self, order_id: UUID) -> WorkOrder:
        return load(self.deps.event_log, order_id, WorkOrder, NotFound(NO_ORDER))

    def get_plan(self, plan_id: UUID) -> MaintenancePlan:
        return load(self.deps.event_log, plan_id, MaintenancePlan, NotFound(NO_PLAN))

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    # ---- who may act on a loaded order or plan ----------------------------

    def _managing(self, actor: Actor, order_id: UUID) -> WorkOrder:
        """The order, if the actor manages its estate's orders."""
        order = self.get(order_id)
        if not actor.may("workorders:manage", None, order.estate_id):
            may_read(actor, order)
            raise errors.Forbidden("this needs the permission workorders:manage for the estate")
        return order

    def _working(self, actor: Actor, order_id: UUID) -> WorkOrder:
        """The order, if the actor is its technician (or may work any order)."""
        order = self.get(order_id)
        if not actor.may("workorders:work", order.assignee_id, order.estate_id):
            may_read(actor, order)
            if order.assignee_id is None:  # the state is what refuses: nobody may work it yet
                raise InvalidTransition(f"the order is {order.status} and assigned to nobody")
            raise errors.Forbidden("only the assigned technician works this order")
        return order

    def _requester_or_manager(self, actor: Actor, order_id: UUID) -> tuple[WorkOrder, bool]:
        """The order and whether the actor acts as its requester (False: as staff)."""
        order = self.get(order_id)
        if actor.may("workorders:manage", None, order.estate_id):
            return order, False
        if order.requested_by == actor.user_id and actor.may("workorders:rate", order.requested_by):
            return order, True
        may_read(actor, order)
        raise errors.Forbidden("only the requester or the estate's staff may do this")

    def _plan_managing(self, actor: Actor, plan_id: UUID) -> MaintenancePlan:
        plan = self.get_plan(plan_id)
        if not actor.may("maintenance:manage", None, plan.estate_id):
            actor.check("maintenance:read", None, plan.estate_id)
            raise errors.Forbidden("this needs the permission maintenance:manage for the estate")
        return plan

    def _same_estate_equipment(self, equipment_id: UUID | None, estate_id: UUID) -> None:
        """Equipment an order or plan names must be of its estate (R7.4): an order of
        one estate must not write into another estate's facility archive."""
        if equipment_id is None:
            return
        equipment = find(self.deps.event_log, equipment_id, Equipment)
        if equipment is None or equipment.estate_id != estate_id:
            raise NotFound(NO_EQUIPMENT)

    # ---- facts from other contexts' read models --------------------------

    def estate_exists(self, estate_id: UUID) -> bool:
        return lookups.estate_exists(self.deps.event_log, estate_id)

    def unit_estate(self, unit_id: UUID) -> UUID | None:
        return lookups.unit_estate(self.deps.event_log, unit_id)

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        return self.deps.registry.units_of_user(user_id)

    def _check_technician(self, technician_id: UUID, estate_id: UUID) -> None:
        """The assignee is an active technician (or an admin) who serves the estate.

        Read from the user's aggregate, not the directory read model, so an
        estate assigned a moment ago already counts.
        """
        try:
            user = self.deps.event_log.repository.get(technician_id)
        except AggregateNotFoundError:
            user = None
        if not isinstance(user, User) or user.status is not UserStatus.NORMAL:
            raise ValidationFailed("technician_id: no such active user")
        if Role.ADMIN in user.roles:
            return
        if Role.TECHNICIAN not in user.roles:
            raise ValidationFailed("technician_id: the user is not a technician")
        if estate_id not in user.estates:
            raise ValidationFailed("technician_id: the technician does not serve this estate")

    # ---- work orders -----------------------------------------------------

    def submit(self, cmd: SubmitOrder) -> tuple[UUID, int, str]:
        actor = cmd.actor
        if cmd.estate_id is not None and actor.may("workorders:submit", None, cmd.estate_id):
            estate_id, unit_id, source = cmd.estate_id, cmd.unit_id, Source.STAFF
        else:
            (estate_id, unit_id), source = self._home(cmd), Source.RESIDENT
        self._same_estate_equipment(cmd.equipment_id, estate_id)
        return self._submit(
            estate_id=estate_id,
            title=cmd.title,
            description=cmd.description,
            source=source,
            requested_by=actor.user_id,
            unit_id=unit_id,
            equipment_id=cmd.equipment_id,
        )

    def log_on_behalf(self, cmd: LogOnBehalf) -> tuple[UUID, int, str]:
        """The resident's order, logged by a clerk of the unit's estate; a unit or
        resident the clerk may not reach is missing (404)."""
        estate_id = self.unit_estate(cmd.unit_id)
        if estate_id is None or not cmd.actor.may("workorders:submit_for", None, estate_id):
            raise errors.NotFound("no such unit, or not of an estate you serve")
        if (estate_id, cmd.unit_id) not in self.units_of_user(cmd.resident_id):
            raise errors.NotFound("no such resident of this unit")
        self._same_estate_equipment(cmd.equipment_id, estate_id)
        order = WorkOrder.log_on_behalf(
            resident_id=cmd.resident_id,
            clerk_id=cmd.actor.user_id,
            channel=cmd.channel,
            id=self.deps.ids(),
            estate_id=estate_id,
            title=cmd.title,
            description=cmd.description,
            at=self.deps.clock(),
            unit_id=cmd.unit_id,
            equipment_id=cmd.equipment_id,
        )
        return (order.id, *self.numbers.save_new(order))

    def _home(self, cmd: SubmitOrder) -> tuple[UUID, UUID]:
        """The estate and unit a resident submits for (``homes.home_of``)."""
        if not cmd.actor.may("workorders:submit", cmd.actor.user_id):
            if cmd.estate_id is None:  # staff name the estate
                raise ValidationFailed("estate_id: required: the estate the order is for")
            raise errors.NotFound("no such estate, or not one you serve")
        return home_of(self.units_of_user(cmd.actor.user_id), cmd.unit_id, cmd.estate_id)

    def _submit(
        self,
        *,
        estate_id: UUID,
        title: str,
        description: str,
        source: Source,
        requested_by: UUID | None,
        unit_id: UUID | None = None,
        equipment_id: UUID | None = None,
    ) -> tuple[UUID, int, str]:
        # A unit is registered only in an estate that exists, and estates stay:
        # the unit's estate answers both (one aggregate read, not two).
        if unit_id is not None:
            if self.unit_estate(unit_id) != estate_id:
                raise ValidationFailed("unit_id: no such unit in this estate")
        elif not self.estate_exists(estate_id):
            raise ValidationFailed("estate_id: no such estate")
        order = WorkOrder.submit(
            id=self.deps.ids(),
            estate_id=estate_id,
            title=title,
            description=description,
            source=source,
            source_ref=None,
            requested_by=requested_by,
            at=self.deps.clock(),
            unit_id=unit_id,
            equipment_id=equipment_id,
        )
        return (order.id, *self.numbers.save_new(order))

    def triage(self, cmd: TriageOrder) -> int:
        """Set category and priority; the SLA deadlines follow from the priority."""
        order = self._managing(cmd.actor, cmd.order_id)
        respond_by, resolve_by = self._deadlines(cmd.priority, order.submitted_at)
        order.triage(cmd.category, cmd.priority, respond_by, resolve_by, at=self.deps.clock())
        return self._save(order)

    def _deadlines(self, priority: str, submitted_at: datetime) -> tuple[datetime, datetime]:
        try:
            return self.sla.deadlines(priority, submitted_at)
        except (KeyError, ValueError):
            raise ValidationFailed(f"priority: no SLA for {priority!r}") from None

    def assign(self, cmd: AssignOrder) -> int:
        order = self._managing(cmd.actor, cmd.order_id)
        self._check_technician(cmd.technician_id, order.estate_id)
        order.assign(cmd.technician_id, at=self.deps.clock())
        return self._save(order)

    def accept(self, cmd: WorkOn) -> int:
        order = self._working(cmd.actor, cmd.order_id)
        order.accept(at=self.deps.clock())
        return self._save(order)

    def reject(self, cmd: WorkOnWithReason) -> int:
        order = self._working(cmd.actor, cmd.order_id)
        order.reject(cmd.reason, at=self.deps.clock())
        return self._save(order)

    def start(self, cmd: WorkOn) -> int:
        order = self._working(cmd.actor, cmd.order_id)
        order.start(at=self.deps.clock())
        return self._save(order)

    def hold(self, cmd: WorkOnWithReason) -> int:
        order = self._working(cmd.actor, cmd.order_id)
        order.hold(cmd.reason, at=self.deps.clock())
        return self._save(order)

    def resume(self, cmd: WorkOn) -> int:
        order = self._working(cmd.actor, cmd.order_id)
        order.resume(at=self.deps.clock())
        return self._save(order)

    def complete(self, cmd: CompleteOrder) -> int:
        """Record the work; the cost defaults to the sum of the parts."""
        order = self._working(cmd.actor, cmd.order_id)
        cost = cmd.cost
        if cost is None:
            cost = sum(
                (Decimal(str(p["qty"])) * Decimal(str(p["unit_cost"])) for p in cmd.parts),
                Decimal("0"),
            )
        order.complete(
            cmd.work_done, cmd.parts, cmd.labour_hours, cost, cmd.currency, at=self.deps.clock()
        )
        return self._save(order)

    def rate(self, cmd: RateOrder) -> int:
        """The requester rates the completed work (1-5)."""
        order = self.get(cmd.order_id)
        if not cmd.actor.may("workorders:rate", order.requested_by, order.estate_id):
            may_read(cmd.actor, order)
            raise errors.Forbidden("only the requester rates an order")
        order.rate(cmd.rating, cmd.comment, at=self.deps.clock())
        return self._save(order)

    def close(self, cmd: CloseOrder) -> int:
        order, _ = self._requester_or_manager(cmd.actor, cmd.order_id)
        order.close(at=self.deps.clock())
        return self._save(order)

    def cancel(self, cmd: AfterWork) -> int:
        """Staff cancel any open order; the requester only before it is assigned."""
        order, by_requester = self._requester_or_manager(cmd.actor, cmd.order_id)
        order.cancel(cmd.reason, at=self.deps.clock(), by_requester=by_requester)
        return self._save(order)

    def reopen(self, cmd: AfterWork) -> int:
        order, _ = self._requester_or_manager(cmd.actor, cmd.order_id)
        order.reopen(cmd.reason, at=self.deps.clock())
        return self._save(order)

    # ---- maintenance plans -----------------------------------------------

    def create_plan(self, cmd: CreatePlan) -> tuple[UUID, int]:
        """A recurring job on one equipment or on every equipment of a kind in an estate."""
        cmd.actor.check("maintenance:manage", None, cmd.estate_id)
        self._same_estate_equipment(cmd.equipment_id, cmd.estate_id)
        if not self.estate_exists(cmd.estate_id):
            raise ValidationFailed("estate_id: no such estate")
        if cmd.technician_id is not None:
            self._check_technician(cmd.technician_id, cmd.estate_id)
        plan = MaintenancePlan.create(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            title=cmd.title,
            equipment_id=cmd.equipment_id,
            equipment_kind=cmd.equipment_kind,
            interval_days=cmd.interval_days,
            checklist=list(cmd.checklist),
            team=cmd.team,
            technician_id=cmd.technician_id,
            priority=cmd.priority,
            first_due_on=cmd.first_due_on,
            at=self.deps.clock(),
        )
        return plan.id, self._save(plan)

    def change_plan(self, cmd: ChangePlan) -> int:
        plan = self._plan_managing(cmd.actor, cmd.plan_id)
        if cmd.changes.get("technician_id") is not None:
            self._check_technician(cmd.changes["technician_id"], plan.estate_id)
        plan.change(at=self.deps.clock(), **cmd.changes)
        return self._save(plan)

    def pause_plan(self, cmd: PlanStep) -> int:
        plan = self._plan_managing(cmd.actor, cmd.plan_id)
        plan.pause(cmd.reason, at=self.deps.clock())
        return self._save(plan)

    def resume_plan(self, cmd: PlanStep) -> int:
        plan = self._plan_managing(cmd.actor, cmd.plan_id)
        plan.resume(at=self.deps.clock())
        return self._save(plan)

    def retire_plan(self, cmd: PlanStep) -> int:
        """Stop the plan for good (its orders and history stay)."""
        plan = self._plan_managing(cmd.actor, cmd.plan_id)
        plan.retire(cmd.reason, at=self.deps.clock())
        return self._save(plan)

    # ---- scheduled jobs (application/workorders/jobs.py) -------------------

    def detect_sla_breaches(self, now: datetime) -> int:
        return jobs.detect_sla_breaches(self, now)

    def open_due_plans(self, now: datetime) -> int:
        return jobs.open_due_plans(self, now)

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return [
            ScheduledJob("workorders.sla_breaches", 60, self.detect_sla_breaches),
            ScheduledJob("workorders.maintenance_plans", 300, self.open_due_plans),
        ]
