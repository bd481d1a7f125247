"""The library's repository, reading an aggregate it does not hold in one statement.

The library reads the latest snapshot, then the events after it: two round
trips for every aggregate not in the cache (the first command on a unit's
account since start, every aggregate past the cache's size). Here one
statement returns both, which also makes them one consistent read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProjectorFunction, Repository
from eventsourcing.persistence import InterfaceError, Mapper, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier


class OneReadRepository(Repository[UUID]):
    """A load that misses the cache costs one round trip, with snapshots or without."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        assert self.snapshot_store is not None
        events = snapshot_then_events(
            self._latest(aggregate_id), self.event_store.mapper, self.snapshot_store.mapper
        )
        aggregate = projector_func(None, events)
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} not found.")
        return aggregate

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
            curs.execute(self._latest_sql, {"id": aggregate_id}, prepare=True)
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
