"""An incident's lifecycle (R6.2): stories, and Hypothesis exploring every order of steps.

recorded -> acknowledged -> resolved; seen again while open adds to the
count; seen again after it was resolved opens a new episode. The machine
tries every step in every state: a step the state does not allow is refused
(409 or 422) and records nothing; a step it allows records exactly one event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.identity.alerts import AdminAlert, Severity
from domain.operations.incidents import Incident, Level, Status, incident_id_for
from tests.support.examples import examples

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = UUID("00000000-0000-4000-8000-00000000ad01")
ALLOWED = {
    # (state, step) -> the state after it; any other pair is refused.
    (Status.RECORDED, "seen"): Status.RECORDED,
    (Status.ACKNOWLEDGED, "seen"): Status.ACKNOWLEDGED,
    (Status.RESOLVED, "seen"): Status.RECORDED,
    (Status.RECORDED, "acknowledge"): Status.ACKNOWLEDGED,
    (Status.RECORDED, "resolve"): Status.RESOLVED,
    (Status.ACKNOWLEDGED, "resolve"): Status.RESOLVED,
}


def new_incident(count: int = 1) -> Incident:
    return Incident(
        id=incident_id_for("api", "KeyError", "GET /api/v1/units"),
        level=int(Level.MINOR_ERROR),
        source="api",
        kind="KeyError",
        where="GET /api/v1/units",
        summary="KeyError in GET /api/v1/units",
        first_seen=T0,
        last_seen=T0,
        count=count,
    )


def test_the_fingerprint_gives_one_id_in_every_process() -> None:
    assert incident_id_for("api", "KeyError", "GET /x") == incident_id_for(
        "api", "KeyError", "GET /x"
    )
    assert incident_id_for("api", "KeyError", "GET /x") != incident_id_for(
        "api", "KeyError", "GET /y"
    )


def test_a_recurrence_adds_to_the_count_and_a_resolved_one_opens_a_new_episode() -> None:
    incident = new_incident(count=3)
    incident.seen_again("KeyError in GET /api/v1/units", T0, T0 + timedelta(minutes=1), 2)
    assert (incident.occurrences, incident.episode) == (5, 1)
    incident.acknowledge(ADMIN, T0 + timedelta(minutes=2))
    incident.resolve(ADMIN, "a missing index", "added the index", T0 + timedelta(minutes=3))
    assert incident.status is Status.RESOLVED and incident.cause == "a missing index"

    incident.seen_again(
        "KeyError in GET /api/v1/units", T0 + timedelta(hours=1), T0 + timedelta(hours=1), 1
    )
    assert (incident.status, incident.episode, incident.occurrences) == (Status.RECORDED, 2, 1)
    assert incident.resolved_by is None and incident.cause is None
    names = [type(e).__name__ for e in incident.collect_events()]
    assert names == ["Recorded", "Recurred", "Acknowledged", "Resolved", "Reopened"]


def test_a_resolution_needs_a_cause_and_an_action() -> None:
    incident = new_incident()
    with pytest.raises(ValidationFailed):
        incident.resolve(ADMIN, "  ", "restarted", T0)
    with pytest.raises(ValidationFailed):
        incident.resolve(ADMIN, "disk full", "", T0)
    assert incident.status is Status.RECORDED


def test_an_alert_is_acknowledged_once() -> None:
    alert = AdminAlert(
        id=UUID(int=1), kind="k", severity=Severity.CRITICAL, subject_id=None, message="m", at=T0
    )
    alert.acknowledge(ADMIN, T0)
    with pytest.raises(InvalidTransition):
        alert.acknowledge(ADMIN, T0)
    assert [type(e).__name__ for e in alert.collect_events()] == ["Raised", "Acknowledged"]


class IncidentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.incident = new_incident()
        self.events: list[Any] = list(self.incident.collect_events())
        self.now = T0
        self.status = Status.RECORDED
        self.episode = 1
        self.occurrences = 1

    def _step(self, step: str, act: Any, count: int = 0) -> None:
        before = self.incident.version
        allowed = ALLOWED.get((self.status, step))
        if allowed is None:
            with pytest.raises(DomainError):
                act()
            assert self.incident.version == before
            assert not self.incident.collect_events()
            return
        act()
        new = self.incident.collect_events()
        assert len(new) == 1 and self.incident.version == before + 1
        self.events += new
        if step == "seen" and self.status is Status.RESOLVED:
            self.episode += 1
            self.occurrences = count
        elif step == "seen":
            self.occurrences += count
        self.status = allowed

    @rule(pause=st.integers(0, 600), count=st.integers(1, 50))
    def seen_again(self, pause: int, count: int) -> None:
        first, self.now = self.now, self.now + timedelta(seconds=pause)
        self._step("seen", lambda: self.incident.seen_again("s", first, self.now, count), count)

    @rule()
    def acknowledge(self) -> None:
        self._step("acknowledge", lambda: self.incident.acknowledge(ADMIN, self.now))

    @rule(cause=st.sampled_from(["disk full", "", "  "]), action=st.sampled_from(["freed", ""]))
    def resolve(self, cause: str, action: str) -> None:
        if cause.strip() and action:
            self._step("resolve", lambda: self.incident.resolve(ADMIN, cause, action, self.now))
        else:  # refused in every state: nothing recorded
            before = self.incident.version
            with pytest.raises(DomainError):
                self.incident.resolve(ADMIN, cause, action, self.now)
            assert self.incident.version == before

    @invariant()
    def the_state_is_the_models(self) -> None:
        assert self.incident.status is self.status
        assert self.incident.episode == self.episode
        assert self.incident.occurrences == self.occurrences
        assert (self.incident.resolved_at is not None) == (self.status is Status.RESOLVED)

    @invariant()
    def replaying_the_events_rebuilds_the_live_aggregate(self) -> None:
        replayed: Any = None
        for e in self.events:
            replayed = e.mutate(replayed)
        assert isinstance(replayed, Incident)
        assert vars(replayed) == vars(self.incident)


IncidentMachine.TestCase.settings = settings(
    max_examples=examples(200),
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_incident_state_machine = IncidentMachine.TestCase
