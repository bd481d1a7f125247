"""The workorders context's scheduled jobs: SLA breaches and due maintenance plans.

The read model names the candidates (the port ``application/workorders/ports.py``);
each candidate's aggregate decides, since the read model may lag the log. Jobs
act for the system, so they carry no actor.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from eventsourcing.persistence import IntegrityError

from domain.workorders.order import Category, Source, WorkOrder
from domain.workorders.plan import MaintenancePlan, plan_order_id

if TYPE_CHECKING:  # the service calls these with itself; no import cycle at run time
    from application.workorders.service import WorkOrderService


def detect_sla_breaches(svc: WorkOrderService, now: datetime) -> int:
    """Record every SLA deadline passed at ``now``, once per order and kind."""
    recorded = 0
    for order_id in svc.due.sla_breach_candidates(now):
        order = svc.get(order_id)  # the read model may lag: the aggregate decides
        found = order.detect_sla_breaches(now)
        if found:
            try:
                svc.deps.event_log.save_and_position(order)
            except IntegrityError:
                continue  # changed meanwhile; the next run looks again
            recorded += found
    return recorded


def open_due_plans(svc: WorkOrderService, now: datetime) -> int:
    """Open one work order per plan due on or before ``now``'s date."""
    today = now.date()
    opened = 0
    for plan_id in svc.due.due_plans(today):
        plan = svc.get_plan(plan_id)
        if not plan.is_due(today):
            continue
        order = plan_order(svc, plan, today, now)
        try:
            svc.deps.event_log.save_and_position(plan, order)
        except IntegrityError:
            continue  # another scheduler opened it first
        opened += 1
    return opened


def plan_order(
    svc: WorkOrderService, plan: MaintenancePlan, today: date, now: datetime
) -> WorkOrder:
    """The order a due plan opens: triaged as preventive, assigned if the plan names one."""
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
    respond_by, resolve_by = svc.sla.deadlines(plan.priority, now)
    order.triage(Category.PREVENTIVE, plan.priority, respond_by, resolve_by, at=now)
    if plan.technician_id is not None:
        order.assign(plan.technician_id, at=now)
    return order
