"""Each user's to-do list: work orders, approvals and requests waiting for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from bootstrap import Container
from domain.approvals.approval import Approval, Decider
from domain.approvals.rules import Level, Outcome, PolicyTerms, Rule, Urgency
from domain.community.complaint import Complaint
from domain.community.service_request import Category, ServiceRequest
from domain.identity.policy import Role
from domain.meters.round import ReadingRound
from domain.patrols.task import PatrolTask
from domain.workorders.order import WorkOrder
from projections.tasks.todo import open_items_sql
from tests.e2e.notifications.support import user

ESTATE = UUID("00000000-0000-4000-8000-00000000e101")
OTHER = UUID("00000000-0000-4000-8000-00000000e102")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    kind: str
    title: str
    priority: str | None
    due_at: datetime | None
    status: str


@dataclass(frozen=True)
class Walk:
    """A patrol task or reading round as the list shows it."""

    kind: str
    title: str
    starts_at: datetime | None
    due_at: datetime | None
    due_on: date | None
    status: str
    done: int
    total: int


def rows(container: Container, user_id: UUID) -> list[tuple[Any, ...]]:
    container.projector.catch_up()
    with container.pool.connection() as conn:
        return conn.execute(open_items_sql(), {"me": user_id}).fetchall()


def todo(container: Container, user_id: UUID) -> list[Item]:
    return [Item(r[1], r[3], r[4], r[5], r[6]) for r in rows(container, user_id)]


def walks(container: Container, user_id: UUID) -> list[Walk]:
    return [
        Walk(r[1], r[3], r[11], r[5], r[12], r[6], r[13], r[14]) for r in rows(container, user_id)
    ]


def order(container: Container, title: str, requester: UUID | None = None) -> WorkOrder:
    wo = WorkOrder.submit(
        id=uuid4(),
        estate_id=ESTATE,
        title=title,
        description="-",
        source="resident",
        source_ref=None,
        requested_by=requester or uuid4(),
        at=NOW,
    )
    container.event_log.save_and_position(wo)
    return wo


def save(container: Container, *aggregates: Any) -> int:
    return container.event_log.save_and_position(*aggregates)


def test_an_assigned_work_order_is_on_the_technicians_list_until_done_and_moves_on_reassignment(
    container: Container,
) -> None:
    wu = user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,))
    ma = user(container, "tech.ma", [Role.TECHNICIAN], (ESTATE,))
    leak = order(container, "Leak in 3-201")
    lift = order(container, "Lift B noisy")
    assert todo(container, wu) == []  # submitted, not assigned: nobody's yet

    respond, resolve = NOW + timedelta(minutes=30), NOW + timedelta(hours=24)
    leak.triage("plumbing", "urgent", respond, resolve, NOW)
    leak.assign(wu, NOW)
    lift.triage("elevator", "normal", NOW + timedelta(hours=4), NOW + timedelta(days=3), NOW)
    lift.assign(wu, NOW)
    save(container, leak, lift)
    assert todo(container, wu) == [
        Item("workorder", "Leak in 3-201", "urgent", respond, "assigned"),  # due to respond
        Item("workorder", "Lift B noisy", "normal", NOW + timedelta(hours=4), "assigned"),
    ]

    leak.accept(NOW)
    leak.start(NOW)
    lift.assign(ma, NOW)  # reassigned: it moves to the other technician
    save(container, leak, lift)
    assert todo(container, wu) == [
        Item("workorder", "Leak in 3-201", "urgent", resolve, "in_progress")  # due to resolve
    ]
    assert [i.title for i in todo(container, ma)] == ["Lift B noisy"]

    leak.complete("Replaced the trap", [], Decimal("1.5"), Decimal("80.00"), "CNY", NOW)
    save(container, leak)
    assert todo(container, wu) == []


def test_an_approval_waits_on_the_role_of_its_level_in_the_estate_then_on_a_delegate(
    container: Container,
) -> None:
    requester = user(container, "cs.requester", [Role.CUSTOMER_SERVICE], (ESTATE,))
    desk = user(container, "cs.desk", [Role.CUSTOMER_SERVICE], (ESTATE,))
    far_desk = user(container, "cs.far", [Role.CUSTOMER_SERVICE], (OTHER,))
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,))
    pm2 = user(container, "pm.qin", [Role.PROPERTY_MANAGER], (ESTATE,))
    terms = PolicyTerms(
        levels=(Level("front_desk", "customer_service"), Level("department", "property_manager"))
    )
    approval = Approval.open(
        approval_id=uuid4(),
        kind="service_request",
        subject_id=uuid4(),
        estate_id=ESTATE,
        requested_by=requester,
        summary="Deep cleaning of the lobby",
        terms=terms,
        at=NOW,
    )
    save(container, approval)
    assert [i.title for i in todo(container, desk)] == ["Deep cleaning of the lobby"]
    assert todo(container, requester) == []  # never one's own request
    assert todo(container, far_desk) == []  # another estate
    assert todo(container, pm) == []  # not this level

    approval.approve(decider(desk, "customer_service"), None, NOW)
    save(container, approval)
    assert todo(container, desk) == []
    assert [i.status for i in todo(container, pm)] == ["pending"]
    assert len(todo(container, pm2)) == 1

    approval.delegate(decider(pm, "property_manager"), decider(pm2, "property_manager"), NOW)
    save(container, approval)
    assert todo(container, pm) == []
    assert len(todo(container, pm2)) == 1  # delegated to them by name

    approval.approve(decider(pm2, "property_manager"), "ok", NOW)
    save(container, approval)
    assert todo(container, pm2) == []


def test_a_request_approved_by_pre_screening_never_reaches_a_list(container: Container) -> None:
    desk = user(container, "cs.desk", [Role.CUSTOMER_SERVICE], (ESTATE,))
    terms = PolicyTerms(rules=(Rule(Outcome.APPROVE, "low urgency", urgency=(Urgency.LOW,)),))
    approval = Approval.open(
        approval_id=uuid4(),
        kind="service_request",
        subject_id=uuid4(),
        estate_id=ESTATE,
        requested_by=uuid4(),
        summary="Water the plants",
        terms=terms,
        at=NOW,
        urgency=Urgency.LOW,
    )
    save(container, approval)
    assert todo(container, desk) == []


def test_a_complaint_is_on_its_handlers_list_until_resolved_and_moves_to_managers_on_escalation(
    container: Container,
) -> None:
    cs = user(container, "cs.desk", [Role.CUSTOMER_SERVICE], (ESTATE,))
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,))
    complaint = Complaint.receive(
        id=uuid4(),
        estate_id=ESTATE,
        unit_id=None,
        subject="Noise at night",
        description="Every night after 23:00",
        complainant_id=uuid4(),
        at=NOW,
    )
    complaint.assign(pm, cs, NOW)
    save(container, complaint)
    assert todo(container, cs) == [
        Item("complaint", "Noise at night", None, None, "handler_assigned")
    ]
    complaint.escalate(cs, "needs the manager", NOW)
    save(container, complaint)
    assert todo(container, cs) == []
    # Escalated, it waits on the estate's property managers' lists.
    assert [(i.kind, i.status) for i in todo(container, pm)] == [("complaint", "escalated")]
    complaint.assign(pm, pm, NOW)  # the escalation reassigns it
    complaint.respond(pm, "We spoke to the neighbour", NOW)
    save(container, complaint)
    assert [i.status for i in todo(container, pm)] == ["responded"]
    complaint.resolve(pm, "Quiet since", NOW)
    save(container, complaint)
    assert todo(container, pm) == []


def test_a_scheduled_service_request_is_on_its_assignees_list_until_done(
    container: Container,
) -> None:
    cleaner = user(container, "cs.cleaner", [Role.CUSTOMER_SERVICE], (ESTATE,))
    request = ServiceRequest.submit(
        id=uuid4(),
        estate_id=ESTATE,
        unit_id=None,
        category=Category.CLEANING,
        description="Clean the stairwell",
        urgency=Urgency.HIGH,
        requested_by=uuid4(),
        at=NOW,
    )
    request.accept(cleaner, uuid4(), NOW)
    assert request.approval_id is not None
    request.approval_decided(request.approval_id, "approved", None, NOW)
    request.schedule(cleaner, NOW + timedelta(days=1), cleaner, NOW)
    save(container, request)
    [item] = todo(container, cleaner)
    assert (item.kind, item.title, item.priority, item.due_at, item.status) == (
        "service_request",
        "Clean the stairwell",
        "high",
        NOW + timedelta(days=1),
        "scheduled",
    )
    request.complete(cleaner, None, NOW)
    save(container, request)
    assert todo(container, cleaner) == []


def patrol_task(assignee: UUID, starts: datetime, ends: datetime, *points: str) -> PatrolTask:
    """A night round's task of ``points`` (each one's code is its name)."""
    checklist = [{"item_id": "1", "label": "Locked"}]
    return PatrolTask.generate(
        id=uuid4(),
        estate_id=ESTATE,
        plan_id=uuid4(),
        route_id=uuid4(),
        route_name="Night round",
        assignee_id=assignee,
        shift_on=NOW.date(),
        starts_at=starts,
        ends_at=ends,
        points=[
            {"point_id": str(uuid4()), "code": p, "name": p, "checklist": checklist} for p in points
        ],
        at=NOW,
    )


def reading_round(technician: UUID, meters: list[UUID], due_on: date, by: UUID) -> ReadingRound:
    return ReadingRound.plan(
        id=uuid4(),
        estate_id=ESTATE,
        period="2026-03",
        technician_id=technician,
        meter_ids=meters,
        due_on=due_on,
        by=by,
        at=NOW,
    )


def test_a_patrol_task_is_on_its_patrollers_list_with_its_shift_and_points_until_it_closes(
    container: Container,
) -> None:
    wu = user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,))
    ma = user(container, "tech.ma", [Role.TECHNICIAN], (ESTATE,))
    starts, ends = NOW + timedelta(hours=1), NOW + timedelta(hours=9)
    task = patrol_task(wu, starts, ends, "gate", "roof", "pump")
    save(container, task)
    shift = ("patrol_task", "Night round", starts, ends, None)
    assert walks(container, wu) == [Walk(*shift, "open", 0, 3)]
    assert walks(container, ma) == []

    gate = task.points[0]
    task.check_in(gate["point_id"], "gate", [{"item_id": "1", "result": "normal"}], wu, starts)
    task.watch(starts + timedelta(hours=6))  # the roof was due by 5h20m: late
    save(container, task)
    assert walks(container, wu) == [Walk(*shift, "late", 1, 3)]

    task.watch(ends)  # the shift is over: missed points, closed
    save(container, task)
    assert walks(container, wu) == []


def test_a_reading_round_is_on_its_technicians_list_with_the_meters_left_until_closed(
    container: Container,
) -> None:
    wu = user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,))
    pm = user(container, "pm.li", [Role.PROPERTY_MANAGER], (ESTATE,))
    meters = [uuid4() for _ in range(3)]
    due_on = date(2026, 3, 6)
    tour = reading_round(wu, meters, due_on, pm)
    save(container, tour)
    due = datetime(2026, 3, 7, tzinfo=UTC)  # the due date's end
    title = "Meter reading for 2026-03"
    assert walks(container, wu) == [Walk("meter_round", title, None, due, due_on, "open", 0, 3)]
    assert walks(container, pm) == []  # planned by them, not theirs to read

    tour.note(meters[0], uuid4(), "held", NOW)
    tour.note(meters[1], uuid4(), "recorded", NOW)
    tour.note(meters[0], uuid4(), "recorded", NOW)  # the held one, confirmed: one meter
    save(container, tour)
    assert [(w.done, w.total) for w in walks(container, wu)] == [(2, 3)]

    tour.close(pm, NOW)
    save(container, tour)
    assert walks(container, wu) == []


def test_the_patrol_and_the_round_sort_among_the_work_orders_by_due_time(
    container: Container,
) -> None:
    wu = user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,))
    leak = order(container, "Leak in 3-201")
    leak.triage("plumbing", "normal", NOW + timedelta(hours=2), NOW + timedelta(days=3), NOW)
    leak.assign(wu, NOW)
    task = patrol_task(wu, NOW, NOW + timedelta(hours=1), "gate")
    tour = reading_round(wu, [uuid4()], date(2026, 3, 2), uuid4())
    save(container, leak, task, tour)
    assert [i.kind for i in todo(container, wu)] == ["patrol_task", "workorder", "meter_round"]


def decider(user_id: UUID, role: str) -> Decider:
    return Decider(
        user_id=user_id, roles=frozenset({role}), estates=frozenset({ESTATE}), estate_scope=True
    )
