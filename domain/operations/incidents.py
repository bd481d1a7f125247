"""System incidents in the manual's four levels (R6.2, manual 6.2 系统异常处理流程).

An incident is one kind of failure at one place (its fingerprint: source,
kind, where), recorded when it is first seen, then acknowledged and resolved
by an administrator, who records the cause and the action taken. The same
failure seen again adds to its count; seen again after it was resolved, it
opens a new episode (``Reopened``), so each episode keeps its own handling.

What an incident stores says where and what, never who or which record: the
place is a route template or a read model's name, the summary an exception's
type and a fixed text. Its ID derives from the fingerprint, so every process
that sees the same failure appends to the same record.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed

#: The namespace of incidents' fingerprint IDs (uuid5 of "source|kind|where").
INCIDENTS = UUID("7d0c3b52-1f4e-5a8b-9c61-3e2f4a5b6c7d")

#: The longest cause or action an administrator records.
NOTE_LONGEST = 2000


class Level(IntEnum):
    """The manual's four levels: 一级 is the most severe."""

    SYSTEM_CRASH = 1  # 系统崩溃: the service cannot work (the database away, the log broken)
    BUSINESS_INTERRUPTED = 2  # 业务中断: a part stopped (a read model, a background thread)
    DATA_ANOMALY = 3  # 数据异常: data is wrong or was not delivered as it should be
    MINOR_ERROR = 4  # 轻微错误: one request or one message failed; the rest works

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def alerts(self) -> bool:
        """Does an incident of this level reach the administrators' alert inbox?"""
        return self <= Level.BUSINESS_INTERRUPTED


class Source(StrEnum):
    """The part of the service that saw the failure."""

    API = "api"
    PROJECTOR = "projector"
    WORKER = "worker"
    SCHEDULER = "scheduler"
    INTEGRITY = "integrity"
    NOTIFICATIONS = "notifications"


class Status(StrEnum):
    RECORDED = "recorded"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def incident_id_for(source: str, kind: str, where: str) -> UUID:
    """The one ID of a fingerprint, the same in every process."""
    return uuid5(INCIDENTS, f"{source}|{kind}|{where}")


class Incident(Aggregate):
    """One failure at one place, in episodes: recorded -> acknowledged -> resolved."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        level: int,
        source: str,
        kind: str,
        where: str,
        summary: str,
        first_seen: datetime,
        last_seen: datetime,
        count: int,
    ) -> None:
        self.level = level
        self.source = source
        self.kind = kind
        self.where = where
        self.summary = summary
        self.episode = 1
        self._open_episode(first_seen, last_seen, count)

    def _open_episode(self, first_seen: datetime, last_seen: datetime, count: int) -> None:
        self.status = Status.RECORDED
        self.first_seen = first_seen
        self.last_seen = last_seen
        self.occurrences = count
        self.acknowledged_by: UUID | None = None
        self.acknowledged_at: datetime | None = None
        self.resolved_by: UUID | None = None
        self.resolved_at: datetime | None = None
        self.cause: str | None = None
        self.action: str | None = None

    def seen_again(
        self, summary: str, first_seen: datetime, last_seen: datetime, count: int
    ) -> None:
        """``count`` more occurrences between these moments: a new episode if resolved."""
        if count < 1:
            raise ValidationFailed("an incident is seen at least once")
        if self.status is Status.RESOLVED:
            self._reopened(summary=summary, first_seen=first_seen, last_seen=last_seen, count=count)
        else:
            self._recurred(summary=summary, last_seen=last_seen, count=count)

    @event("Recurred")
    def _recurred(self, summary: str, last_seen: datetime, count: int) -> None:
        self.summary = summary
        self.last_seen = max(self.last_seen, last_seen)
        self.occurrences += count

    @event("Reopened")
    def _reopened(
        self, summary: str, first_seen: datetime, last_seen: datetime, count: int
    ) -> None:
        self.summary = summary
        self.episode += 1
        self._open_episode(first_seen, last_seen, count)

    def acknowledge(self, by: UUID, at: datetime) -> None:
        """An administrator has taken the incident on (once an episode)."""
        if self.status is not Status.RECORDED:
            raise InvalidTransition(f"the incident is already {self.status}")
        self._acknowledged(by=by, at=at)

    @event("Acknowledged")
    def _acknowledged(self, by: UUID, at: datetime) -> None:
        self.status = Status.ACKNOWLEDGED
        self.acknowledged_by, self.acknowledged_at = by, at

    def resolve(self, by: UUID, cause: str, action: str, at: datetime) -> None:
        """Fixed: what caused it and what was done (the manual's review record)."""
        if self.status is Status.RESOLVED:
            raise InvalidTransition("the incident is already resolved")
        for name, text in (("cause", cause), ("action", action)):
            if not text.strip():
                raise ValidationFailed(f"a resolution states its {name}")
            if len(text) > NOTE_LONGEST:
                raise ValidationFailed(f"the {name} is longer than {NOTE_LONGEST} characters")
        self._resolved(by=by, cause=cause.strip(), action=action.strip(), at=at)

    @event("Resolved")
    def _resolved(self, by: UUID, cause: str, action: str, at: datetime) -> None:
        self.status = Status.RESOLVED
        self.resolved_by, self.resolved_at = by, at
        self.cause, self.action = cause, action
