"""What every application service of a bounded context is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from application.ports import EventLogPort


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceDeps:
    """The event log to command, the read models to consult, and the clock.

    ``pool`` is a psycopg connection pool for read-model lookups a command
    needs (does this unit exist, who serves this estate); decisions are taken
    by aggregates loaded from ``event_log``. ``vault`` seals personal data.
    """

    event_log: EventLogPort
    pool: Any
    vault: Any
    clock: Callable[[], datetime] = field(default=utc_now)
