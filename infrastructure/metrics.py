"""What an operator's Prometheus scrapes from ``/metrics`` (docs/operations.md).

Two kinds of readings, kept apart on purpose (decision 0043):

* **Counted** by this process as things happen: requests and their latency by
  route template, events appended, login failures and lockouts, the use of
  its connection pools. Under ``serve --workers N`` every worker counts in
  its own files under ``PROMETHEUS_MULTIPROC_DIR`` and a scrape, whichever
  worker answers it, adds them up (prometheus-client's multiprocess mode).
* **Read** at scrape time from PostgreSQL and Redis, so they are the same
  whichever process answers: the log's head, every read model's lag and
  state, the outboxes' backlog and the job queues' depth. A scrape that
  cannot reach a store says so in ``estatelog_store_up`` rather than failing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from projections.events import kind_of
from projections.positions import ProjectionStatus

log = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: The label of a request no route matched: never the raw path, which would
#: make a series per ID (or per probe of a scanner).
UNMATCHED = "unmatched"
# Seconds; a bare request takes about a millisecond, a heavy report seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# How often a worker's request path refreshes its pool gauges (a scrape does it too).
POOL_REFRESH_SECONDS = 1.0


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_ENV) or None


class Metrics:
    """The counted metrics of one process, on a registry of its own (tests build
    one per container; nothing is registered on import)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "estatelog_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "estatelog_http_request_duration_seconds",
            "Time from a request's arrival to its last byte, by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.events_appended = Counter(
            "estatelog_events_appended",
            "Events this process appended to the log, by aggregate type",
            ["aggregate"],
            registry=r,
        )
        self.login_failures = Counter(
            "estatelog_login_failures",
            "Failed logins recorded (user=known: a user's; unknown: a name no one has)",
            ["user"],
            registry=r,
        )
        self.lockouts = Counter(
            "estatelog_lockouts",
            "Accounts locked (by=policy: too many failures; administrator: by hand)",
            ["by"],
            registry=r,
        )
        # livesum: the workers' pools add up; a dead worker's files leave with the
        # directory, which ``serve`` empties on start.
        self.pool_size, self.pool_idle, self.pool_max, self.pool_waiting = (
            Gauge(name, text, ["pool"], registry=r, multiprocess_mode="livesum")
            for name, text in (
                ("estatelog_db_pool_connections", "Connections open in a pool"),
                ("estatelog_db_pool_idle_connections", "Open connections no one holds"),
                ("estatelog_db_pool_max_connections", "The most connections a pool may open"),
                ("estatelog_db_pool_waiting_requests", "Callers waiting for a connection now"),
            )
        )
        self.pools: dict[str, Any] = {}
        self.readings: Collector | None = None
        self._pools_read_at = 0.0

    def watch(self, aggregates: Sequence[Any]) -> Callable[[int], None]:
        """An event log's save watcher: counts what a save appended once it committed."""
        events = [(kind_of(e), e) for a in aggregates for e in getattr(a, "pending_events", ())]
        if not events:
            return _nothing

        def committed(position: int) -> None:
            for (aggregate, name), event in events:
                self.events_appended.labels(aggregate).inc()
                if (aggregate, name) == ("User", "LoginFailed"):
                    self.login_failures.labels("known").inc()
                elif aggregate == "UnknownUserLoginFailed":
                    self.login_failures.labels("unknown").inc()
                elif (aggregate, name) == ("User", "AccountLocked"):
                    by = "policy" if getattr(event, "by", None) is None else "administrator"
                    self.lockouts.labels(by).inc()

        return committed

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        if time.monotonic() - self._pools_read_at >= POOL_REFRESH_SECONDS:
            self.read_pools()

    def read_pools(self) -> None:
        self._pools_read_at = time.monotonic()
        for name, pool in self.pools.items():
            stats = pool.get_stats()
            self.pool_size.labels(name).set(stats.get("pool_size", 0))
            self.pool_idle.labels(name).set(stats.get("pool_available", 0))
            self.pool_max.labels(name).set(stats.get("pool_max", 0))
            self.pool_waiting.labels(name).set(stats.get("requests_waiting", 0))

    def exposition(self) -> bytes:
        """The Prometheus text of every metric: this process's (or, in multiprocess
        mode, every worker's summed), then what the stores say now."""
        self.read_pools()
        if multiprocess_dir() is None:
            text = generate_latest(self.registry)
        else:
            summed = CollectorRegistry()
            multiprocess.MultiProcessCollector(summed)
            text = generate_latest(summed)
        if self.readings is not None:
            # Not described on registration: that would read the stores once more.
            scrape = CollectorRegistry(auto_describe=False)
            scrape.register(self.readings)
            text += generate_latest(scrape)
        return text


def _nothing(position: int) -> None:
    return None


class StoreReadings(Collector):
    """The readings taken from PostgreSQL and Redis at each scrape."""

    def __init__(
        self,
        head: Callable[[], int],
        statuses: Callable[[], Sequence[ProjectionStatus]],
        outboxes: Iterable[str],
        queue_depths: Callable[[], dict[str, tuple[int, int]]],
    ) -> None:
        self.head = head
        self.statuses = statuses
        self.outboxes = frozenset(outboxes)
        self.queue_depths = queue_depths

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "estatelog_store_up", "Whether this scrape could read the store", labels=["store"]
        )
        for store, read in (("postgres", self._postgres), ("redis", self._redis)):
            try:
                families = list(read())  # all of a store's readings, or none
            except Exception as e:
                log.warning("metrics: %s unreadable: %s", store, type(e).__name__)
                up.add_metric([store], 0)
            else:
                yield from families
                up.add_metric([store], 1)
        yield up

    def _postgres(self) -> Iterator[Metric]:
        head = GaugeMetricFamily("estatelog_log_head_position", "The log's last position")
        head.add_metric([], self.head())
        statuses = self.statuses()
        lag, age, failed, retrying = (
            GaugeMetricFamily(f"estatelog_projection_{name}", text, labels=["read_model"])
            for name, text in (
                ("lag_events", "Events a read model has yet to apply"),
                ("lag_seconds", "Age of the oldest event a read model has yet to apply"),
                ("failed", "1 when a read model has stopped on an event it cannot apply"),
                ("retrying", "1 while a read model retries a passing failure (an outage)"),
            )
        )
        outbox = GaugeMetricFamily(
            "estatelog_outbox_pending_events",
            "Events an outbox (a follower that enqueues jobs) has yet to hand on",
            labels=["outbox"],
        )
        for s in statuses:
            lag.add_metric([s.name], s.lag_events)
            age.add_metric([s.name], s.lag_seconds)
            failed.add_metric([s.name], 1 if s.state == "failed" else 0)
            retrying.add_metric([s.name], 1 if s.state == "retrying" else 0)
            if s.name in self.outboxes:
                outbox.add_metric([s.name], s.lag_events)
        yield from (head, lag, age, failed, retrying, outbox)

    def _redis(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "estatelog_queue_depth",
            "Jobs enqueued and not yet done (waiting, delayed for a retry, or running)",
            labels=["queue"],
        )
        dead = GaugeMetricFamily(
            "estatelog_queue_dead_letters", "Jobs given up after their last retry", labels=["queue"]
        )
        for queue, (pending, failed) in sorted(self.queue_depths().items()):
            depth.add_metric([queue], pending)
            dead.add_metric([queue], failed)
        yield depth
        yield dead


def dramatiq_queue_depths(broker: Any) -> dict[str, tuple[int, int]]:
    """(not yet acknowledged, dead-lettered) per queue of a dramatiq RedisBroker.

    The broker keeps every message in ``<ns>:<queue>.msgs`` until it is acked
    (its delayed twin in ``<queue>.DQ.msgs``) and the dead in ``<queue>.XQ.msgs``:
    one HLEN each, in one round trip.
    """
    queues = sorted(q for q in broker.get_declared_queues() if not q.endswith((".DQ", ".XQ")))
    if not queues:
        return {}
    pipe = broker.client.pipeline(transaction=False)
    for queue in queues:
        base = f"{broker.namespace}:{queue}"
        pipe.hlen(f"{base}.msgs")
        pipe.hlen(f"{base}.DQ.msgs")
        pipe.hlen(f"{base}.XQ.msgs")
    counts = pipe.execute()
    return {q: (counts[3 * i] + counts[3 * i + 1], counts[3 * i + 2]) for i, q in enumerate(queues)}
