"""The workorders handlers on the in-memory log: who may do what to which order,
and what each command records. Given a world, when a command, then these events
(or this refusal, with nothing recorded)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.errors import Forbidden, NotFound
from application.workorders import commands as c
from domain.errors import InvalidTransition, ValidationFailed
from domain.workorders.order import Source, Status, WorkOrder
from domain.workorders.plan import MaintenancePlan, PlanStatus
from tests.unit.workorders.given import World, world


@pytest.fixture
def w() -> World:
    return world()


def submitted(w: World) -> UUID:
    order_id, _, _ = w.svc.submit(
        c.SubmitOrder(w.resident_a, "Leaking tap", "Drips all night", unit_id=w.unit_a)
    )
    return order_id


def assigned(w: World) -> UUID:
    order_id = submitted(w)
    w.svc.triage(c.TriageOrder(w.manager_a, order_id, "plumbing", "high"))
    w.svc.assign(c.AssignOrder(w.manager_a, order_id, w.tech_1.user_id))
    return order_id


def events_of(w: World, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in w.log.domain_events(aggregate_id)]


# ---- submit ------------------------------------------------------------------


def test_a_resident_submits_for_the_unit_they_occupy(w: World) -> None:
    order_id = submitted(w)
    order = w.svc.get(order_id)
    assert (order.estate_id, order.unit_id) == (w.estate_a, w.unit_a)
    assert order.source == Source.RESIDENT
    assert order.requested_by == w.resident_a.user_id


def test_a_resident_may_not_submit_for_a_unit_they_do_not_occupy(w: World) -> None:
    with pytest.raises(NotFound, match="no such unit, or not yours"):
        w.svc.submit(c.SubmitOrder(w.resident_b, "Leak", "Leak", unit_id=w.unit_a))
    assert not [e for e in w.log.domain_events() if isinstance(e, WorkOrder.Event)]


def test_a_resident_of_one_unit_who_names_none_submits_for_that_unit(w: World) -> None:
    order_id, _, _ = w.svc.submit(c.SubmitOrder(w.resident_a, "Leak", "Leak", estate_id=w.estate_a))
    order = w.svc.get(order_id)
    assert (order.estate_id, order.unit_id, order.source) == (w.estate_a, w.unit_a, Source.RESIDENT)


def test_staff_who_name_no_estate_are_told_the_field_is_missing(w: World) -> None:
    head = w.log.head()
    with pytest.raises(ValidationFailed, match=r"^estate_id: required"):
        w.svc.submit(c.SubmitOrder(w.manager_a, "Lobby", "Light"))
    assert w.log.head() == head


def test_each_order_answers_the_next_number_of_its_estate_and_year(w: World) -> None:
    year = w.svc.deps.clock().year
    answers = [
        w.svc.submit(c.SubmitOrder(w.manager_a, "Lobby", "Light", estate_id=w.estate_a)),
        w.svc.submit(c.SubmitOrder(w.resident_a, "Tap", "Drips", unit_id=w.unit_a)),
        w.svc.submit(c.SubmitOrder(w.manager_b, "Gate", "Stuck", estate_id=w.estate_b)),
    ]
    assert [number for _, _, number in answers] == [
        f"A-WO-{year}-000001",
        f"A-WO-{year}-000002",
        f"B-WO-{year}-000001",
    ]


def test_staff_submit_for_an_estate_they_serve(w: World) -> None:
    order_id, _, _ = w.svc.submit(
        c.SubmitOrder(w.manager_a, "Lobby", "Light", estate_id=w.estate_a)
    )
    assert w.svc.get(order_id).source == Source.STAFF


def test_staff_of_another_estate_cannot_submit_there(w: World) -> None:
    with pytest.raises(NotFound):
        w.svc.submit(c.SubmitOrder(w.manager_b, "Lobby", "Light", estate_id=w.estate_a))


def test_an_order_may_not_name_another_estates_equipment(w: World) -> None:
    pump_b = w.equipment(w.estate_b)
    with pytest.raises(NotFound, match="no such equipment in this estate"):
        w.svc.submit(
            c.SubmitOrder(w.manager_a, "Pump", "Noise", estate_id=w.estate_a, equipment_id=pump_b)
        )
    pump_a = w.equipment(w.estate_a)
    order_id, _, _ = w.svc.submit(
        c.SubmitOrder(w.manager_a, "Pump", "Noise", estate_id=w.estate_a, equipment_id=pump_a)
    )
    assert w.svc.get(order_id).equipment_id == pump_a


# ---- staff commands ----------------------------------------------------------


def test_triage_sets_the_sla_deadlines(w: World) -> None:
    order_id = submitted(w)
    w.svc.triage(c.TriageOrder(w.manager_a, order_id, "plumbing", "urgent"))
    order = w.svc.get(order_id)
    assert order.status == Status.TRIAGED
    assert order.respond_by is not None and order.resolve_by is not None


def test_another_estates_manager_finds_no_order(w: World) -> None:
    order_id = submitted(w)
    with pytest.raises(NotFound):
        w.svc.triage(c.TriageOrder(w.manager_b, order_id, "plumbing", "high"))
    assert events_of(w, order_id) == ["Submitted"]


def test_the_requester_sees_the_order_but_may_not_triage_it(w: World) -> None:
    order_id = submitted(w)
    with pytest.raises(Forbidden, match="workorders:manage"):
        w.svc.triage(c.TriageOrder(w.resident_a, order_id, "plumbing", "high"))


def test_a_missing_order_is_not_found_with_its_detail(w: World) -> None:
    with pytest.raises(NotFound, match="no such work order"):
        w.svc.triage(c.TriageOrder(w.admin, uuid4(), "plumbing", "high"))


def test_only_a_technician_of_the_estate_is_assigned(w: World) -> None:
    order_id = submitted(w)
    w.svc.triage(c.TriageOrder(w.manager_a, order_id, "plumbing", "high"))
    with pytest.raises(ValidationFailed, match="not a technician"):
        w.svc.assign(c.AssignOrder(w.manager_a, order_id, w.resident_a.user_id))
    w.svc.assign(c.AssignOrder(w.manager_a, order_id, w.tech_1.user_id))
    assert w.svc.get(order_id).assignee_id == w.tech_1.user_id


# ---- the technician's commands ---------------------------------------------------


def test_the_assigned_technician_works_the_order_to_completion(w: World) -> None:
    order_id = assigned(w)
    w.svc.accept(c.WorkOn(w.tech_1, order_id))
    w.svc.start(c.WorkOn(w.tech_1, order_id))
    w.svc.hold(c.WorkOnWithReason(w.tech_1, order_id, "waiting for a part"))
    w.svc.resume(c.WorkOn(w.tech_1, order_id))
    parts = [{"name": "washer", "qty": Decimal("2"), "unit_cost": Decimal("1.25")}]
    w.svc.complete(c.CompleteOrder(w.tech_1, order_id, "Replaced", parts, Decimal("1"), "CNY"))
    order = w.svc.get(order_id)
    assert order.status == Status.COMPLETED
    assert order.cost == Decimal("2.50")  # the sum of the parts when no cost is given
    assert events_of(w, order_id)[-5:] == [
        "Accepted",
        "Started",
        "PutOnHold",
        "Resumed",
        "Completed",
    ]


def test_another_technician_finds_no_order_and_staff_may_not_work_it(w: World) -> None:
    order_id = assigned(w)
    with pytest.raises(NotFound):  # technicians see only the orders assigned to them
        w.svc.accept(c.WorkOn(w.tech_2, order_id))
    with pytest.raises(Forbidden, match="only the assigned technician"):
        w.svc.accept(c.WorkOn(w.manager_a, order_id))


def test_nobody_works_an_order_assigned_to_nobody(w: World) -> None:
    order_id = submitted(w)
    with pytest.raises(InvalidTransition, match="assigned to nobody"):
        w.svc.accept(c.WorkOn(w.manager_a, order_id))


def test_a_resident_of_another_estate_finds_no_order_to_work(w: World) -> None:
    order_id = assigned(w)
    with pytest.raises(NotFound):
        w.svc.start(c.WorkOn(w.resident_b, order_id))


# ---- after the work ----------------------------------------------------------------


def completed(w: World) -> UUID:
    order_id = assigned(w)
    w.svc.accept(c.WorkOn(w.tech_1, order_id))
    w.svc.start(c.WorkOn(w.tech_1, order_id))
    w.svc.complete(c.CompleteOrder(w.tech_1, order_id, "Done", [], Decimal("1"), "CNY"))
    return order_id


def test_the_requester_rates_and_closes(w: World) -> None:
    order_id = completed(w)
    w.svc.rate(c.RateOrder(w.resident_a, order_id, 5, "Quick"))
    w.svc.close(c.CloseOrder(w.resident_a, order_id))
    assert w.svc.get(order_id).status == Status.CLOSED


def test_only_the_requester_rates(w: World) -> None:
    order_id = completed(w)
    with pytest.raises(Forbidden, match="only the requester rates"):
        w.svc.rate(c.RateOrder(w.tech_1, order_id, 1))
    with pytest.raises(NotFound):
        w.svc.rate(c.RateOrder(w.resident_b, order_id, 1))


def test_the_requester_cancels_only_before_assignment(w: World) -> None:
    early = submitted(w)
    w.svc.cancel(c.AfterWork(w.resident_a, early, "duplicate"))
    assert w.svc.get(early).status == Status.CANCELLED
    late = assigned(w)
    with pytest.raises(InvalidTransition):
        w.svc.cancel(c.AfterWork(w.resident_a, late, "changed my mind"))
    w.svc.cancel(c.AfterWork(w.manager_a, late, "handled by the landlord"))
    assert w.svc.get(late).status == Status.CANCELLED


def test_a_technician_may_not_reopen(w: World) -> None:
    order_id = completed(w)
    with pytest.raises(Forbidden, match="the requester or the estate's staff"):
        w.svc.reopen(c.AfterWork(w.tech_1, order_id, "again"))
    w.svc.reopen(c.AfterWork(w.resident_a, order_id, "leaks again"))
    assert w.svc.get(order_id).status == Status.TRIAGED


# ---- maintenance plans -------------------------------------------------------------


def plan(w: World) -> UUID:
    plan_id, _ = w.svc.create_plan(
        c.CreatePlan(
            actor=w.manager_a,
            estate_id=w.estate_a,
            title="Lift inspection",
            interval_days=30,
            first_due_on=date(2026, 1, 1),
            priority="normal",
            equipment_kind="elevator",
            technician_id=w.tech_1.user_id,
        )
    )
    return plan_id


def test_a_manager_creates_pauses_resumes_and_retires_a_plan(w: World) -> None:
    plan_id = plan(w)
    w.svc.pause_plan(c.PlanStep(w.manager_a, plan_id, "lift replaced"))
    assert w.svc.get_plan(plan_id).status == PlanStatus.PAUSED
    w.svc.resume_plan(c.PlanStep(w.manager_a, plan_id))
    w.svc.change_plan(c.ChangePlan(w.manager_a, plan_id, {"interval_days": 60}))
    w.svc.retire_plan(c.PlanStep(w.manager_a, plan_id, "contract ended"))
    plan_now = w.svc.get_plan(plan_id)
    assert (plan_now.status, plan_now.interval_days) == (PlanStatus.RETIRED, 60)


def test_another_estates_manager_finds_no_plan(w: World) -> None:
    plan_id = plan(w)
    with pytest.raises(NotFound):
        w.svc.pause_plan(c.PlanStep(w.manager_b, plan_id, "mine now"))
    with pytest.raises(NotFound):
        w.svc.create_plan(
            c.CreatePlan(
                actor=w.manager_b,
                estate_id=w.estate_a,
                title="Sneaky",
                interval_days=30,
                first_due_on=date(2026, 1, 1),
                priority="normal",
                equipment_kind="pump",
            )
        )


def test_a_technician_reads_plans_but_may_not_change_them(w: World) -> None:
    plan_id = plan(w)
    with pytest.raises((Forbidden, NotFound)):
        w.svc.retire_plan(c.PlanStep(w.tech_1, plan_id, "no"))
    assert isinstance(w.svc.get_plan(plan_id), MaintenancePlan)


def test_a_missing_plan_is_not_found_with_its_detail(w: World) -> None:
    with pytest.raises(NotFound, match="no such maintenance plan"):
        w.svc.resume_plan(c.PlanStep(w.admin, uuid4()))
