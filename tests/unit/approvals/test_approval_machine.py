"""The approval workflow as a state machine, explored by Hypothesis.

Random people (of every role, serving one estate or another, the requester
among them) approve, reject, return, delegate, resubmit and withdraw in any
order. After every step: the status is one of the five; a refused command
recorded nothing; nobody decided their own request or a level of another
role, estate or delegate; and the request is approved only once every
required level has approved it since it was last (re)submitted. Replaying
the recorded events rebuilds the live aggregate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.approvals.approval import Approval, ApprovalStatus, Decider
from domain.approvals.rules import PolicyTerms, Rule, Urgency
from domain.errors import DomainError, InvalidTransition, NotEntitled

ESTATE = UUID("00000000-0000-4000-8000-00000000e001")
OTHER = UUID("00000000-0000-4000-8000-00000000e002")
T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


def person(n: int, role: str, estates: frozenset[UUID], scope: str = "estate") -> Decider:
    return Decider(
        user_id=UUID(int=n),
        roles=frozenset({role}),
        estates=estates,
        any_estate=scope == "any",
        estate_scope=scope == "estate",
    )


PEOPLE = [
    person(1, "customer_service", frozenset({ESTATE})),
    person(2, "customer_service", frozenset({ESTATE})),
    person(3, "property_manager", frozenset({ESTATE})),
    person(4, "property_manager", frozenset({OTHER})),
    person(5, "admin", frozenset(), scope="any"),
    person(6, "finance", frozenset({ESTATE}), scope="none"),  # the requester
    person(7, "technician", frozenset({ESTATE})),
]
REQUESTER = PEOPLE[5]
SKIP_FRONT = Rule.from_dict(
    {"then": "skip", "urgency": ["urgent"], "skip": ["front_desk"], "reason": "urgent"}
)


class ApprovalMachine(RuleBasedStateMachine):
    @initialize(urgent=st.booleans())
    def open(self, urgent: bool) -> None:
        self.now = T0
        self.approval = Approval.open(
            approval_id=UUID(int=99),
            kind="large_expense",
            subject_id=UUID(int=100),
            estate_id=ESTATE,
            requested_by=REQUESTER.user_id,
            summary="a new pump",
            terms=PolicyTerms(rules=(SKIP_FRONT,)),
            at=self.now,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        )
        self.events: list[Any] = list(self.approval.collect_events())

    def _step(self, command: object) -> None:
        version = self.approval.version
        self.now += timedelta(minutes=1)
        try:
            command()  # type: ignore[operator]
        except (InvalidTransition, NotEntitled, DomainError):
            assert self.approval.version == version, "a refused command changed the request"
            assert not self.approval.collect_events()
            return
        new = self.approval.collect_events()
        assert new, "an accepted command records an event"
        self.events += new

    @rule(who=st.sampled_from(PEOPLE))
    def approve(self, who: Decider) -> None:
        allowed = self.approval.may_decide(who)
        version = self.approval.version
        self._step(lambda: self.approval.approve(who, None, self.now))
        assert (self.approval.version > version) == allowed

    @rule(who=st.sampled_from(PEOPLE))
    def reject(self, who: Decider) -> None:
        self._step(lambda: self.approval.reject(who, "no", self.now))

    @rule(who=st.sampled_from(PEOPLE))
    def return_for_changes(self, who: Decider) -> None:
        self._step(lambda: self.approval.return_for_changes(who, "fix it", self.now))

    @rule(who=st.sampled_from(PEOPLE), to=st.sampled_from(PEOPLE))
    def delegate(self, who: Decider, to: Decider) -> None:
        self._step(lambda: self.approval.delegate(who, to, self.now))

    @rule(who=st.sampled_from(PEOPLE))
    def resubmit(self, who: Decider) -> None:
        self._step(lambda: self.approval.resubmit(who.user_id, self.now))

    @rule(who=st.sampled_from(PEOPLE))
    def withdraw(self, who: Decider) -> None:
        self._step(lambda: self.approval.withdraw(who.user_id, "never mind", self.now))

    def teardown(self) -> None:
        event(f"ended {self.approval.status}")

    @invariant()
    def the_status_is_legal(self) -> None:
        assert self.approval.status in set(ApprovalStatus)
        if self.approval.status is ApprovalStatus.PENDING:
            assert 0 <= self.approval.current < len(self.approval.levels)

    @invariant()
    def every_decision_was_entitled(self) -> None:
        names = {"LevelApproved", "Approved", "Rejected", "ReturnedForChanges", "Delegated"}
        for e in self.events:
            if type(e).__name__ in names:
                assert e.by != REQUESTER.user_id
        for e in self.events:
            if type(e).__name__ in ("Resubmitted", "Withdrawn"):
                assert e.by == REQUESTER.user_id

    @invariant()
    def approved_only_after_every_required_level(self) -> None:
        required = [lv["name"] for lv in self.approval.levels]
        since: list[str] = []
        roles = {lv["name"]: lv["role"] for lv in self.approval.levels}
        delegate: UUID | None = None
        finals = 0
        for e in self.events:
            name = type(e).__name__
            if name in ("Opened", "Resubmitted"):
                since, delegate = [], None
            elif name == "Delegated":
                delegate = e.to
            elif name in ("LevelApproved", "Approved"):
                decider = next(p for p in PEOPLE if p.user_id == e.by)
                assert decider.serves(ESTATE)
                assert (
                    "admin" in decider.roles
                    or e.by == delegate
                    or roles[e.level_name] in decider.roles
                )
                assert e.level_name == required[len(since)], "levels are decided in order"
                since.append(e.level_name)
                delegate = None
            if name in ("Approved", "Rejected", "Withdrawn"):
                finals += 1
        assert finals <= 1, "a request is decided at most once"
        if self.approval.status is ApprovalStatus.APPROVED:
            assert since == required

    @invariant()
    def replaying_the_events_rebuilds_the_request(self) -> None:
        copy = None
        for e in self.events:
            copy = e.mutate(copy)
        assert copy is not None
        assert (copy.status, copy.current, copy.levels, copy.delegate_id) == (
            self.approval.status,
            self.approval.current,
            self.approval.levels,
            self.approval.delegate_id,
        )


TestApprovalMachine = ApprovalMachine.TestCase
TestApprovalMachine.settings = settings(
    max_examples=300,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
