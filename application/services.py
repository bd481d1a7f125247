"""What every application service of a bounded context is built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.ports import EventLogPort, Ids, ReadModelProgress
from application.registry.ports import RegistryFacts

A = TypeVar("A")


def utc_now() -> datetime:
    return datetime.now(UTC)


def random_id() -> UUID:
    return uuid4()


@dataclass
class ServiceDeps:
    """The event log to command, the read models to consult, the clock and the IDs.

    Decisions are taken by aggregates loaded from ``event_log``; ``registry``
    answers who lives where from the registry's read model (what else a
    handler reads from a read model comes through its context's own port).
    There is no database connection here: application code runs no SQL.
    ``vault`` seals personal data. ``progress`` waits for a read model to
    reach a position, before a command decides on its rows. ``ids`` mints
    the ID of every record a handler creates.
    """

    event_log: EventLogPort
    vault: Any
    registry: RegistryFacts
    progress: ReadModelProgress
    clock: Callable[[], datetime] = field(default=utc_now)
    ids: Ids = field(default=random_id)


def find(
    event_log: EventLogPort, aggregate_id: UUID, kind: type[A], position: int | None = None
) -> A | None:
    """The aggregate, current as of the log (a private copy), if it is a ``kind``;
    with ``position``, as it stood once the log reached that position (an
    auditor's as-of read, decision 0055): None if it did not exist yet."""
    version = None
    if position is not None:
        version = event_log.version_at(aggregate_id, position)
        if version is None:
            return None
    try:
        found = event_log.repository.get(aggregate_id, version=version)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, kind) else None


def load(event_log: EventLogPort, aggregate_id: UUID, kind: type[A], missing: Exception) -> A:
    """The aggregate, as :func:`find`; raises ``missing`` when there is none of that kind."""
    found = find(event_log, aggregate_id, kind)
    if found is None:
        raise missing
    return found


#: How many times a command that re-loads and re-decides is tried when another
#: command changed its aggregate between the load and the save.
CONFLICT_ATTEMPTS = 5


def retrying(attempt: Callable[[], A], attempts: int = CONFLICT_ATTEMPTS) -> A:
    """``attempt()`` (load, decide, save), run again on a concurrent change.

    Only for a command whose every attempt loads afresh and decides again, so
    a second try judges the state the winner left (a real shortfall is then
    refused as such); the last conflict propagates (409).
    """
    for _ in range(attempts - 1):
        try:
            return attempt()
        except IntegrityError:
            continue
    return attempt()
