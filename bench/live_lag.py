"""Live projection lag under a steady command load.

A rate-limited pool of writer threads runs commands through the service's
own save path (``container.event_log``, as ``bootstrap.build``
wires it) while the ``Projector`` follows the log in a thread of the same
process, exactly as ``estatelog serve`` runs it by default
(``interfaces.runner.BackgroundRunner``). A command is one user aggregate
saved with one new event: a registration, then logins (ok, failed, ok) of
that user, so the identity read models and the audit trail have work to do (the
others read these events and skip them).

A listener thread LISTENs on ``estatelog_projections`` (the projector
NOTIFYs after every commit) and, on each notification, reads the lowest
position over all projections in ``projection_positions`` and notes when it
rose. An event's lag is the time from its ``save()`` returning (its commit
acknowledged) to the first moment that lowest position covered it, i.e. to
the moment every read model had applied it.

The writers take tickets from one schedule (ticket k is due at start + k /
rate): a thread sleeps until its ticket is due, and a late thread runs at
once, so a machine that cannot keep up shows it as a lower achieved rate.
The first target is 1,000 commands/s. A rate is sustained if the writers
achieve at least 95 % of it and the projector keeps up (the median lag of the
window's last quarter is less than 250 ms above its first quarter's, and it
reaches the head within a second of the writers stopping); if not, lower
targets are tried (three attempts at most; the next target is below 90 % of
what both writers and projector got through) and every attempt is reported.
After each attempt the projector is given up to two minutes to reach the
head before the next one starts.
Writers, projector and listener share one process and its GIL, as in
``estatelog serve``.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import select
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.measure import Result, percentile
from bench.replay_bench import FAKE_HASH, open_container, sibling_database
from bootstrap import Container
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User
from interfaces.runner import BackgroundRunner
from projections.runtime import PROGRESS_CHANNEL

TARGETS = (1000, 750, 500, 350, 250, 150, 100, 50)
SUSTAINED = 0.95  # achieved / target, for the writers
# The projector keeps up if the lag does not grow over the window (the median
# lag of the window's last quarter exceeds its first quarter's by less than
# DRIFT) and it reaches the head soon after the writers stop (within CAUGHT_UP).
DRIFT = 0.25  # seconds
CAUGHT_UP = 1.0  # seconds
DRAIN = 120.0  # seconds to wait for the projector to reach the head after an attempt
POLICY = LockoutPolicy(threshold=10**9)


class Visibility:
    """Listens for projection progress; when each lowest position became visible."""

    def __init__(self, conninfo: str, names: list[str]) -> None:
        self.conninfo = conninfo
        self.names = names
        self.times: list[float] = []
        self.positions: list[int] = []  # the lowest over all, rising, parallel to times
        # the same per projection: name -> (times, positions)
        self.each: dict[str, tuple[list[float], list[int]]] = {n: ([], []) for n in names}
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="bench-lag-listener", daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(10)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)

    def lowest(self) -> int:
        return self.positions[-1] if self.positions else 0

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
            query = "SELECT name, position FROM projection_positions WHERE name = ANY(%s)"
            self.ready.set()
            while not self.stop.is_set():
                ready, _, _ = select.select([conn.fileno()], [], [], 0.2)
                if ready:
                    for _ in conn.notifies(timeout=0, stop_after=10_000):
                        pass
                rows = conn.execute(query, [self.names]).fetchall()
                seen = time.perf_counter()
                for name, position in rows:
                    times, positions = self.each[name]
                    if not positions or position > positions[-1]:
                        times.append(seen)
                        positions.append(int(position))
                if len(rows) < len(self.names):
                    continue
                lowest = min(int(r[1]) for r in rows)
                if lowest > self.lowest():
                    self.times.append(seen)
                    self.positions.append(lowest)

    def lowest_at(self, moment: float) -> int:
        """The lowest position over all projections at ``moment``."""
        i = bisect.bisect_right(self.times, moment)
        return self.positions[i - 1] if i else 0

    def visible_at(self, position: int, name: str | None = None) -> float | None:
        """When ``position`` was applied by every projection (or by ``name``)."""
        times, positions = (self.times, self.positions) if name is None else self.each[name]
        i = bisect.bisect_left(positions, position)
        return times[i] if i < len(times) else None


class Writers:
    """``count`` threads saving commands on one schedule of ``rate`` per second."""

    def __init__(self, container: Container, count: int, tag: str) -> None:
        self.log = container.event_log
        self.count = count
        self.tag = tag
        # per thread: (due, acknowledged, position) of each command, and save() seconds
        self.done: list[list[tuple[float, float, int]]] = [[] for _ in range(count)]
        self.errors = [0] * count

    def run(self, rate: float, seconds: float) -> float:
        """Run for ``seconds`` at ``rate`` commands/s; the schedule's start."""
        tickets = itertools.count()
        lock = threading.Lock()
        start = time.perf_counter() + 0.2
        end = start + seconds

        def loop(w: int) -> None:
            user: User | None = None
            step = 0
            now = datetime.now(UTC)
            while True:
                with lock:
                    k = next(tickets)
                due = start + k / rate
                if due >= end:
                    return
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                if user is None or step % 4 == 0:
                    user = User(
                        username=f"lag-{self.tag}-{w}-{k}",
                        display_name=f"Lag {k}",
                        roles=[Role.OWNER],
                        password_hash=FAKE_HASH,
                    )
                else:
                    user.attempt_login(
                        password_ok=step % 4 != 2,
                        at=now,
                        client_ip="192.0.2.9",
                        user_agent="bench",
                        session_id=f"s{k}",
                        refresh_expires_at=now + timedelta(days=1),
                        policy=POLICY,
                    )
                step += 1
                try:
                    position = self.log.save_and_position(user)
                except Exception:
                    self.errors[w] += 1
                    user = None
                    continue
                self.done[w].append((due, time.perf_counter(), position))

        threads = [
            threading.Thread(target=loop, args=(w,), name=f"bench-lag-writer-{w}", daemon=True)
            for w in range(self.count)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return start


def attempt(
    container: Container,
    visibility: Visibility,
    rate: int,
    seconds: float,
    warmup: float,
    writers: int,
) -> dict[str, Any]:
    """One run at ``rate`` commands/s; its figures."""
    pool = Writers(container, writers, tag=str(rate))
    start = pool.run(rate, warmup + seconds)
    window_start, window_end = start + warmup, start + warmup + seconds
    commands = [c for per_thread in pool.done for c in per_thread]
    head = max((c[2] for c in commands), default=0)
    stopped = time.perf_counter()
    while visibility.lowest() < head and time.perf_counter() < stopped + DRAIN:
        time.sleep(0.05)
    drain = time.perf_counter() - stopped
    counted = sorted((c for c in commands if window_start <= c[1] < window_end), key=lambda c: c[1])
    lags, unseen, early = [], 0, 0
    for _, acknowledged, position in counted:
        visible = visibility.visible_at(position)
        if visible is None:
            unseen += 1
            continue
        if visible < acknowledged:  # seen before save() returned to its caller
            early += 1
        lags.append(max(visible - acknowledged, 0.0))
    quarter = max(len(lags) // 4, 1)
    drift = percentile(lags[-quarter:], 0.5) - percentile(lags[:quarter], 0.5) if lags else 0.0
    late = [max(acknowledged - due, 0.0) for due, acknowledged, _ in counted]
    each: dict[str, dict[str, float | None]] = {}
    for name in visibility.names:
        own = []
        for _, acknowledged, position in counted:
            visible = visibility.visible_at(position, name)
            if visible is not None:
                own.append(max(visible - acknowledged, 0.0))
        each[name] = {
            "p50_ms": round(percentile(own, 0.50) * 1000, 2) if own else None,
            "p99_ms": round(percentile(own, 0.99) * 1000, 2) if own else None,
        }
    achieved = len(counted) / seconds
    # What the projector got through during the window (positions/s, all projections).
    applied = visibility.lowest_at(window_end) - visibility.lowest_at(window_start)
    projector_rate = applied / seconds
    writes_kept_up = achieved >= SUSTAINED * rate
    projector_kept_up = bool(lags) and drift < DRIFT and drain < CAUGHT_UP and not unseen
    return {
        "target_per_second": rate,
        "writers": writers,
        "window_seconds": seconds,
        "commands": len(counted),
        "achieved_per_second": round(achieved, 1),
        "projector_positions_per_second": round(projector_rate, 1),
        "sustained": writes_kept_up and projector_kept_up,
        "writes_kept_up": writes_kept_up,
        "projector_kept_up": projector_kept_up,
        "lag_drift_ms": round(drift * 1000, 1),
        "drain_seconds_after_writes": round(drain, 2),
        "lag_p50_ms": round(percentile(lags, 0.50) * 1000, 2) if lags else None,
        "lag_p99_ms": round(percentile(lags, 0.99) * 1000, 2) if lags else None,
        "lag_max_ms": round(max(lags) * 1000, 2) if lags else None,
        "visible_before_save_returned": early,
        "never_visible": unseen,
        "command_p99_ms_from_due": round(percentile(late, 0.99) * 1000, 2) if late else None,
        "lag_per_projection": each,
        "errors": sum(pool.errors),
    }


def run(
    server_url: str,
    redis_url: str,
    data_dir: Path,
    database: str,
    *,
    seconds: float,
    warmup: float = 1.0,
    writers: int = 16,
    attempts: int = 3,
) -> list[dict[str, Any]]:
    """Try 1,000 commands/s, then lower rates until one is sustained; every attempt."""
    container = open_container(sibling_database(server_url, database), redis_url, data_dir, writers)
    with (
        contextlib.suppress(psycopg.Error),
        psycopg.connect(container.database_url, autocommit=True) as conn,
    ):
        conn.execute("CHECKPOINT")  # start clean of the writes of earlier parts of the bench
    runner = BackgroundRunner(container)
    names = [p.name for p in container.projector.projections]
    visibility = Visibility(container.database_url, names)
    results: list[dict[str, Any]] = []
    try:
        runner.start(projector=True, workers=False)
        visibility.start()
        rate = TARGETS[0]
        while True:
            result = attempt(container, visibility, rate, seconds, warmup, writers)
            results.append(result)
            print(
                f"  live lag: target {rate}/s, achieved {result['achieved_per_second']:,.0f}/s, "
                f"projector {result['projector_positions_per_second']:,.0f} positions/s, "
                f"lag p50 {result['lag_p50_ms']} ms, p99 {result['lag_p99_ms']} ms, "
                f"{'sustained' if result['sustained'] else 'not sustained'}",
                flush=True,
            )
            # Next: below what both the writers and the projector managed.
            reached = min(result["achieved_per_second"], result["projector_positions_per_second"])
            lower = [t for t in TARGETS if t < rate and t <= 0.9 * reached]
            if result["sustained"] or len(results) >= attempts or not lower:
                break
            rate = lower[0]
    finally:
        visibility.close()
        runner.stop()
        container.close()
    return results


def as_results(attempts: list[dict[str, Any]]) -> list[Result]:
    rows = []
    for a in attempts:
        if a["sustained"]:
            sustained = "sustained"
        elif not a["writes_kept_up"]:
            sustained = "NOT sustained: writers fell behind"
        else:
            sustained = (
                f"NOT sustained: projector fell behind (lag grew {a['lag_drift_ms']:,.0f} ms "
                f"over the window, head reached {a['drain_seconds_after_writes']} s after)"
            )
        each = ", ".join(f"{n} {v['p99_ms']}" for n, v in a["lag_per_projection"].items())
        rows.append(
            Result(
                "lag",
                f"live lag @ {a['target_per_second']:,}/s target",
                a["writers"],
                a["commands"],
                a["window_seconds"],
                a["achieved_per_second"],
                p50_ms=a["lag_p50_ms"],
                p99_ms=a["lag_p99_ms"],
                errors=a["errors"],
                note=f"ops/s = commands achieved ({sustained}); p50/p99 = lag until every "
                f"projection applied it, max {a['lag_max_ms']} ms; p99 each: {each}",
            )
        )
    return rows
