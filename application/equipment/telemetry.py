"""Telemetry ingest: many readings in, a few events out (decision 0007).

For one batch:

1. each equipment is loaded once; readings of unknown, invisible or
   decommissioned equipment, or from the future, are rejected one by one;
2. the readings newer than the newest one already stored for their
   equipment and metric are fed, oldest first, to the equipment aggregate,
   which records state changes and conditions that begin or end; a
   condition that begins raises an alarm, one that ends returns its alarm to
   normal; all of it is saved in one ``save_and_position`` (retried from a
   fresh load if another batch saved the same equipment meanwhile);
3. only then are the readings written to the plain tables (duplicates
   dropped, hourly aggregates counted, latest readings kept).

Events before tables: if step 3 fails after step 2, a resent batch is
evaluated again, and the aggregate ignores what it has already decided.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.equipment.ports import ReadingStore
from application.services import ServiceDeps
from domain.equipment.alarm import Alarm
from domain.equipment.equipment import ConditionChange, Equipment
from domain.equipment.rules import Reading

MAX_CLOCK_SKEW = timedelta(minutes=5)
SAVE_ATTEMPTS = 5


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0  # new readings (not duplicates of stored ones)
    duplicates: int = 0
    late: int = 0  # older than the newest stored reading: kept, but decide nothing
    rejected: list[dict[str, Any]] = field(default_factory=list)
    alarms_raised: list[UUID] = field(default_factory=list)
    alarms_returned_to_normal: list[UUID] = field(default_factory=list)
    events: int = 0
    position: int = 0


class TelemetryIngest:
    def __init__(self, deps: ServiceDeps, readings: ReadingStore) -> None:
        self.deps = deps
        self.readings = readings

    def ingest(self, batch: list[Reading], visible: Callable[[UUID], bool]) -> IngestResult:
        result = IngestResult(received=len(batch))
        now = self.deps.clock()
        by_equipment: dict[UUID, list[tuple[int, Reading]]] = defaultdict(list)
        for index, reading in enumerate(batch):
            by_equipment[reading.equipment_id].append((index, reading))

        accepted: dict[UUID, list[Reading]] = {}
        for equipment_id, indexed in by_equipment.items():
            reason = self._refusal(equipment_id, visible)
            for index, reading in indexed:
                why = reason or ("at: in the future" if reading.at > now + MAX_CLOCK_SKEW else None)
                if why:
                    result.rejected.append(
                        {"index": index, "equipment_id": str(equipment_id), "reason": why}
                    )
                else:
                    accepted.setdefault(equipment_id, []).append(reading)

        result.rejected.sort(key=lambda r: int(r["index"]))
        latest = self.readings.latest_times(list(accepted))
        for equipment_id, readings in accepted.items():
            fresh = sorted(
                (
                    r
                    for r in readings
                    if (known := latest.get((equipment_id, str(r.metric)))) is None or r.at > known
                ),
                key=lambda r: r.at,
            )
            result.late += len(readings) - len(fresh)
            if fresh:
                self.decide(equipment_id, fresh, result)

        flat = [r for readings in accepted.values() for r in readings]
        result.stored = self.readings.store(flat)
        result.duplicates = len(flat) - result.stored
        return result

    def _refusal(self, equipment_id: UUID, visible: Callable[[UUID], bool]) -> str | None:
        try:
            equipment = self.deps.event_log.repository.get(equipment_id)
        except AggregateNotFoundError:
            return "no such equipment"
        if not isinstance(equipment, Equipment) or not visible(equipment.estate_id):
            return "no such equipment"
        if not equipment.accepts_telemetry:
            return "the equipment is decommissioned"
        return None

    def decide(self, equipment_id: UUID, readings: list[Reading], result: IngestResult) -> None:
        """Feed the readings to the equipment; save it with the alarms it raised or ended."""
        for attempt in range(SAVE_ATTEMPTS):
            equipment: Equipment = self.deps.event_log.repository.get(equipment_id)
            changes: list[ConditionChange] = []
            for reading in readings:
                changes += equipment.observe(reading)
            if not equipment.pending_events:
                return
            alarms: dict[UUID, Alarm] = {}
            for change in changes:
                self._apply_to_alarm(equipment, change, alarms)
            events = len(equipment.pending_events) + sum(
                len(a.pending_events) for a in alarms.values()
            )
            try:
                position = self.deps.event_log.save_and_position(equipment, *alarms.values())
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise
                continue
            result.events += events
            result.position = max(result.position, position)
            for change in changes:
                target = result.alarms_raised if change.began else result.alarms_returned_to_normal
                target.append(change.alarm_id)
            return

    def _apply_to_alarm(
        self, equipment: Equipment, change: ConditionChange, alarms: dict[UUID, Alarm]
    ) -> None:
        """Raise the alarm of a condition that began; return one that ended to normal."""
        if change.began:
            alarms[change.alarm_id] = Alarm(
                estate_id=equipment.estate_id,
                equipment_id=equipment.id,
                code=change.code,
                severity=change.severity,
                message=change.message,
                at=change.at,
            )
            return
        if change.alarm_id not in alarms:
            alarms[change.alarm_id] = self.deps.event_log.repository.get(change.alarm_id)
        alarms[change.alarm_id].return_to_normal(at=change.at)
