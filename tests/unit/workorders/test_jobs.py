"""The workorders jobs on the in-memory log: the read model names candidates
(here a stub of the port that names every order or plan), the aggregate
decides, so a stale candidate or a second run records nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from application.workorders import commands as c
from domain.workorders.order import Category, Source, Status, WorkOrder
from domain.workorders.plan import plan_order_id
from tests.unit.workorders.given import World, world


class Everything:
    """The port, answering every order and plan it was told of: the aggregates sort them."""

    def __init__(self) -> None:
        self.orders: list[UUID] = []
        self.plans: list[UUID] = []

    def sla_breach_candidates(self, now: datetime) -> list[UUID]:
        return list(self.orders)

    def due_plans(self, today: date) -> list[UUID]:
        return list(self.plans)


def given() -> tuple[World, Everything]:
    w = world()
    due = Everything()
    w.svc.due = due
    return w, due


def test_a_due_plan_opens_one_triaged_assigned_order_per_due_date() -> None:
    w, due = given()
    today = w.svc.deps.clock().date()
    plan_id, _ = w.svc.create_plan(
        c.CreatePlan(
            actor=w.manager_a,
            estate_id=w.estate_a,
            title="Pump service",
            interval_days=30,
            first_due_on=today - timedelta(days=1),
            priority="normal",
            equipment_kind="pump",
            checklist=["seals", "bearings"],
            technician_id=w.tech_1.user_id,
        )
    )
    due.plans = [plan_id]
    assert w.svc.open_due_plans(w.svc.deps.clock()) == 1
    assert w.svc.open_due_plans(w.svc.deps.clock()) == 0  # next due in 29 days
    order = w.log.repository.get(plan_order_id(plan_id, today - timedelta(days=1)))
    assert isinstance(order, WorkOrder)
    assert (order.source, order.category, order.status) == (
        Source.PLAN,
        Category.PREVENTIVE,
        Status.ASSIGNED,
    )
    assert "- seals" in order.description
    assert w.svc.get_plan(plan_id).next_due_on == today + timedelta(days=29)


def test_a_passed_deadline_is_recorded_once_per_order_and_kind() -> None:
    w, due = given()
    order_id, _, _ = w.svc.submit(
        c.SubmitOrder(w.manager_a, "Lift stuck", "Between floors", estate_id=w.estate_a)
    )
    w.svc.triage(c.TriageOrder(w.manager_a, order_id, "elevator", "urgent"))
    due.orders = [order_id]
    order = w.svc.get(order_id)
    assert order.respond_by is not None and order.resolve_by is not None
    later = order.resolve_by + timedelta(minutes=1)
    assert w.svc.detect_sla_breaches(order.respond_by - timedelta(minutes=1)) == 0
    assert w.svc.detect_sla_breaches(later) == 2  # respond and resolve
    assert w.svc.detect_sla_breaches(later) == 0
    breaches = [type(e).__name__ for e in w.log.domain_events(order_id)].count("SlaBreached")
    assert breaches == 2
