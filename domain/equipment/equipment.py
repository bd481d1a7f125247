"""A piece of equipment: its specification and the conditions it is in (R4.3, R4.5).

The aggregate records what the audit trail needs from telemetry: a state code
that changed, a condition (threshold crossing or alarm state) that began or
ended, and hourly summaries. Every reading is not an event
(docs/decisions/0007-telemetry-events.md). A condition that begins raises an
:class:`~domain.equipment.alarm.Alarm`; the service saves both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.equipment.alarm import alarm_id_for
from domain.equipment.rules import EquipmentKind, Metric, Reading, rules_for
from domain.errors import InvalidTransition, ValidationFailed

# The state a device is put in when it stops reporting, and the one any
# later reading brings it back to (see EquipmentJobs.detect_silence).
OFFLINE = "offline"
ONLINE = "online"

EDITABLE = (
    "name",
    "model",
    "serial_number",
    "location",
    "building_id",
    "unit_id",
    "installed_on",
    "vendor",
    "warranty_until",
)


class EquipmentStatus(StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"
    DECOMMISSIONED = "decommissioned"


@dataclass(frozen=True)
class ConditionChange:
    """A condition that began (raise an alarm) or ended (its alarm returns to normal)."""

    began: bool
    code: str
    alarm_id: UUID
    at: datetime
    severity: str = ""
    message: str = ""


class Equipment(Aggregate):
    """An elevator, pump, fire panel, meter...: what it is and how it is doing."""

    @event("Registered")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        kind: str,
        name: str,
        model: str | None,
        serial_number: str | None,
        location: str | None,
        building_id: UUID | None,
        unit_id: UUID | None,
        installed_on: date | None,
        vendor: str | None,
        warranty_until: date | None,
        at: datetime,
    ) -> None:
        EquipmentKind(kind)  # refuses an unknown kind before anything is recorded
        self.estate_id = estate_id
        self.kind = kind
        self.name = name
        self.model = model
        self.serial_number = serial_number
        self.location = location
        self.building_id = building_id
        self.unit_id = unit_id
        self.installed_on = installed_on
        self.vendor = vendor
        self.warranty_until = warranty_until
        self.status = EquipmentStatus.IN_SERVICE.value
        self.state: str | None = None
        self.state_at: datetime | None = None
        # code -> alarm id of the conditions active now; code -> time of last change
        self.conditions: dict[str, UUID] = {}
        self.condition_at: dict[str, datetime] = {}
        self.summarised_through: dict[str, datetime] = {}
        self.stale_reminded_at: datetime | None = None

    @staticmethod
    def check_dates(installed_on: date | None, warranty_until: date | None) -> None:
        if installed_on and warranty_until and warranty_until < installed_on:
            raise ValidationFailed("warranty_until: before the installation date")

    # ---- specification ----------------------------------------------------

    def change_details(self, changes: dict[str, Any], at: datetime) -> None:
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}")
        if self.status == EquipmentStatus.DECOMMISSIONED:
            raise InvalidTransition("decommissioned equipment cannot be changed")
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            raise InvalidTransition("nothing to change: the record already says so")
        self.check_dates(
            changed.get("installed_on", self.installed_on),
            changed.get("warranty_until", self.warranty_until),
        )
        self._details_changed(changes=changed, at=at)

    @event("DetailsChanged")
    def _details_changed(self, changes: dict[str, Any], at: datetime) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def change_status(self, status: str, reason: str, at: datetime) -> None:
        new = EquipmentStatus(status)
        if self.status == EquipmentStatus.DECOMMISSIONED:
            raise InvalidTransition("decommissioned equipment stays decommissioned")
        if new == self.status:
            raise InvalidTransition(f"the equipment is already {new}")
        self._status_changed(status=new.value, reason=reason, at=at)

    @event("StatusChanged")
    def _status_changed(self, status: str, reason: str, at: datetime) -> None:
        self.status = status

    # ---- telemetry --------------------------------------------------------

    @property
    def accepts_telemetry(self) -> bool:
        return self.status != EquipmentStatus.DECOMMISSIONED

    def observe(self, reading: Reading) -> list[ConditionChange]:
        """Take one reading, newest last: record what changed, return the conditions
        that began or ended. A reading older than the last change it would
        undo is ignored, so a late reading never reopens or ends a condition."""
        changes: list[ConditionChange] = []
        if self.state == OFFLINE and reading.metric != Metric.STATE:
            # Any reading from a device marked offline says it is back.
            back = Reading(self.id, reading.at, Metric.STATE, state=ONLINE)
            changes += self._observe_state(back)
        if reading.metric == Metric.STATE:
            return self._observe_state(reading)
        if reading.value is None:
            return changes
        for rule in rules_for(self.kind).for_metric(reading.metric):
            if not self._newer(rule.code, reading.at):
                continue
            active = rule.code in self.conditions
            if not active and rule.breached(reading.value):
                changes.append(
                    self._begin(
                        rule.code, str(rule.severity), rule.describe(reading.value), reading
                    )
                )
            elif active and rule.normal(reading.value):
                changes.append(self._end(rule.code, reading.at))
        return changes

    def _observe_state(self, reading: Reading) -> list[ConditionChange]:
        state = reading.state
        if not state or (self.state_at is not None and reading.at <= self.state_at):
            return []
        if state == self.state:
            return []
        self._state_changed(state=state, previous=self.state, at=reading.at)
        rules = rules_for(self.kind)
        changes: list[ConditionChange] = []
        for code, _ in rules.alarm_states:
            if code in self.conditions and code != state and self._newer(code, reading.at):
                changes.append(self._end(code, reading.at))
        severity = rules.state_severity(state)
        if severity is not None and state not in self.conditions and self._newer(state, reading.at):
            message = f"{self.kind} reports {state.replace('_', ' ')}"
            changes.append(self._begin(state, str(severity), message, reading))
        return changes

    def _newer(self, code: str, at: datetime) -> bool:
        last = self.condition_at.get(code)
        return last is None or at > last

    def _begin(self, code: str, severity: str, message: str, reading: Reading) -> ConditionChange:
        alarm_id = alarm_id_for(self.id, code, reading.at)
        self._condition_began(
            code=code,
            alarm_id=alarm_id,
            severity=severity,
            message=message,
            value=reading.value,
            at=reading.at,
        )
        return ConditionChange(True, code, alarm_id, reading.at, severity, message)

    def _end(self, code: str, at: datetime) -> ConditionChange:
        alarm_id = self.conditions[code]
        self._condition_ended(code=code, alarm_id=alarm_id, at=at)
        return ConditionChange(False, code, alarm_id, at)

    @event("StateChanged")
    def _state_changed(self, state: str, previous: str | None, at: datetime) -> None:
        self.state = state
        self.state_at = at

    @event("ConditionBegan")
    def _condition_began(
        self,
        code: str,
        alarm_id: UUID,
        severity: str,
        message: str,
        value: Decimal | None,
        at: datetime,
    ) -> None:
        self.conditions[code] = alarm_id
        self.condition_at[code] = at

    @event("ConditionEnded")
    def _condition_ended(self, code: str, alarm_id: UUID, at: datetime) -> None:
        self.conditions.pop(code, None)
        self.condition_at[code] = at

    # ---- summaries and reminders ------------------------------------------

    def summarise(
        self,
        metric: str,
        hour: datetime,
        count: int,
        minimum: Decimal,
        maximum: Decimal,
        average: Decimal,
        total: Decimal,
        at: datetime,
    ) -> bool:
        """Record one hour of one metric, once; False if that hour is already recorded."""
        done = self.summarised_through.get(metric)
        if done is not None and hour <= done:
            return False
        self._readings_summarised(
            metric=metric,
            hour=hour,
            count=count,
            minimum=minimum,
            maximum=maximum,
            average=average,
            total=total,
            at=at,
        )
        return True

    @event("ReadingsSummarised")
    def _readings_summarised(
        self,
        metric: str,
        hour: datetime,
        count: int,
        minimum: Decimal,
        maximum: Decimal,
        average: Decimal,
        total: Decimal,
        at: datetime,
    ) -> None:
        self.summarised_through[metric] = hour

    def remind_stale(self, last_serviced_at: datetime | None, days: int, at: datetime) -> bool:
        """Record that the archive has no service for ``days``; again only after as many days."""
        if self.status == EquipmentStatus.DECOMMISSIONED:
            return False
        if self.stale_reminded_at is not None and at - self.stale_reminded_at < timedelta(
            days=days
        ):
            return False
        self._record_went_stale(last_serviced_at=last_serviced_at, days=days, at=at)
        return True

    @event("RecordWentStale")
    def _record_went_stale(
        self, last_serviced_at: datetime | None, days: int, at: datetime
    ) -> None:
        self.stale_reminded_at = at
