"""A Hypothesis state machine over work-order commands (pure domain, no I/O).

Any sequence of commands leaves the order in a state the transition table
can reach; a refused command records nothing; the order rebuilt from its
events equals the live one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError
from domain.workorders.order import (
    OPEN_STATUSES,
    TRANSITIONS,
    Category,
    Priority,
    Status,
    WorkOrder,
)
from domain.workorders.sla import SlaPolicy
from tests.support.examples import examples

START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
TECHNICIANS = [uuid4() for _ in range(3)]
REACHABLE = {target for _, target in TRANSITIONS.values()} | {Status.SUBMITTED}


class WorkOrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.order = WorkOrder.submit(
            id=uuid4(),
            estate_id=uuid4(),
            title="Leak",
            description="Ceiling leak",
            source="resident",
            source_ref=None,
            requested_by=uuid4(),
            at=self.now,
            unit_id=uuid4(),
        )
        self.events: list[Any] = list(self.order.collect_events())
        self.breach_kinds: list[str] = []

    def attempt(self, command: str, call: Any) -> None:
        before = self.order.status
        allowed = before in TRANSITIONS[command][0]
        version = self.order.version
        try:
            call()
        except DomainError:
            assert self.order.version == version, "a refused command recorded something"
            assert self.order.status == before
            pending = self.order.collect_events()
            assert not pending
            return
        assert allowed, f"{command} succeeded in {before}"
        self.events += self.order.collect_events()

    @rule(minutes=st.integers(min_value=0, max_value=60 * 24 * 10))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(category=st.sampled_from(Category), priority=st.sampled_from(Priority))
    def triage(self, category: Category, priority: Priority) -> None:
        respond_by, resolve_by = SlaPolicy().deadlines(priority, self.order.submitted_at)
        self.attempt(
            "triage",
            lambda: self.order.triage(category, priority, respond_by, resolve_by, self.now),
        )

    @rule(technician=st.sampled_from(TECHNICIANS))
    def assign(self, technician: UUID) -> None:
        self.attempt("assign", lambda: self.order.assign(technician, self.now))

    @rule()
    def accept(self) -> None:
        self.attempt("accept", lambda: self.order.accept(self.now))

    @rule()
    def reject(self) -> None:
        self.attempt("reject", lambda: self.order.reject("busy", self.now))

    @rule()
    def start(self) -> None:
        self.attempt("start", lambda: self.order.start(self.now))

    @rule()
    def hold(self) -> None:
        self.attempt("hold", lambda: self.order.hold("parts", self.now))

    @rule()
    def resume(self) -> None:
        self.attempt("resume", lambda: self.order.resume(self.now))

    @rule(hours=st.decimals(min_value=0, max_value=100, places=2))
    def complete(self, hours: Decimal) -> None:
        parts = [{"name": "valve", "qty": Decimal("1"), "unit_cost": Decimal("12.50")}]
        self.attempt(
            "complete",
            lambda: self.order.complete("fixed", parts, hours, Decimal("12.50"), "CNY", self.now),
        )

    @rule(rating=st.integers(min_value=0, max_value=6))
    def rate(self, rating: int) -> None:
        self.attempt("rate", lambda: self.order.rate(rating, None, self.now))

    @rule()
    def close(self) -> None:
        self.attempt("close", lambda: self.order.close(self.now))

    @rule(by_requester=st.booleans())
    def cancel(self, by_requester: bool) -> None:
        self.attempt("cancel", lambda: self.order.cancel("no", self.now, by_requester=by_requester))

    @rule()
    def reopen(self) -> None:
        self.attempt("reopen", lambda: self.order.reopen("again", self.now))

    @rule()
    def scheduler_runs(self) -> None:
        found = self.order.detect_sla_breaches(self.now)
        new = self.order.collect_events()
        assert len(new) == found
        self.events += new
        self.breach_kinds += [vars(e)["kind"] for e in new]
        assert self.order.detect_sla_breaches(self.now) == 0  # at most once per moment

    @invariant()
    def state_is_legal(self) -> None:
        order = self.order
        assert order.status in REACHABLE
        live = (Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)
        if order.status in live:
            assert order.assignee_id is not None
        if order.status in (Status.SUBMITTED, Status.TRIAGED):
            assert order.assignee_id is None
        if order.status is not Status.SUBMITTED:
            assert order.priority is not None or order.status is Status.CANCELLED
        if order.status in (Status.COMPLETED, Status.RATED, Status.CLOSED):
            assert order.completed_at is not None and order.cost is not None
        if order.status is Status.RATED:
            assert order.rating is not None and 1 <= order.rating <= 5
        assert sorted(self.breach_kinds) == sorted(set(self.breach_kinds)), "breach twice"
        assert order.is_open == (order.status in OPEN_STATUSES)

    @invariant()
    def rebuilt_from_events_equals_live(self) -> None:
        rebuilt: Any = None
        for e in self.events:
            rebuilt = e.mutate(rebuilt)
        assert rebuilt is not None
        assert vars(rebuilt) == vars(self.order)


TestWorkOrderMachine = WorkOrderMachine.TestCase
TestWorkOrderMachine.settings = settings(
    max_examples=examples(150), stateful_step_count=40, deadline=None
)
