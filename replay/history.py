"""One aggregate as it stood at a version or a moment, with the events that made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification
from psycopg_pool import ConnectionPool

from application.errors import NotFound
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog
from projections.events import (
    CLEAR_NAME_FIELDS,
    ENCRYPTED_SUFFIX,
    SECRET_FIELDS,
    details_of,
    hide_clear_name,
    kind_of,
    occurred_at,
    to_json,
)
from projections.identity.erasures import last_erasures


class NoSuchAggregate(NotFound):
    """The aggregate had no events by then (the API answers 404 with this detail)."""

    def __init__(self) -> None:
        super().__init__("no such aggregate, or it did not exist yet")


@dataclass(frozen=True)
class HistoricEvent:
    position: int
    version: int
    aggregate_type: str
    event_type: str
    occurred_at: datetime
    metadata: dict[str, Any]
    details: dict[str, Any]


@dataclass(frozen=True)
class AggregateHistory:
    aggregate_id: UUID
    aggregate_type: str
    version: int
    state: dict[str, Any]
    events: list[HistoricEvent]


def public_state(aggregate: object, *, erased: bool = False) -> dict[str, Any]:
    """The aggregate's own fields: no private ones, no secrets, no ciphertext.

    A name in clear from an older release is masked, or ``[erased]`` when
    ``erased`` (the person's data was erased later than this state).
    """
    out: dict[str, Any] = {}
    for key, value in vars(aggregate).items():
        if key.startswith("_") or key in SECRET_FIELDS:
            continue
        if key.endswith(ENCRYPTED_SUFFIX):
            out[key] = "[encrypted]" if value else None
        elif key in CLEAR_NAME_FIELDS:
            out[key] = hide_clear_name(value, erased)
        else:
            out[key] = value
    return orjson.loads(to_json(out))  # type: ignore[no-any-return]


def aggregate_history(
    event_log: EventLog,
    pool: ConnectionPool,
    aggregate_id: UUID,
    *,
    version: int | None = None,
    as_of: datetime | None = None,
) -> AggregateHistory:
    """Fold the aggregate's events up to ``version`` or up to ``as_of`` (both: either).

    Raises :class:`NoSuchAggregate` when it had no events by then.
    """
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_version, topic, state "
            f"FROM {EVENTS_TABLE} WHERE originator_id = %s AND originator_version <= %s "
            "ORDER BY originator_version",
            [aggregate_id, version if version is not None else 2**62],
        ).fetchall()
        erased_at = last_erasures(conn, [aggregate_id]).get(aggregate_id, 0)
    mapper = event_log.mapper_with_metadata
    aggregate: Any = None
    events: list[HistoricEvent] = []
    for position, ver, topic, state in rows:
        note = Notification(
            id=position,
            originator_id=aggregate_id,
            originator_version=ver,
            topic=topic,
            state=bytes(state),
        )
        event, meta = mapper.decode(note)
        occurred = occurred_at(event)
        if as_of is not None and occurred > as_of:
            break
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
        aggregate_type, event_type = kind_of(event)
        events.append(
            HistoricEvent(
                position=position,
                version=ver,
                aggregate_type=aggregate_type,
                event_type=event_type,
                occurred_at=occurred,
                metadata=meta,
                details=details_of(event, erased=position < erased_at),
            )
        )
    if aggregate is None:
        raise NoSuchAggregate()
    return AggregateHistory(
        aggregate_id=aggregate_id,
        aggregate_type=type(aggregate).__name__,
        version=events[-1].version,
        state=public_state(aggregate, erased=events[-1].position < erased_at),
        events=events,
    )
