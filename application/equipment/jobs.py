"""Work of the equipment context that falls due with time.

Each job finds candidates in a read model or plain table (which may lag) and
lets the aggregate decide, so running a job twice for one moment issues its
commands once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.equipment.ports import DueEquipmentWork, ReadingStore
from application.equipment.telemetry import IngestResult, TelemetryIngest
from application.scheduling import ScheduledJob
from application.services import ServiceDeps
from domain.equipment.alarm import Alarm
from domain.equipment.equipment import OFFLINE, Equipment
from domain.equipment.rules import Metric, Reading

# A finished hour is summarised once late readings have had time to arrive.
SUMMARY_GRACE = timedelta(minutes=10)
AVERAGE_PLACES = Decimal("0.0001")


@dataclass
class EquipmentJobs:
    """The equipment context's scheduled work: alarms escalated, silence
    detected, readings summarised and pruned, stale records reminded."""

    deps: ServiceDeps
    readings: ReadingStore
    stale_after_days: int
    reading_retention: timedelta
    telemetry: TelemetryIngest
    silent_after: timedelta
    due: DueEquipmentWork

    def scheduled(self) -> list[ScheduledJob]:
        return [
            ScheduledJob("equipment.escalate_alarms", 30, self.escalate_alarms),
            ScheduledJob("equipment.detect_silence", 60, self.detect_silence),
            ScheduledJob("equipment.summarise_readings", 300, self.summarise_readings),
            ScheduledJob("equipment.stale_records", 3600, self.remind_stale_records),
            ScheduledJob("equipment.prune_readings", 3600, self.prune_readings),
        ]

    def _get(self, aggregate_id: UUID) -> Any:
        try:
            return self.deps.event_log.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def escalate_alarms(self, now: datetime) -> int:
        """Escalate every unacknowledged alarm whose deadline has passed."""
        issued = 0
        for alarm_id in self.due.alarms_to_escalate(now):
            alarm = self._get(alarm_id)
            if not isinstance(alarm, Alarm) or not alarm.escalation_due(now):
                continue
            alarm.escalate(now)
            try:
                self.deps.event_log.save_and_position(alarm)
            except IntegrityError:
                continue  # changed meanwhile (acknowledged?): the next run decides again
            issued += 1
        return issued

    def detect_silence(self, now: datetime) -> int:
        """Mark equipment that has stopped reporting as offline, which raises the
        kind's ``offline`` alarm; its next reading of any kind brings it back."""
        issued = 0
        for equipment_id in self.readings.silent_since(now - self.silent_after):
            equipment = self._get(equipment_id)
            if not isinstance(equipment, Equipment) or not equipment.accepts_telemetry:
                continue
            if equipment.state == OFFLINE:
                continue
            result = IngestResult()
            gone_quiet = Reading(equipment_id, now, Metric.STATE, state=OFFLINE)
            self.telemetry.decide(equipment_id, [gone_quiet], result)
            issued += 1 if result.events else 0
        return issued

    def summarise_readings(self, now: datetime) -> int:
        """Turn each finished hour of readings into one ``ReadingsSummarised`` event."""
        hours = self.readings.finished_hours(before=now - SUMMARY_GRACE)
        by_equipment: dict[UUID, list[Any]] = defaultdict(list)
        for row in hours:
            by_equipment[row[0]].append(row)
        issued = 0
        done: list[tuple[UUID, str, datetime]] = []
        for equipment_id, rows in by_equipment.items():
            equipment = self._get(equipment_id)
            if isinstance(equipment, Equipment):
                for _, metric, hour, count, low, high, total in rows:
                    average = (total / count).quantize(AVERAGE_PLACES)
                    equipment.summarise(metric, hour, count, low, high, average, total, at=now)
                pending = len(equipment.pending_events)
                try:
                    self.deps.event_log.save_and_position(equipment)
                except IntegrityError:
                    continue  # the next run tries these hours again
                issued += pending
            done += [(equipment_id, r[1], r[2]) for r in rows]
        self.readings.mark_summarised(done)
        return issued

    def remind_stale_records(self, now: datetime) -> int:
        """Record ``RecordWentStale`` for equipment with no service in N days."""
        cutoff = now - timedelta(days=self.stale_after_days)
        issued = 0
        for equipment_id, last_serviced_at in self.due.stale_records(cutoff):
            equipment = self._get(equipment_id)
            if not isinstance(equipment, Equipment):
                continue
            if equipment.remind_stale(last_serviced_at, self.stale_after_days, at=now):
                try:
                    self.deps.event_log.save_and_position(equipment)
                except IntegrityError:
                    continue
                issued += 1
        return issued

    def prune_readings(self, now: datetime) -> int:
        return self.readings.prune(now - self.reading_retention)
