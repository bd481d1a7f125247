"""What the equipment context needs from storage besides the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.equipment.rules import Reading

# (equipment, metric, hour, count, min, max, sum) of one finished hour
HourRow = tuple[UUID, str, datetime, int, Decimal, Decimal, Decimal]


class ReadingStore(Protocol):
    """Raw readings, the newest per metric, and running hourly aggregates:
    plain tables, not events (decision 0007); ``infrastructure/telemetry_store.py``."""

    def latest_times(self, equipment_ids: Sequence[UUID]) -> dict[tuple[UUID, str], datetime]:
        """The time of the newest stored reading per (equipment, metric)."""
        ...

    def store(self, readings: Sequence[Reading]) -> int:
        """Keep the readings (a resent one is a duplicate); how many were new."""
        ...

    def finished_hours(self, before: datetime, limit: int = ...) -> list[HourRow]: ...

    def mark_summarised(self, keys: Sequence[tuple[UUID, str, datetime]]) -> None: ...

    def prune(self, older_than: datetime) -> int: ...

    def silent_since(self, before: datetime, limit: int = ...) -> list[UUID]:
        """Equipment that has reported before, but nothing since ``before``."""
        ...


class DueEquipmentWork(Protocol):
    """What the equipment jobs ask the context's read models: which alarms and
    records may need a command now (``projections/equipment/queries.py: DueWork``).
    The read model may lag; the aggregate each candidate loads decides."""

    def alarms_to_escalate(self, now: datetime) -> list[UUID]:
        """Unacknowledged alarms whose next escalation is due, soonest first."""
        ...

    def stale_records(self, cared_for_before: datetime) -> list[tuple[UUID, datetime | None]]:
        """Equipment in use not looked after since then, with its last service."""
        ...


class NoDueEquipmentWork:
    """A context with no read model to ask (the unit tier): nothing falls due."""

    def alarms_to_escalate(self, now: datetime) -> list[UUID]:
        return []

    def stale_records(self, cared_for_before: datetime) -> list[tuple[UUID, datetime | None]]:
        return []
