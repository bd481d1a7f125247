"""A Hypothesis state machine over equipment conditions and their alarms.

Random readings (in range, out of range, hovering in the dead band, late),
acknowledgements, escalations at random moments, clears and work orders. A
refused command must record nothing; an alarm is always in a legal state;
and every aggregate rebuilt from its recorded events equals the live one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.equipment.alarm import MAX_LEVEL, Alarm, AlarmStatus
from domain.equipment.equipment import Equipment
from domain.equipment.rules import Metric, Reading
from domain.errors import InvalidTransition
from tests.support.examples import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
USER = uuid4()
PRESSURES = st.sampled_from(["0.05", "0.14", "0.16", "0.5", "0.99", "1.01", "1.5"])


class AlarmMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.pump = Equipment(
            id=uuid4(),
            estate_id=uuid4(),
            kind="pump",
            name="pump",
            model=None,
            serial_number=None,
            location=None,
            building_id=None,
            unit_id=None,
            installed_on=None,
            vendor=None,
            warranty_until=None,
            at=T0,
        )
        self.alarms: dict[UUID, Alarm] = {}
        self.history: dict[UUID, list[Any]] = {}
        self._record(self.pump)
        self.orders: set[UUID] = set()

    def _record(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self.history.setdefault(aggregate.id, []).extend(aggregate.collect_events())

    def _alarm(self, index: int) -> Alarm | None:
        if not self.alarms:
            return None
        return list(self.alarms.values())[index % len(self.alarms)]

    @rule(step=st.integers(1, 400), value=PRESSURES)
    def reading(self, step: int, value: str) -> None:
        self.now += timedelta(seconds=step)
        changes = self.pump.observe(
            Reading(self.pump.id, self.now, Metric.WATER_PRESSURE, Decimal(value))
        )
        touched = []
        for change in changes:
            if change.began:
                assert change.alarm_id not in self.alarms
                self.alarms[change.alarm_id] = Alarm(
                    estate_id=self.pump.estate_id,
                    equipment_id=self.pump.id,
                    code=change.code,
                    severity=change.severity,
                    message=change.message,
                    at=change.at,
                )
            else:
                self.alarms[change.alarm_id].return_to_normal(change.at)
            touched.append(self.alarms[change.alarm_id])
        self._record(self.pump, *touched)

    @rule(back=st.integers(1, 1000), value=PRESSURES)
    def late_reading(self, back: int, value: str) -> None:
        """A reading older than the last change decides nothing."""
        last = max(self.pump.condition_at.values(), default=None)
        if last is None:
            return
        before = dict(self.pump.conditions)
        at = last - timedelta(seconds=back)
        assert (
            self.pump.observe(Reading(self.pump.id, at, Metric.WATER_PRESSURE, Decimal(value)))
            == []
        )
        assert self.pump.conditions == before and not self.pump.pending_events

    @precondition(lambda self: self.alarms)
    @rule(index=st.integers(0, 50))
    def acknowledge(self, index: int) -> None:
        alarm = self._alarm(index)
        assert alarm is not None
        self._attempt(alarm, lambda: alarm.acknowledge(USER, self.now))

    @precondition(lambda self: self.alarms)
    @rule(index=st.integers(0, 50), minutes=st.integers(0, 120))
    def escalate(self, index: int, minutes: int) -> None:
        alarm = self._alarm(index)
        assert alarm is not None
        self.now += timedelta(minutes=minutes)
        due = alarm.escalation_due(self.now)
        level = alarm.level
        self._attempt(alarm, lambda: alarm.escalate(self.now))
        assert alarm.level == (level + 1 if due else level)

    @precondition(lambda self: self.alarms)
    @rule(index=st.integers(0, 50))
    def clear(self, index: int) -> None:
        alarm = self._alarm(index)
        assert alarm is not None
        was_active = alarm.condition_active
        self._attempt(alarm, lambda: alarm.clear(USER, self.now))
        if was_active:
            assert alarm.status != AlarmStatus.CLEARED or alarm.cleared_by is None

    @precondition(lambda self: self.alarms)
    @rule(index=st.integers(0, 50))
    def open_work_order(self, index: int) -> None:
        alarm = self._alarm(index)
        assert alarm is not None
        had = alarm.work_order_id
        order_id = uuid4()
        self._attempt(alarm, lambda: alarm.open_work_order(order_id, self.now))
        assert alarm.work_order_id == (had or order_id)

    def _attempt(self, alarm: Alarm, command: Any) -> None:
        try:
            command()
        except InvalidTransition:
            assert not alarm.pending_events, "a refused command recorded something"
        self._record(alarm)

    @invariant()
    def alarms_are_in_legal_states(self) -> None:
        open_codes = set()
        for alarm in self.alarms.values():
            assert alarm.status in set(AlarmStatus)
            assert 0 <= alarm.level <= MAX_LEVEL
            if alarm.status == AlarmStatus.CLEARED:
                assert not alarm.condition_active
            if alarm.level and alarm.acknowledged_by is None:
                assert alarm.status in (AlarmStatus.ESCALATED, AlarmStatus.CLEARED)
            if alarm.condition_active:
                open_codes.add(alarm.code)
                assert self.pump.conditions.get(alarm.code) == alarm.id
        assert set(self.pump.conditions) == open_codes

    @invariant()
    def replay_equals_the_live_aggregates(self) -> None:
        for aggregate in (self.pump, *self.alarms.values()):
            replayed = None
            for event in self.history[aggregate.id]:
                replayed = event.mutate(replayed)
            assert replayed is not None
            assert vars(replayed) == vars(aggregate)


AlarmMachine.TestCase.settings = settings(
    max_examples=examples(60), stateful_step_count=40, deadline=None
)
TestAlarmMachine = AlarmMachine.TestCase
