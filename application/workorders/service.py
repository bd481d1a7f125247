"""Work-order and maintenance-plan commands over the event log.

One small handler per command: load, call one domain method, save. Who may
call which command on which order is decided by the HTTP layer from the
principal's permissions; this layer checks facts the domain cannot know
(does the estate exist, does the resident live in that unit, does the
technician serve the estate) from read models.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, load
from domain.errors import ValidationFailed
from domain.identity.policy import Role
from domain.identity.user import User, UserStatus
from domain.workorders.order import Category, Source, WorkOrder
from domain.workorders.plan import MaintenancePlan, plan_order_id
from domain.workorders.sla import SlaPolicy


class NotFound(Exception):
    """No such work order or plan."""


class WorkOrderService:
    def __init__(self, deps: ServiceDeps, sla: SlaPolicy | None = None) -> None:
        self.deps = deps
        self.sla = sla or SlaPolicy()

    # ---- loading and saving ---------------------------------------------

    def get(self, order_id: UUID) -> WorkOrder:
        return self._load(order_id, WorkOrder)  # type: ignore[no-any-return]

    def get_plan(self, plan_id: UUID) -> MaintenancePlan:
        return self._load(plan_id, MaintenancePlan)  # type: ignore[no-any-return]

    def _load(self, aggregate_id: UUID, kind: type) -> Any:
        return load(self.deps.event_log, aggregate_id, kind, NotFound(str(aggregate_id)))

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

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

    def submit(
        self,
        *,
        estate_id: UUID,
        title: str,
        description: str,
        source: Source,
        requested_by: UUID | None,
        unit_id: UUID | None = None,
        equipment_id: UUID | None = None,
        source_ref: str | None = None,
    ) -> tuple[UUID, int]:
        if not self.estate_exists(estate_id):
            raise ValidationFailed("estate_id: no such estate")
        if unit_id is not None and self.unit_estate(unit_id) != estate_id:
            raise ValidationFailed("unit_id: no such unit in this estate")
        order = WorkOrder.submit(
            estate_id=estate_id,
            title=title,
            description=description,
            source=source,
            source_ref=source_ref,
            requested_by=requested_by,
            at=self.deps.clock(),
            unit_id=unit_id,
            equipment_id=equipment_id,
        )
        return order.id, self._save(order)

    def triage(self, order_id: UUID, category: str, priority: str) -> int:
        order = self.get(order_id)
        respond_by, resolve_by = self._deadlines(priority, order.submitted_at)
        order.triage(category, priority, respond_by, resolve_by, at=self.deps.clock())
        return self._save(order)

    def _deadlines(self, priority: str, submitted_at: datetime) -> tuple[datetime, datetime]:
        try:
            return self.sla.deadlines(priority, submitted_at)
        except (KeyError, ValueError):
            raise ValidationFailed(f"priority: no SLA for {priority!r}") from None

    def assign(self, order_id: UUID, technician_id: UUID) -> int:
        order = self.get(order_id)
        self._check_technician(technician_id, order.estate_id)
        order.assign(technician_id, at=self.deps.clock())
        return self._save(order)

    def accept(self, order_id: UUID) -> int:
        order = self.get(order_id)
        order.accept(at=self.deps.clock())
        return self._save(order)

    def reject(self, order_id: UUID, reason: str) -> int:
        order = self.get(order_id)
        order.reject(reason, at=self.deps.clock())
        return self._save(order)

    def start(self, order_id: UUID) -> int:
        order = self.get(order_id)
        order.start(at=self.deps.clock())
        return self._save(order)

    def hold(self, order_id: UUID, reason: str) -> int:
        order = self.get(order_id)
        order.hold(reason, at=self.deps.clock())
        return self._save(order)

    def resume(self, order_id: UUID) -> int:
        order = self.get(order_id)
        order.resume(at=self.deps.clock())
        return self._save(order)

    def complete(
        self,
        order_id: UUID,
        *,
        work_done: str,
        parts: list[dict[str, Any]],
        labour_hours: Decimal,
        currency: str,
        cost: Decimal | None = None,
    ) -> int:
        """Record the work; ``cost`` defaults to the sum of the parts."""
        order = self.get(order_id)
        if cost is None:
            cost = sum(
                (Decimal(str(p["qty"])) * Decimal(str(p["unit_cost"])) for p in parts),
                Decimal("0"),
            )
        order.complete(work_done, parts, labour_hours, cost, currency, at=self.deps.clock())
        return self._save(order)

    def rate(self, order_id: UUID, rating: int, comment: str | None) -> int:
        order = self.get(order_id)
        order.rate(rating, comment, at=self.deps.clock())
        return self._save(order)

    def close(self, order_id: UUID) -> int:
        order = self.get(order_id)
        order.close(at=self.deps.clock())
        return self._save(order)

    def cancel(self, order_id: UUID, reason: str, *, by_requester: bool = False) -> int:
        order = self.get(order_id)
        order.cancel(reason, at=self.deps.clock(), by_requester=by_requester)
        return self._save(order)

    def reopen(self, order_id: UUID, reason: str) -> int:
        order = self.get(order_id)
        order.reopen(reason, at=self.deps.clock())
        return self._save(order)

    # ---- maintenance plans -----------------------------------------------

    def create_plan(self, *, estate_id: UUID, **fields: Any) -> tuple[UUID, int]:
        if not self.estate_exists(estate_id):
            raise ValidationFailed("estate_id: no such estate")
        if fields.get("technician_id") is not None:
            self._check_technician(fields["technician_id"], estate_id)
        plan = MaintenancePlan.create(estate_id=estate_id, at=self.deps.clock(), **fields)
        return plan.id, self._save(plan)

    def change_plan(self, plan_id: UUID, **changes: Any) -> int:
        plan = self.get_plan(plan_id)
        if changes.get("technician_id") is not None:
            self._check_technician(changes["technician_id"], plan.estate_id)
        plan.change(at=self.deps.clock(), **changes)
        return self._save(plan)

    def pause_plan(self, plan_id: UUID, reason: str) -> int:
        plan = self.get_plan(plan_id)
        plan.pause(reason, at=self.deps.clock())
        return self._save(plan)

    def resume_plan(self, plan_id: UUID) -> int:
        plan = self.get_plan(plan_id)
        plan.resume(at=self.deps.clock())
        return self._save(plan)

    def retire_plan(self, plan_id: UUID, reason: str) -> int:
        plan = self.get_plan(plan_id)
        plan.retire(reason, at=self.deps.clock())
        return self._save(plan)

    # ---- scheduled jobs --------------------------------------------------

    def detect_sla_breaches(self, now: datetime) -> int:
        """Record every SLA deadline passed at ``now``, once per order and kind."""
        with self.deps.pool.connection() as conn:
            rows = conn.execute(
                "SELECT order_id FROM workorders WHERE status = ANY(%s) AND ("
                " (respond_by < %s AND started_at IS NULL AND NOT respond_breached)"
                " OR (resolve_by < %s AND NOT resolve_breached)) ORDER BY submitted_at",
                [
                    ["submitted", "triaged", "assigned", "accepted", "in_progress", "on_hold"],
                    now,
                    now,
                ],
            ).fetchall()
        recorded = 0
        for (order_id,) in rows:
            order = self.get(order_id)  # the read model may lag: the aggregate decides
            found = order.detect_sla_breaches(now)
            if found:
                try:
                    self._save(order)
                except IntegrityError:
                    continue  # changed meanwhile; the next run looks again
                recorded += found
        return recorded

    def open_due_plans(self, now: datetime) -> int:
        """Open one work order per plan due on or before ``now``'s date."""
        today = now.date()
        with self.deps.pool.connection() as conn:
            rows = conn.execute(
                "SELECT plan_id FROM workorders_plans WHERE status = 'active' "
                "AND next_due_on <= %s ORDER BY next_due_on",
                [today],
            ).fetchall()
        opened = 0
        for (plan_id,) in rows:
            plan = self.get_plan(plan_id)
            if not plan.is_due(today):
                continue
            order = self._plan_order(plan, today, now)
            try:
                self._save(plan, order)
            except IntegrityError:
                continue  # another scheduler opened it first
            opened += 1
        return opened

    def _plan_order(self, plan: MaintenancePlan, today: date, now: datetime) -> WorkOrder:
        due_on = plan.next_due_on
        order_id = plan_order_id(plan.id, due_on)
        plan.record_order_opened(order_id, today, at=now)
        what = (
            f"equipment {plan.equipment_id}"
            if plan.equipment_id
            else (f"every {plan.equipment_kind} of the estate")
        )
        checklist = "".join(f"\n- {item}" for item in plan.checklist)
        team = f"\nTeam: {plan.team}" if plan.team else ""
        order = WorkOrder.with_id(
            order_id,
            estate_id=plan.estate_id,
            title=f"{plan.title} (due {due_on.isoformat()})",
            description=f"Preventive maintenance of {what}.{team}\nChecklist:{checklist or ' -'}",
            source=Source.PLAN.value,
            source_ref=f"{plan.id}:{due_on.isoformat()}",
            requested_by=None,
            at=now,
            equipment_id=plan.equipment_id,
        )
        respond_by, resolve_by = self.sla.deadlines(plan.priority, now)
        order.triage(Category.PREVENTIVE, plan.priority, respond_by, resolve_by, at=now)
        if plan.technician_id is not None:
            order.assign(plan.technician_id, at=now)
        return order

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return [
            ScheduledJob("workorders.sla_breaches", 60, self.detect_sla_breaches),
            ScheduledJob("workorders.maintenance_plans", 300, self.open_due_plans),
        ]
