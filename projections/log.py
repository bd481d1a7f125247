"""The event log as read models see it.

Read models sit below the store in the layers (``.importlinter``), so what
they need of it is stated here and the store conforms: the table a read model
built by SQL reads straight from (``LogProjection``), which is also the
channel the store NOTIFYs on append, and the few methods the runtime and
replay call (:class:`EventSource`, which ``infrastructure.eventstore.store.
EventLog`` implements).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import uuid4

from eventsourcing.persistence import Notification, StoredEvent

from domain.identity.alerts import AdminAlert, Severity

log = logging.getLogger(__name__)

#: The stored events' table; the library also NOTIFYs on a channel of this name.
EVENTS_TABLE = "estatelog_events"


class Decodes(Protocol):
    def decode(self, stored_event: StoredEvent) -> tuple[Any, dict[str, Any]]:
        """The domain event and its metadata."""
        ...


class EventSource(Protocol):
    """What the projector and replay read the log through."""

    @property
    def mapper_with_metadata(self) -> Decodes: ...

    def head(self) -> int:
        """The position of the last event (0: none)."""
        ...

    def read(self, after: int, limit: int) -> list[Notification]: ...

    def save(self, *aggregates: Any) -> Any:
        """Append (the runtime records an alert when a read model stops)."""
        ...


def raise_alert(source: EventSource, kind: str, message: str) -> None:
    """Record a critical ``AdminAlert`` for operators (a read model or a
    background thread stopped). If the log cannot take it, the database is
    likely why: the error is logged and the caller carries on.

    Like its wall-clock time, its ID is the machine's own (random): no command
    raised it, so the container's ``ids`` and ``clock`` do not reach here."""
    alert = AdminAlert(
        id=uuid4(),
        kind=kind,
        severity=Severity.CRITICAL,
        subject_id=None,
        message=message,
        at=datetime.now(UTC),
    )
    try:
        source.save(alert)
    except Exception:
        log.exception("could not record the %s alert: %s", kind, message)
