"""A device alarm and its lifecycle (R4.3): raised, acknowledged, escalated, cleared.

Two things are tracked apart, as alarm-management practice has it: the
*condition* (is the equipment still out of range?) and the *alarm* (has a
person seen it?).

- ``Raised`` when a condition begins; the condition is active.
- ``Escalated(level)`` while nobody has acknowledged it, each time the
  deadline of its severity passes again (at most :data:`MAX_LEVEL`).
- ``Acknowledged`` by a person; from raised or escalated.
- ``ReturnedToNormal`` when readings are back in range. An acknowledged
  alarm is then ``Cleared`` at once (by nobody: the equipment cleared it);
  an unacknowledged one stays open so that nobody misses it, and acknowledging
  it later clears it too.
- ``Cleared`` by a person is refused while the condition is still active: a
  trapped passenger is not cleared by a click.
- ``WorkOrderOpened`` once per alarm, in any state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.equipment.severity import Severity, spec_of
from domain.errors import InvalidTransition

MAX_LEVEL = 3
ALARM_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/alarms")


class AlarmStatus(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    CLEARED = "cleared"


UNACKNOWLEDGED = (AlarmStatus.RAISED, AlarmStatus.ESCALATED)


def alarm_id_for(equipment_id: UUID, code: str, at: datetime) -> UUID:
    """One crossing, one alarm: the ID is derived from where and when it began."""
    return uuid5(ALARM_NAMESPACE, f"{equipment_id}:{code}:{at.isoformat()}")


def escalation_due_at(severity: str, raised_at: datetime, level: int) -> datetime | None:
    """When an alarm at ``level`` escalates to the next one; None past the top."""
    if level >= MAX_LEVEL:
        return None
    return raised_at + spec_of(severity).escalate_after * (level + 1)


class Alarm(Aggregate):
    """One alarm of one piece of equipment; its ID comes from the condition that raised it."""

    @staticmethod
    def create_id(equipment_id: UUID, code: str, at: datetime, **_: Any) -> UUID:
        return alarm_id_for(equipment_id, code, at)

    @event("Raised")
    def __init__(
        self,
        estate_id: UUID,
        equipment_id: UUID,
        code: str,
        severity: str,
        message: str,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.equipment_id = equipment_id
        self.code = code
        self.severity = Severity(severity).value
        self.message = message
        self.raised_at = at
        self.status = AlarmStatus.RAISED.value
        self.level = 0
        self.condition_active = True
        self.acknowledged_by: UUID | None = None
        self.cleared_by: UUID | None = None
        self.work_order_id: UUID | None = None

    @property
    def is_open(self) -> bool:
        return self.status != AlarmStatus.CLEARED

    def escalation_due(self, now: datetime) -> bool:
        if self.status not in UNACKNOWLEDGED:
            return False
        due = escalation_due_at(self.severity, self.raised_at, self.level)
        return due is not None and now >= due

    # ---- commands ---------------------------------------------------------

    def acknowledge(self, by: UUID, at: datetime) -> None:
        if self.status not in UNACKNOWLEDGED:
            raise InvalidTransition(f"an alarm that is {self.status} cannot be acknowledged")
        self._acknowledged(by=by, at=at)
        if not self.condition_active:
            self._cleared(by=by, at=at)

    def escalate(self, at: datetime) -> None:
        if self.status not in UNACKNOWLEDGED:
            raise InvalidTransition(f"an alarm that is {self.status} is not escalated")
        if not self.escalation_due(at):
            raise InvalidTransition("the escalation deadline has not passed")
        self._escalated(level=self.level + 1, at=at)

    def clear(self, by: UUID, at: datetime) -> None:
        if self.status == AlarmStatus.CLEARED:
            raise InvalidTransition("the alarm is already cleared")
        if self.condition_active:
            raise InvalidTransition(
                "the condition is still active; the alarm clears when readings return to normal"
            )
        self._cleared(by=by, at=at)

    def return_to_normal(self, at: datetime) -> None:
        """Readings are back in range: clear an acknowledged alarm, keep an unseen one."""
        if not self.condition_active:
            return
        self._returned_to_normal(at=at)
        if self.status == AlarmStatus.ACKNOWLEDGED:
            self._cleared(by=None, at=at)

    def open_work_order(self, order_id: UUID, at: datetime) -> None:
        if self.work_order_id is not None:
            raise InvalidTransition(
                f"work order {self.work_order_id} is already open for this alarm"
            )
        self._work_order_opened(order_id=order_id, at=at)

    # ---- events -------------------------------------------------------------

    @event("Acknowledged")
    def _acknowledged(self, by: UUID, at: datetime) -> None:
        self.status = AlarmStatus.ACKNOWLEDGED.value
        self.acknowledged_by = by

    @event("Escalated")
    def _escalated(self, level: int, at: datetime) -> None:
        self.status = AlarmStatus.ESCALATED.value
        self.level = level

    @event("ReturnedToNormal")
    def _returned_to_normal(self, at: datetime) -> None:
        self.condition_active = False

    @event("Cleared")
    def _cleared(self, by: UUID | None, at: datetime) -> None:
        self.status = AlarmStatus.CLEARED.value
        self.cleared_by = by

    @event("WorkOrderOpened")
    def _work_order_opened(self, order_id: UUID, at: datetime) -> None:
        self.work_order_id = order_id
