"""A Hypothesis state machine of the car park's gate: plates enter, exit, pay and
leave, are blocklisted and let off it, while the clock runs.

It holds that a session is never exited twice, that a fee is never below zero
nor above the daily cap times the days begun, that a shorter stay from the
same entry never costs more, that a blocklisted plate never gets in, that a
car that paid leaves free within the grace and after it owes exactly the
stay's fee less what it paid, that an exit with no recorded entry keeps the
barrier down until the guard lets the car out with a charge, and that what
was paid is exactly what the ledger's postings show."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from application.parking import commands as c
from domain.errors import InvalidTransition
from domain.finance.postings import entry_for
from domain.parking.session import ExitCharge, ParkingSession
from domain.parking.tariff import days_started
from domain.parking.vehicle import PaymentMethod, vehicle_id
from projections.events import kind_of, payload_of
from tests.unit.parking.given import TARIFF, world

PLATES = ["京A12345", "沪B88888", "粤BD12345", "浙A12345F"]
plates = st.sampled_from(PLATES)


class Gate(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.w = world()
        self.inside: dict[str, UUID] = {}
        self.owed: dict[str, UUID] = {}
        self.paid_sessions: dict[str, UUID] = {}
        self.paid_at: dict[UUID, object] = {}
        self.paid_for: dict[UUID, Decimal] = {}
        self.blocked: set[str] = set()
        self.paid = Decimal(0)

    @rule(minutes=st.integers(0, 60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.w.clock.advance(timedelta(minutes=minutes))

    @rule(plate=plates)
    def arrives(self, plate: str) -> None:
        if plate in self.blocked:
            decision = self.w.gate(plate, "in")
            assert not decision.open and decision.session_id is None
            assert decision.status == "refused"
            return
        if plate in self.inside or plate in self.owed or plate in self.paid_sessions:
            try:
                self.w.gate(plate, "in")
            except InvalidTransition:
                return
            raise AssertionError("a car inside entered again")
        decision = self.w.gate(plate, "in")
        assert decision.open and decision.session_id is not None
        self.inside[plate] = decision.session_id

    @precondition(lambda self: self.inside)
    @rule(data=st.data())
    def exits(self, data: st.DataObject) -> None:
        plate = data.draw(st.sampled_from(sorted(self.inside)))
        session_id = self.inside.pop(plate)
        session: ParkingSession = self.w.log.repository.get(session_id)
        assert isinstance(session, ParkingSession)
        stay = self.w.clock.now - session.entered_at
        decision = self.w.gate(plate, "out")
        assert decision.session_id == session_id
        assert Decimal(0) <= decision.fee
        assert decision.fee <= TARIFF.daily_cap * days_started(session.entered_at, self.w.clock.now)
        assert decision.fee == TARIFF.fee(session.entered_at, self.w.clock.now)
        shorter = stay * data.draw(st.integers(0, 100)) / 100
        assert TARIFF.fee(session.entered_at, session.entered_at + shorter) <= decision.fee
        if decision.fee == 0:
            assert decision.open and decision.status == "left"
        else:
            assert not decision.open and decision.status == "awaiting_payment"
            self.owed[plate] = session_id

    @precondition(lambda self: self.owed)
    @rule(data=st.data(), online=st.booleans())
    def pays(self, data: st.DataObject, online: bool) -> None:
        plate = data.draw(st.sampled_from(sorted(self.owed)))
        session_id = self.owed.pop(plate)
        method = PaymentMethod.ONLINE if online else PaymentMethod.CASH
        self.w.svc.pay(c.PayParking(self.w.guard_a, session_id, method, "WX-1" if online else None))
        session: ParkingSession = self.w.log.repository.get(session_id)
        self.paid += session.fee
        self.paid_for[session_id] = self.paid_for.get(session_id, Decimal(0)) + session.fee
        self.paid_at[session_id] = self.w.clock.now
        self.paid_sessions[plate] = session_id
        try:
            self.w.svc.pay(c.PayParking(self.w.guard_a, session_id, PaymentMethod.CASH))
        except InvalidTransition:
            pass
        else:
            raise AssertionError("paid twice")

    @precondition(lambda self: self.paid_sessions)
    @rule(data=st.data())
    def leaves(self, data: st.DataObject) -> None:
        plate = data.draw(st.sampled_from(sorted(self.paid_sessions)))
        session_id = self.paid_sessions.pop(plate)
        session: ParkingSession = self.w.log.repository.get(session_id)
        now = self.w.clock.now
        assert session.entered_at is not None
        extra = TARIFF.fee(session.entered_at, now) - self.paid_for[session_id]
        decision = self.w.gate(plate, "out")
        assert decision.session_id == session_id
        if now - self.paid_at[session_id] > timedelta(minutes=TARIFF.grace_minutes) and extra:
            assert not decision.open and decision.status == "awaiting_payment"
            assert decision.fee == extra > 0
            self.owed[plate] = session_id
            return
        assert decision.open and decision.status == "left"
        again = self.w.gate(plate, "out")  # exited: no entry now, the barrier stays down
        assert not again.open and again.status == "no_entry" and again.session_id is None

    @precondition(lambda self: self.inside or self.owed)
    @rule(data=st.data())
    def released(self, data: st.DataObject) -> None:
        """The guard closes a session the camera lost; nothing is paid."""
        waiting = {**self.inside, **self.owed}
        plate = data.draw(st.sampled_from(sorted(waiting)))
        self.inside.pop(plate, None)
        self.owed.pop(plate, None)
        self.w.svc.release(c.ReleaseSession(self.w.guard_a, waiting[plate], "camera missed it"))

    @rule(plate=plates, charge=st.sampled_from(ExitCharge), back=st.integers(1, 60 * 30))
    def exits_without_entry(self, plate: str, charge: ExitCharge, back: int) -> None:
        """A car the camera never saw come in: down, until the guard lets it out."""
        if plate in self.inside or plate in self.owed or plate in self.paid_sessions:
            return
        decision = self.w.gate(plate, "out")
        assert not decision.open and decision.status == "no_entry"
        now = self.w.clock.now
        entered = now - timedelta(minutes=back) if charge is ExitCharge.ESTIMATED_ENTRY else None
        command = c.LetOutWithoutEntry(
            self.w.guard_a, self.w.car_park, plate, "East 1", "no entry", charge, entered
        )
        try:
            self.w.svc.let_out_without_entry(replace(command, method=PaymentMethod.CASH))
        except InvalidTransition:
            assert charge is ExitCharge.LOST_TICKET and TARIFF.lost_ticket_fee is None
            return
        expected = TARIFF.daily_cap if entered is None else TARIFF.fee(entered, now)
        self.paid += expected

    @rule(plate=plates)
    def blocklisted(self, plate: str) -> None:
        if plate in self.blocked:
            return
        self.w.svc.block(c.BlockPlate(self.w.manager_a, self.w.car_park, plate, "unpaid fees"))
        self.blocked.add(plate)

    @precondition(lambda self: self.blocked)
    @rule(data=st.data())
    def let_off(self, data: st.DataObject) -> None:
        plate = data.draw(st.sampled_from(sorted(self.blocked)))
        self.w.svc.unblock(c.UnblockVehicle(self.w.manager_a, vehicle_id(self.w.estate_a, plate)))
        self.blocked.discard(plate)

    @invariant()
    def the_books_hold_what_was_paid(self) -> None:
        booked = Decimal(0)
        for event in self.w.log.domain_events():
            aggregate, name = kind_of(event)
            entry = entry_for(aggregate, name, payload_of(event))
            if entry is not None:
                booked += sum(line.credit for line in entry.lines if line.account == "6001.20")
        assert booked == self.paid


Gate.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestGate = Gate.TestCase
