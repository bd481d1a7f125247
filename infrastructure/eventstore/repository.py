"""The library's repository, reading an aggregate it does not hold in one statement.

The library reads the latest snapshot, then the events after it: two round
trips for every aggregate not in the cache (the first command on a unit's
account since start, every aggregate past the cache's size). Here one
statement returns both, which also makes them one consistent read.

A snapshot taken of another shape of the aggregate's class than the running
code's (its ``class_version``, decision 0033) is never loaded: the aggregate is
folded from all its events instead, and the snapshot is named to ``on_stale``
so that the snapshotter takes a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProjectorFunction, Repository
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import InterfaceError, Mapper, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import resolve_topic, retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier


def fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its ``assert isinstance`` of a
    runtime-checkable Protocol on every event: on Python 3.11 that check walks
    the event class's members each time, about 50 us an event, more than the
    event's own ``mutate`` (decision 0054)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class OneReadRepository(Repository[UUID]):
    """A load that misses the cache costs one round trip, with snapshots or without."""

    def get(  # type: ignore[override]
        self, aggregate_id: UUID, *, projector_func: Any = fold, **kwargs: Any
    ) -> Any:
        return super().get(aggregate_id, projector_func=projector_func, **kwargs)

    def __init__(
        self, *args: Any, on_stale: Callable[[UUID], None] = lambda _: None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.on_stale = on_stale
        self._latest_sql: str | None = None
        if self.snapshot_store is not None:
            events = cast("PostgresAggregateRecorder", self.event_store.recorder)
            snapshots = cast("PostgresAggregateRecorder", self.snapshot_store.recorder)
            schema = Identifier(events.datastore.schema)
            # "> ALL" of no snapshot is true: then every event is read.
            self._latest_sql = (
                SQL(
                    "WITH snapshot AS (SELECT originator_id, originator_version, topic, state "
                    "FROM {schema}.{snapshots} WHERE originator_id = %(id)s "
                    "ORDER BY originator_version DESC LIMIT 1) "
                    "SELECT originator_id, originator_version, topic, state, true FROM snapshot "
                    "UNION ALL "
                    "SELECT originator_id, originator_version, topic, state, false "
                    "FROM {schema}.{events} WHERE originator_id = %(id)s "
                    "AND originator_version > ALL (SELECT originator_version FROM snapshot) "
                    "ORDER BY 5 DESC, 2"
                )
                .format(
                    schema=schema,
                    snapshots=Identifier(snapshots.events_table_name),
                    events=Identifier(events.events_table_name),
                )
                .as_string()
            )

    def _reconstruct_aggregate(
        self,
        aggregate_id: UUID,
        version: int | None,
        projector_func: ProjectorFunction[Any, Any],
    ) -> Any:
        if version is not None or self._latest_sql is None:
            events: Iterable[Any] = self._events_to(aggregate_id, version)
        else:
            assert self.snapshot_store is not None
            events = list(
                snapshot_then_events(
                    self._latest(aggregate_id), self.event_store.mapper, self.snapshot_store.mapper
                )
            )
            if events and is_stale(events[0]):
                self.on_stale(aggregate_id)
                events = self.event_store.get(aggregate_id)
        aggregate = projector_func(None, events)
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} not found.")
        return aggregate

    def _events_to(self, aggregate_id: UUID, version: int | None) -> Iterable[Any]:
        """The library's reading up to ``version``: the latest snapshot at or before it
        unless stale, then the events after that."""
        snapshots: list[Any] = []
        if self.snapshot_store is not None:
            snapshots = list(self.snapshot_store.get(aggregate_id, desc=True, limit=1, lte=version))
            if snapshots and is_stale(snapshots[0]):
                self.on_stale(aggregate_id)
                snapshots = []
        after = snapshots[0].originator_version if snapshots else None
        return chain(snapshots, self.event_store.get(aggregate_id, gt=after, lte=version))

    # As the recorder's reads: a connection that broke while idle in the pool
    # fails once and the next try takes a fresh one.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _latest(self, aggregate_id: UUID) -> list[tuple[Any, ...]]:
        """The latest snapshot (if any), then every event after it; each row
        ends with whether it is the snapshot."""
        assert self._latest_sql is not None
        recorder = cast("PostgresAggregateRecorder", self.event_store.recorder)
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            # Binary: in text a bytea travels as hex, twice its bytes, and
            # decoding it cost a 3.5 MB snapshot 65 ms of a 75 ms read (0040).
            curs.execute(self._latest_sql, {"id": aggregate_id}, prepare=True, binary=True)
            return curs.fetchall()


def snapshot_then_events(
    rows: Iterable[tuple[Any, ...]], events: Mapper[UUID], snapshots: Mapper[UUID]
) -> Iterator[Any]:
    """Domain events of rows (originator_id, originator_version, topic, state,
    is_snapshot): a snapshot's state is in the snapshot store's own format."""
    for row in rows:
        stored = StoredEvent(
            originator_id=row[0], originator_version=row[1], topic=row[2], state=bytes(row[3])
        )
        yield (snapshots if row[4] else events).to_domain_event(stored)


def is_stale(event: Any) -> bool:
    """Whether ``event`` is a snapshot of another shape of its aggregate's class than
    the running code's: the library stores the class's ``class_version`` in every
    snapshot (when above 1), and a class whose state changes shape raises it.
    Snapshots are a cache of the log, so one of another version is dropped, never
    upcast (decision 0033)."""
    if not isinstance(event, CanSnapshotAggregate):
        return False
    try:
        cls = resolve_topic(event.topic)
    except Exception:
        return True  # its class is gone: the events name what is there now
    return bool(event.state.get("class_version", 1) != getattr(cls, "class_version", 1))
