"""The event store: one eventsourcing Application over one PostgreSQL table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Recording, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, Mapper, Notification, StoredEvent
from eventsourcing.utils import Environment, EnvType, get_topic, strtobool
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from application.numbers import implied
from application.ports import Number
from infrastructure.database import harden
from infrastructure.eventstore import numbers
from infrastructure.eventstore.mapper import MetadataMapper
from infrastructure.eventstore.numbers import numbering
from infrastructure.eventstore.recorder import ChainedEventRecorder
from infrastructure.eventstore.repository import (
    OneReadRepository,
    fold,
    is_stale,
    snapshot_then_events,
)
from infrastructure.eventstore.snapshot_transcoder import SnapshotTranscoder
from infrastructure.eventstore.transcoder import OrjsonTranscoder
from projections.log import EVENTS_TABLE as EVENTS_TABLE  # read models read it too


def postgres_env(
    database_url: str, pool_size: int = 10, aggregate_cache_size: int = 5000
) -> dict[str, str]:
    """Library settings for the PostgreSQL persistence module from one URL."""
    parts = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname") or "postgres"),
        "POSTGRES_HOST": str(parts.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(parts.get("port") or "5432"),
        "POSTGRES_USER": str(parts.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(parts.get("password") or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        # The library's wait for a free connection (see database.POOL_WAIT).
        "POSTGRES_CONNECT_TIMEOUT": "2",
        "POSTGRES_LOCK_TIMEOUT": "10",
        # No pre-ping: it is a round trip before every checkout (three or four
        # per HTTP command). database.harden gives the pool a check that costs
        # a poll of the socket instead, and finds the connections the server
        # dropped; one that broke unnoticed fails its statement with
        # OperationalError/InterfaceError, which the recorder methods and the
        # group writer retry on a fresh connection.
        "POSTGRES_PRE_PING": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedEventRecorder),
        "MAPPER_TOPIC": get_topic(MetadataMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        # The repository keeps the last N aggregates loaded or saved (LRU),
        # so the next command on one only reads the events written since. Its
        # memory grows with every new aggregate until N are held; that is the
        # process's whole growth under commands (docs/benchmarks.md).
        "AGGREGATE_CACHE_MAXSIZE": str(aggregate_cache_size),
    }


class EventLog(Application[UUID]):
    """All aggregates of all contexts append here, in one global order.

    Application services per bounded context are thin classes that hold an
    ``EventLog`` and call :meth:`save`, which returns the global position of
    the last event written.
    """

    # The library names the table "<name>_events": one constant for both layers.
    name = EVENTS_TABLE.removesuffix("_events")

    def __init__(self, env: EnvType) -> None:
        # The snapshot store is always there to read; snapshots are written by
        # the snapshotter, which follows the log, never by save() (decision 0032).
        #: Aggregates whose latest snapshot was found stale on a load (decision
        #: 0033): the snapshotter takes them again. Filled before the library's
        #: __init__ builds the repository, which is handed its ``add``.
        self.stale_snapshots: set[UUID] = set()
        super().__init__({**env, "IS_SNAPSHOTTING_ENABLED": "y"})
        harden(self.chained_recorder.datastore.pool)
        #: Told of the aggregates of every save before it is written; each
        #: returns what to call with the save's last position once it has
        #: committed (decisions 0035, 0045).
        self.save_watchers: list[Callable[[Sequence[Any]], Callable[[int], None]]] = []

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        committed = [watch(objs) for watch in self.save_watchers]
        # Whatever the path, a creating event the rule numbers is numbered (0050).
        asked = numbers.asked()
        with numbering([*asked, *implied(objs, asked)]):
            recordings = self._save(objs, kwargs)
        position = recordings[-1].notification.id if recordings else 0
        for then in committed:
            then(position)
        return recordings

    def _save(self, objs: Sequence[Any], kwargs: dict[str, Any]) -> list[Recording[UUID]]:
        """``Application.save``, with its events collected from our aggregates by
        class: the library asks two runtime-checkable Protocols of each object
        instead, about 50 us an aggregate on Python 3.11 (decision 0054)."""
        processing = ProcessingEvent[UUID]()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing.events.extend(obj.collect_events())
                processing.aggregates[obj.id] = obj
            elif obj is not None:
                processing.collect_events(obj)  # a bare event: the library's way
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # type: ignore[no-untyped-call]
        return recordings

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only the settings given: a stray POSTGRES_* variable must not redirect writes.
        return Environment(name, dict(env or {}))

    def construct_snapshot_store(self) -> EventStore[UUID]:
        # Its own mapper: an aggregate's state needs tags its events never do.
        return EventStore(
            mapper=Mapper(transcoder=SnapshotTranscoder()),
            recorder=self.factory.aggregate_recorder(purpose="snapshots"),
        )

    def construct_repository(self) -> Repository[UUID]:
        # The library's own settings, read as it reads them.
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return OneReadRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")
            ),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
            on_stale=self.stale_snapshots.add,
        )

    @property
    def mapper_with_metadata(self) -> MetadataMapper:
        assert isinstance(self.mapper, MetadataMapper)
        return self.mapper

    def save_and_position(self, *aggregates: Any) -> int:
        """Save atomically; the global position of the last event (0 if none)."""
        recordings = self.save(*aggregates)
        return recordings[-1].notification.id if recordings else 0

    def save_numbered(self, *aggregates: Any, numbers: Sequence[Number]) -> int:
        """Save atomically, the asked events numbered under the append's lock (0041)."""
        with numbering(numbers):
            return self.save_and_position(*aggregates)

    def serial_of(self, originator_id: UUID) -> int | None:
        """The serial the log gave the aggregate's first numbered event, or None."""
        recorder = self.chained_recorder
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(recorder.select_serial_sql, [originator_id], prepare=True)
            row = curs.fetchone()
        return None if row is None else int(row[0])

    def forget_snapshots(self, aggregate_id: UUID) -> None:
        """Delete the aggregate's snapshots; the next load folds its events again.

        After an erasure: a snapshot taken before it may hold what an older
        release kept in clear (a user's name). Snapshots are a cache of the
        log, so nothing is lost, and the next one is taken from the new state.
        """
        if self.snapshots is None:
            return
        recorder: Any = self.snapshots.recorder
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                SQL("DELETE FROM {} WHERE originator_id = %s").format(
                    Identifier(recorder.events_table_name)
                ),
                [aggregate_id],
            )

    def save_bulk(self, aggregates: Iterable[Aggregate], *, chunk_size: int = 1000) -> int:
        """Append the pending events of many aggregates atomically; the last position.

        For commands that produce tens of thousands of events (imports,
        billing runs): ``aggregates`` is consumed lazily and only about
        ``chunk_size`` events are held at a time, all in one transaction, so a
        version conflict anywhere stores nothing (``IntegrityError``). Other
        appends wait while it runs (it holds the table lock), so keep one call
        to what takes seconds, not minutes. Snapshots are not taken and the
        aggregates do not enter the repository cache.
        """
        found: list[Number] = []  # the bills of a billing run, as their accounts go by
        position = self.chained_recorder.insert_bulk(
            self._stored_chunks(aggregates, chunk_size, found), found
        )
        # Told of no aggregate, a watcher still records the saving session's position.
        for watch in self.save_watchers:
            watch(())(position)
        return position

    def _stored_chunks(
        self, aggregates: Iterable[Aggregate], chunk_size: int, found: list[Number]
    ) -> Iterator[Sequence[StoredEvent]]:
        chunk: list[StoredEvent] = []
        asked = numbers.asked()
        for aggregate in aggregates:
            found += implied([aggregate], asked)
            # Watchers hear of a bulk save before it (nothing after it: what
            # they forgot stays forgotten, which is safe).
            for watch in self.save_watchers:
                watch([aggregate])
            chunk += map(self.mapper.to_stored_event, aggregate.collect_events())
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def load_many(self, ids: Sequence[UUID]) -> dict[UUID, Any]:
        """The aggregates among ``ids`` that exist, rebuilt from one query.

        For commands over thousands of aggregates (a billing run loads every
        unit account of an estate): one round trip instead of one per
        aggregate, each from its latest snapshot and the events after it. No
        cache: each is a private copy.
        """
        recorder = self.chained_recorder
        assert self.snapshots is not None
        snapshots: Any = self.snapshots.recorder
        sql = SQL(
            "WITH snapshot AS (SELECT DISTINCT ON (originator_id) originator_id, "
            "originator_version, topic, state FROM {schema}.{snapshots} "
            "WHERE originator_id = ANY(%(ids)s) ORDER BY originator_id, originator_version DESC) "
            "SELECT originator_id, originator_version, topic, state, true FROM snapshot "
            "UNION ALL "
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, false "
            "FROM {schema}.{events} e LEFT JOIN snapshot s ON s.originator_id = e.originator_id "
            "WHERE e.originator_id = ANY(%(ids)s) "
            "AND e.originator_version > coalesce(s.originator_version, 0) "
            "ORDER BY 1, 5 DESC, 2"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            snapshots=Identifier(snapshots.events_table_name),
            events=Identifier(recorder.events_table_name),
        )
        found: dict[UUID, Any] = {}
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(sql, {"ids": list(ids)}, binary=True)  # bytea not as hex (0040)
            rows = [tuple(row.values()) for row in curs.fetchall()]
        stale: set[UUID] = set()
        for domain_event in snapshot_then_events(rows, self.mapper, self.snapshots.mapper):
            aggregate_id = domain_event.originator_id
            if aggregate_id in stale or is_stale(domain_event):
                stale.add(aggregate_id)  # its events after the snapshot are read below
                continue
            found[aggregate_id] = domain_event.mutate(found.get(aggregate_id))
        for aggregate_id in stale:  # rare: after a release that changed the class's shape
            self.stale_snapshots.add(aggregate_id)
            found[aggregate_id] = fold(None, self.events.get(aggregate_id))
        return found

    def version_at(self, aggregate_id: UUID, position: int) -> int | None:
        """The aggregate's last version recorded at or before ``position`` (None: not yet)."""
        recorder = self.chained_recorder
        sql = SQL(
            "SELECT max(originator_version) AS version FROM {}.{} "
            "WHERE originator_id = %s AND notification_id <= %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(sql, [aggregate_id, position])
            row = curs.fetchone()
        return None if row is None or row["version"] is None else int(row["version"])

    def recall(self, aggregate_id: UUID) -> Any | None:
        """A copy of the cached aggregate, not fast-forwarded: no round trip.

        Taken under the repository's fast-forward lock, so it is never a copy
        of an aggregate half-way through another thread's fast-forward.
        """
        repository = self.repository
        if repository.cache is None:
            return None
        lock = repository._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                try:
                    cached = repository.cache.get(aggregate_id)
                except KeyError:
                    return None
                return deepcopy(cached)
        finally:
            repository._disuse_fastforward_lock(aggregate_id)

    def remember(self, *aggregates: Any) -> None:
        """Cache the saved aggregates as they are now: the version just appended.

        The library's cache keeps what was loaded and fast-forwards it on the
        next ``get`` (a round trip); after this, :meth:`recall` finds the
        current version for as long as this process is the only writer.
        """
        cache = self.repository.cache
        if cache is None:
            return
        for aggregate in aggregates:
            cache.put(aggregate.id, aggregate)

    @property
    def chained_recorder(self) -> ChainedEventRecorder:
        assert isinstance(self.recorder, ChainedEventRecorder)
        return self.recorder

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def read(self, after: int, limit: int) -> list[Notification]:
        return list(self.recorder.select_notifications(after, limit, inclusive_of_start=False))
