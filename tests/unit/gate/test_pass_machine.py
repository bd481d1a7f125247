"""A visitor pass under any sequence of gate steps, revocations and time passing
(Hypothesis): never in twice without out, never let in after it is revoked or
expired, never more entries than allowed; every refusal records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import InvalidTransition
from domain.gate.visitor_pass import PassRefused, VisitorPass

START = datetime(2026, 3, 1, 8, tzinfo=UTC)
GUARD = uuid4()


class PassMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.allowed = 3
        self.valid_from = START + timedelta(minutes=30)
        self.valid_until = START + timedelta(hours=6)
        self.visitor_pass = VisitorPass.issue(
            id=uuid4(),
            estate_id=uuid4(),
            unit_id=uuid4(),
            issued_by=uuid4(),
            visitor_user_id=None,
            name_enc="sealed",
            phone_enc=None,
            plate=" 沪a 12345 ",
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            entries_allowed=self.allowed,
            at=START,
        )
        # The model: what the pass must have done.
        self.inside = False
        self.entries = 0
        self.revoked = False

    def _events(self) -> int:
        return len(self.visitor_pass.pending_events)

    @rule(minutes=st.integers(min_value=1, max_value=180))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def check_in(self) -> None:
        before = self._events()
        open_window = self.valid_from <= self.now < self.valid_until
        may = not self.inside and not self.revoked and open_window and self.entries < self.allowed
        try:
            self.visitor_pass.check_in(GUARD, self.now)
        except PassRefused as refused:
            assert not may, f"refused ({refused.reason}) a pass that may enter"
            assert self._events() == before
            return
        assert may, "let in a visitor who may not enter"
        self.inside, self.entries = True, self.entries + 1

    @rule()
    def check_out(self) -> None:
        before = self._events()
        try:
            self.visitor_pass.check_out(GUARD, self.now)
        except PassRefused:
            assert not self.inside
            assert self._events() == before
            return
        assert self.inside, "let out a visitor who was not inside"
        self.inside = False

    @rule()
    def revoke(self) -> None:
        before = self._events()
        try:
            self.visitor_pass.revoke(uuid4(), "no longer expected", self.now)
        except InvalidTransition:
            assert self.revoked
            assert self._events() == before
            return
        self.revoked = True

    @rule()
    def opened_a_door(self) -> None:
        self.visitor_pass.used_at_controller(uuid4(), self.now)
        [*_, last] = self.visitor_pass.pending_events
        if self.revoked and not self.inside:
            assert last.refusal == "revoked"  # type: ignore[attr-defined]

    @invariant()
    def agrees_with_the_model(self) -> None:
        p = self.visitor_pass
        assert (p.inside, p.entries_used, p.revoked) == (self.inside, self.entries, self.revoked)
        assert p.entries_used <= p.entries_allowed

    @invariant()
    def never_used_after_revoke_or_expiry(self) -> None:
        revoked_at = None
        ins_and_outs = []
        for e in self.visitor_pass.pending_events:
            name = type(e).__name__
            if name == "Revoked":
                revoked_at = e.at  # type: ignore[attr-defined]
            elif name == "CheckedIn":
                assert revoked_at is None, "checked in after the revocation"
                assert self.valid_from <= e.at < self.valid_until  # type: ignore[attr-defined]
            if name in ("CheckedIn", "CheckedOut"):
                ins_and_outs.append(name)
        # In and out alternate, starting with in.
        assert all(
            name == ("CheckedIn" if i % 2 == 0 else "CheckedOut")
            for i, name in enumerate(ins_and_outs)
        )

    @invariant()
    def status_says_what_the_gate_would_do(self) -> None:
        status = self.visitor_pass.status(self.now)
        if status == "valid":
            assert self.visitor_pass.refusal(self.now) is None and not self.inside


PassMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
TestPassMachine = PassMachine.TestCase


def test_the_plate_is_kept_as_the_barrier_reads_it() -> None:
    assert PassMachine().visitor_pass.plate == "沪A12345"
