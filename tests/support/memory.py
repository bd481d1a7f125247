"""The event log of the unit tier: the eventsourcing library's in-memory
recorder behind the same port (``application/ports.py: EventLogPort``) as
the PostgreSQL one, with the same transcoder and metadata mapper, so a
handler's events round-trip exactly as they would in the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from application.numbers import implied
from application.ports import Ids, Number
from application.services import ServiceDeps, random_id
from infrastructure.eventstore.mapper import MetadataMapper
from infrastructure.eventstore.transcoder import OrjsonTranscoder


class MemoryEventLog(Application[UUID]):
    name = "estatelog"

    def __init__(self) -> None:
        super().__init__(
            {
                "PERSISTENCE_MODULE": "eventsourcing.popo",
                "MAPPER_TOPIC": get_topic(MetadataMapper),
                "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
            }
        )
        self.last_serials: dict[str, int] = {}
        self.serials: dict[UUID, int] = {}
        self._asked: tuple[Number, ...] = ()

    @property
    def mapper_with_metadata(self) -> MetadataMapper:
        assert isinstance(self.mapper, MetadataMapper)
        return self.mapper

    def save_and_position(self, *aggregates: Any) -> int:
        recordings = self.save(*aggregates)
        return recordings[-1].notification.id if recordings else 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """As the store does (decision 0050): the creating events the rule names are numbered."""
        numbers = [*self._asked, *implied(objs, self._asked)]
        recordings = super().save(*objs, **kwargs)
        for number in numbers:
            number.serial = max(self.last_serials.get(number.series, 0), number.floor) + 1
            self.last_serials[number.series] = number.serial
            self.serials.setdefault(number.originator_id, number.serial)
        return recordings

    def save_numbered(self, *aggregates: Any, numbers: Sequence[Number]) -> int:
        """As the store numbers (decision 0041): each series counts on after its floor."""
        self._asked = tuple(numbers)
        try:
            return self.save_and_position(*aggregates)
        finally:
            self._asked = ()

    def serial_of(self, originator_id: UUID) -> int | None:
        return self.serials.get(originator_id)

    def save_bulk(self, aggregates: Iterable[Aggregate], *, chunk_size: int = 1000) -> int:
        return self.save_and_position(*aggregates) or self.head()

    def load_many(self, ids: Sequence[UUID]) -> dict[UUID, Any]:
        found: dict[UUID, Any] = {}
        for aggregate_id in ids:
            try:
                found[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                continue
        return found

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def recall(self, aggregate_id: UUID) -> Any | None:
        return None  # no cache in memory: every command loads from the log

    def remember(self, *aggregates: Any) -> None:
        return None

    def version_at(self, aggregate_id: UUID, position: int) -> int | None:
        versions = [
            n.originator_version
            for n in self.recorder.select_notifications(1, position)
            if n.originator_id == aggregate_id and n.id <= position
        ]
        return max(versions) if versions else None

    def forget_snapshots(self, aggregate_id: UUID) -> None:
        return None

    def domain_events(self, aggregate_id: UUID | None = None) -> list[Any]:
        """Every domain event in the log (of one aggregate), oldest first."""
        head = self.head()
        stored = self.recorder.select_notifications(1, head) if head else []
        return [
            self.mapper.to_domain_event(n)
            for n in stored
            if aggregate_id is None or n.originator_id == aggregate_id
        ]


class NoRegistry:
    """Registry facts of an empty registry; a test sets what it needs."""

    def __init__(self) -> None:
        self.homes: dict[UUID, list[tuple[UUID, UUID]]] = {}

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        return list(self.homes.get(user_id, []))

    def estates_of_login(self, user_id: UUID) -> set[UUID]:
        return {estate for estate, _ in self.homes.get(user_id, [])}

    def occupant_user_ids(self, estate_id: UUID) -> list[UUID]:
        return sorted(
            (u for u, homes in self.homes.items() if any(e == estate_id for e, _ in homes)),
            key=str,
        )

    def billing_units(self, estate_id: UUID) -> list[Any]:
        return []

    def ownerships(self, estate_id: UUID, unit_id: UUID | None = None) -> list[Any]:
        return []


class CaughtUp:
    """Read-model progress of the unit tier: every read model is at the head."""

    def wait(self, read_model: str, position: int, timeout: float) -> bool:
        return True


def memory_deps(now: datetime | None = None, ids: Ids = random_id) -> ServiceDeps:
    """What a handler is built from, in memory: no database, no vault, a fixed
    clock, and ``ids`` for the records it creates (tests/support/ids.py)."""
    at = now or datetime(2026, 1, 1, 8, tzinfo=UTC)
    return ServiceDeps(
        event_log=MemoryEventLog(),
        vault=None,
        registry=NoRegistry(),
        progress=CaughtUp(),
        clock=lambda: at,
        ids=ids,
    )


class NoArrears:
    """No unit owes on a bill past due (the accounts read model is not in memory)."""

    def units_owing(self, due_before: Any) -> list[tuple[UUID, UUID]]:
        return []
