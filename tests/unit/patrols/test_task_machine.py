"""A patrol task as a Hypothesis state machine: points checked in any order or
missed; never one checked twice; no check-in outside the shift or after it
closed; completion rate = checked / points; at close every point is checked
or missed, never both."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import InvalidTransition
from domain.patrols.task import PatrolTask, TaskStatus

STARTS = datetime(2026, 3, 2, 14, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=8)
NS = UUID("7b0c6a4e-1d2f-4c3b-9a8e-5f6d7c8b9a01")
WHO = uuid5(NS, "guard")
MINUTES = st.integers(min_value=-60, max_value=9 * 60)


def _points(count: int) -> list[dict[str, object]]:
    return [
        {
            "point_id": str(uuid5(NS, f"p{i}")),
            "name": f"P{i}",
            "place": None,
            "code": f"code-{i}",
            "checklist": [{"item_id": "1", "label": "ok", "unit": None, "low": None, "high": None}],
        }
        for i in range(count)
    ]


class TaskMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.task: PatrolTask | None = None
        self.checked: set[str] = set()
        self.late_told: set[str] = set()
        self.closed = False
        self.now = STARTS

    @precondition(lambda self: self.task is None)
    @rule(count=st.integers(min_value=1, max_value=6))
    def generate(self, count: int) -> None:
        self.task = PatrolTask.generate(
            id=uuid5(NS, "task"),
            estate_id=uuid5(NS, "estate"),
            plan_id=uuid5(NS, "plan"),
            route_id=uuid5(NS, "route"),
            route_name="Night",
            assignee_id=WHO,
            shift_on=date(2026, 3, 2),
            starts_at=STARTS,
            ends_at=ENDS,
            points=_points(count),
            at=STARTS - timedelta(hours=1),
        )

    @precondition(lambda self: self.task is not None)
    @rule(index=st.integers(min_value=0, max_value=5), minutes=MINUTES, abnormal=st.booleans())
    def check_in(self, index: int, minutes: int, abnormal: bool) -> None:
        assert self.task is not None
        point = self.task.points[index % len(self.task.points)]
        at = STARTS + timedelta(minutes=minutes)
        answer = {"item_id": "1", "result": "abnormal" if abnormal else "normal", "note": "x"}
        refused = self.closed or at >= ENDS or at < STARTS or point["point_id"] in self.checked
        order = uuid5(NS, f"order-{index}-{minutes}") if abnormal else None
        try:
            self.task.check_in(point["point_id"], point["code"], [answer], WHO, at, order)
        except InvalidTransition:
            assert refused
            return
        assert not refused, "a check-in the machine says is refused was taken"
        self.checked.add(point["point_id"])

    @precondition(lambda self: self.task is not None)
    @rule(minutes=MINUTES)
    def watch(self, minutes: int) -> None:
        assert self.task is not None
        self.now = max(self.now, STARTS + timedelta(minutes=minutes))
        before = set(self.task.late)
        self.task.watch(self.now)
        for pid in set(self.task.late) - before:
            assert pid not in self.checked or pid in before, "a checked point told late"
            assert pid not in self.late_told, "told late twice"
            self.late_told.add(pid)
        if self.now >= ENDS:
            self.closed = True

    @invariant()
    def rates_and_sets(self) -> None:
        task = self.task
        if task is None:
            return
        assert set(task.checked) == self.checked
        assert task.completion_rate == Decimal(len(self.checked)) / Decimal(len(task.points))
        assert not set(task.missed) & set(task.checked)
        assert len(task.missed) == len(set(task.missed))
        if self.closed:
            assert task.status is TaskStatus.CLOSED
            assert len(task.checked) + len(task.missed) == len(task.points)
        else:
            assert task.status is TaskStatus.OPEN and not task.missed


TaskMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_patrol_task = TaskMachine.TestCase
