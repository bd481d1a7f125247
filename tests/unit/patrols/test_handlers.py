"""The patrol handlers on the in-memory log: who may do what, the codes, the
tasks per shift, check-ins and the work order an abnormal answer opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from application.errors import Forbidden, NotFound
from application.patrols import commands as c
from domain.errors import InvalidTransition, ValidationFailed
from domain.patrols.plan import PatrolPlan
from domain.patrols.route import PatrolRoute
from domain.patrols.task import PatrolTask
from domain.workorders.order import WorkOrder
from tests.unit.patrols.given import NIGHT, World, world

NORMAL: list[dict[str, Any]] = [
    {"item_id": "1", "result": "normal", "value": "0.42"},
    {"item_id": "2", "result": "normal"},
]


def _point(task: PatrolTask, index: int) -> dict[str, Any]:
    return task.points[index]


def _check(w: World, task: PatrolTask, index: int, answers: list[dict[str, Any]], **kw: Any) -> Any:
    point = _point(task, index)
    return w.svc.check_in(
        c.CheckIn(
            kw.get("actor", w.tech_a),
            task.id,
            point["point_id"],
            kw.get("code", point["code"]),
            answers,
        )
    )


def test_a_route_gives_each_point_an_unguessable_code_of_its_own() -> None:
    w = world()
    route = w.log.repository.get(w.route())
    assert isinstance(route, PatrolRoute)
    codes = [p["code"] for p in route.points]
    assert len(set(codes)) == 3 and all(len(code) == 32 for code in codes)
    assert [p["name"] for p in route.points] == ["Pump room", "East gate", "Roof"]
    assert route.points[0]["checklist"][0] == {
        "item_id": "1",
        "label": "Pressure",
        "unit": "MPa",
        "low": "0.30",
        "high": "0.60",
    }


def test_another_estates_manager_cannot_see_or_change_the_route() -> None:
    w = world()
    route_id = w.route()
    with pytest.raises(NotFound):
        w.svc.retire_route(c.RetireRoute(w.manager_b, route_id, "mine now"))
    with pytest.raises(NotFound):
        w.svc.create_route(c.CreateRoute(w.manager_b, w.estate_a, "X", [dict(w_point())]))
    with pytest.raises(NotFound):  # a patroller reads their tasks, not the routes
        w.svc.retire_route(c.RetireRoute(w.tech_a, route_id, "not mine to do"))


def w_point() -> dict[str, Any]:
    return {"name": "Lobby", "checklist": [{"label": "Lights on"}]}


def test_a_reading_with_a_range_needs_its_unit() -> None:
    w = world()
    bad = [{"name": "Tank", "checklist": [{"label": "Level", "low": "1"}]}]
    with pytest.raises(ValidationFailed, match="unit"):
        w.route(bad)


def test_a_plan_goes_only_to_a_technician_or_gate_guard_of_the_estate() -> None:
    w = world()
    route_id = w.route()
    with pytest.raises(ValidationFailed, match="assignee_id"):
        w.plan(route_id, w.tech_b)
    with pytest.raises(ValidationFailed, match="assignee_id"):
        w.plan(route_id, w.manager_a)
    plan = w.log.repository.get(w.plan(route_id, w.guard_a))
    assert isinstance(plan, PatrolPlan) and plan.assignee_id == w.guard_a.user_id


def test_one_task_per_shift_generated_before_it_starts_in_utc() -> None:
    w = world()
    plan_id = w.plan(w.route())
    assert w.svc.generate_tasks(NIGHT - timedelta(hours=3)) == 0  # too early
    assert w.svc.generate_tasks(NIGHT - timedelta(hours=1)) == 1
    assert w.svc.generate_tasks(NIGHT) == 0  # once per shift
    [task] = [
        e for e in w.log.domain_events() if type(e).__qualname__.endswith("PatrolTask.Generated")
    ]
    assert task.starts_at == datetime(2026, 3, 2, 14, tzinfo=UTC)  # 22:00 Shanghai
    assert task.ends_at == datetime(2026, 3, 2, 22, tzinfo=UTC)  # 06:00 the next morning
    assert [p["due_by"] for p in task.points][-1] == task.ends_at.isoformat()
    plan = w.log.repository.get(plan_id)
    assert isinstance(plan, PatrolPlan) and plan.next_shift_on.isoformat() == "2026-03-03"


def test_shifts_nobody_generated_are_skipped_not_made_up() -> None:
    w = world()
    plan_id = w.plan(w.route())
    assert w.svc.generate_tasks(NIGHT + timedelta(days=3, hours=1)) == 1
    [generated] = [
        e for e in w.log.domain_events(plan_id) if type(e).__qualname__.endswith("TaskGenerated")
    ]
    assert generated.shift_on.isoformat() == "2026-03-05" and generated.skipped == 3


def test_a_normal_check_in_opens_no_order_and_counts_once() -> None:
    w = world()
    task = w.task()
    w.clock.fix(NIGHT + timedelta(hours=1))
    order_id, _ = _check(w, task, 0, NORMAL)
    assert order_id is None
    with pytest.raises(InvalidTransition, match="checked already"):
        _check(w, task, 0, NORMAL)
    done = w.log.repository.get(task.id)
    assert isinstance(done, PatrolTask) and done.completion_rate == Decimal(1) / Decimal(3)


def test_an_abnormal_answer_opens_a_work_order_in_the_same_append() -> None:
    w = world()
    task = w.task()
    w.clock.fix(NIGHT + timedelta(hours=1))
    answers = [
        {"item_id": "1", "result": "normal", "value": "0.12"},  # below 0.30: abnormal
        {"item_id": "2", "result": "abnormal", "note": "seeping at the base", "photo_ref": "p.jpg"},
    ]
    head = w.log.head()
    order_id, position = _check(w, task, 0, answers)
    assert order_id is not None and position == head + 2
    order = w.log.repository.get(order_id)
    assert isinstance(order, WorkOrder)
    assert order.source.value == "patrol" and order.estate_id == w.estate_a
    assert order.source_ref == f"{task.id}:{_point(task, 0)['point_id']}"
    assert "Pressure abnormal 0.12 MPa" in order.description
    assert "seeping at the base [photo p.jpg]" in order.description
    [checked] = [e for e in w.log.domain_events(task.id) if type(e).__name__ == "CheckedIn"]
    assert checked.abnormal == ["1", "2"] and checked.work_order_id == order_id


def test_the_code_of_another_point_is_refused_and_nothing_is_saved() -> None:
    w = world()
    task = w.task()
    head = w.log.head()
    with pytest.raises(ValidationFailed, match="code"):
        _check(w, task, 0, NORMAL, code=_point(task, 1)["code"])
    assert w.log.head() == head


def test_every_item_must_be_answered_and_a_reading_given() -> None:
    w = world()
    task = w.task()
    with pytest.raises(ValidationFailed, match="not answered"):
        _check(w, task, 0, NORMAL[:1])
    with pytest.raises(ValidationFailed, match="value"):
        _check(w, task, 0, [{"item_id": "1", "result": "normal"}, NORMAL[1]])
    with pytest.raises(ValidationFailed, match="note"):
        _check(w, task, 1, [{"item_id": "1", "result": "abnormal"}])


def test_only_the_assignee_checks_in() -> None:
    w = world()
    task = w.task()
    with pytest.raises(NotFound):
        _check(w, task, 1, [{"item_id": "1", "result": "normal"}], actor=w.guard_a)
    with pytest.raises(NotFound):
        _check(w, task, 1, [{"item_id": "1", "result": "normal"}], actor=w.tech_b)
    with pytest.raises(Forbidden):
        _check(w, task, 1, [{"item_id": "1", "result": "normal"}], actor=w.manager_a)


def test_late_then_missed_points_and_no_check_in_after_the_shift() -> None:
    w = world()
    task = w.task()
    w.clock.fix(NIGHT + timedelta(hours=1))
    _check(w, task, 0, NORMAL)
    # Past the second point's due time (two thirds of the shift): it is late.
    assert w.svc.watch_tasks(NIGHT + timedelta(hours=6)) == 1
    names = [type(e).__name__ for e in w.log.domain_events(task.id)]
    assert names.count("PointLate") == 1
    assert w.svc.watch_tasks(NIGHT + timedelta(hours=6, minutes=5)) == 0  # told once
    w.clock.fix(NIGHT + timedelta(hours=7))
    _, _ = _check(w, task, 1, [{"item_id": "1", "result": "normal"}])  # late, still counted
    assert w.svc.watch_tasks(NIGHT + timedelta(hours=8)) == 1
    events = w.log.domain_events(task.id)
    missed = [e for e in events if type(e).__name__ == "PointMissed"]
    assert [e.point_name for e in missed] == ["Roof"]
    assert [e.late for e in events if type(e).__name__ == "CheckedIn"] == [False, True]
    w.clock.fix(NIGHT + timedelta(hours=8, minutes=1))
    with pytest.raises(InvalidTransition, match="shift is over"):
        _check(w, task, 2, [{"item_id": "1", "result": "normal"}])


def test_a_paused_plan_generates_nothing_and_a_reassigned_one_goes_to_the_new_person() -> None:
    w = world()
    plan_id = w.plan(w.route())
    w.svc.pause_plan(c.PausePlan(w.manager_a, plan_id, "lift works on the roof"))
    assert w.svc.generate_tasks(NIGHT) == 0
    with pytest.raises(InvalidTransition):
        w.svc.pause_plan(c.PausePlan(w.manager_a, plan_id, "again"))
    w.svc.resume_plan(c.ResumePlan(w.manager_a, plan_id))
    w.svc.reassign_plan(c.ReassignPlan(w.manager_a, plan_id, w.guard_a.user_id))
    with pytest.raises(ValidationFailed, match="assignee_id"):
        w.svc.reassign_plan(c.ReassignPlan(w.manager_a, plan_id, w.tech_b.user_id))
    with pytest.raises(NotFound):
        w.svc.reassign_plan(c.ReassignPlan(w.manager_b, plan_id, w.tech_b.user_id))
    assert w.svc.generate_tasks(NIGHT) == 1
    [task] = [
        e for e in w.log.domain_events() if type(e).__qualname__.endswith("PatrolTask.Generated")
    ]
    assert task.assignee_id == w.guard_a.user_id
    w.svc.retire_plan(c.RetirePlan(w.manager_a, plan_id, "new route"))
    assert w.svc.generate_tasks(NIGHT + timedelta(days=1)) == 0


def test_a_point_added_to_a_route_is_walked_from_the_next_task_on() -> None:
    w = world()
    route_id = w.route()
    w.plan(route_id)
    w.svc.add_point(c.AddPoint(w.manager_a, route_id, "Lobby", [{"label": "Lights on"}]))
    with pytest.raises(ValidationFailed, match="name"):
        w.svc.add_point(c.AddPoint(w.manager_a, route_id, "Lobby", [{"label": "Again"}]))
    assert w.svc.generate_tasks(NIGHT) == 1
    [task] = [
        e for e in w.log.domain_events() if type(e).__qualname__.endswith("PatrolTask.Generated")
    ]
    assert [p["name"] for p in task.points][-1] == "Lobby" and len(task.points) == 4
    w.svc.retire_route(c.RetireRoute(w.manager_a, route_id, "rebuilt"))
    with pytest.raises(ValidationFailed, match="retired"):
        w.plan(route_id)
    assert w.svc.generate_tasks(NIGHT + timedelta(days=1)) == 0  # no task on a retired route


def test_a_plan_runs_on_its_weekdays_only() -> None:
    w = world()
    plan_id, _ = w.svc.create_plan(
        c.CreatePlan(
            actor=w.manager_a,
            route_id=w.route(),
            name="Weekend patrol",
            assignee_id=w.tech_a.user_id,
            shift_starts="09:00",
            shift_minutes=240,
            first_shift_on=NIGHT.date(),  # a Monday
            weekdays=[6, 7],
        )
    )
    plan = w.log.repository.get(plan_id)
    assert isinstance(plan, PatrolPlan) and plan.next_shift_on.isoformat() == "2026-03-07"
    with pytest.raises(ValidationFailed, match="timezone"):
        w.svc.create_plan(
            c.CreatePlan(
                actor=w.manager_a,
                route_id=w.route(),
                name="Nowhere",
                assignee_id=w.tech_a.user_id,
                shift_starts="09:00",
                shift_minutes=240,
                first_shift_on=NIGHT.date(),
                timezone="Mars/Olympus",
            )
        )
