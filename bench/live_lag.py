"""Live projection lag under a steady command load.

A rate-limited pool of writer threads runs commands through the service's
own save path (``container.event_log``, as ``infrastructure.bootstrap.build``
wires it) while the ``Projector`` follows the log in a thread of the same
process, exactly as ``estatelog serve`` runs it by default
(``interfaces.runner.BackgroundRunner``). A command is one user aggregate
saved with one new event: a registration, then logins (ok, failed, ok) of
that user, so every read model has work to do.

A listener thread LISTENs on ``estatelog_projections`` (the projector
NOTIFYs after every commit) and, on each notification, reads the lowest
position over all projections in ``projection_positions`` and notes when it
rose. An event's lag is the time from its ``save()`` returning (its commit
acknowledged) to the first moment that lowest position covered it, i.e. to
the moment every read model had applied it.

The writers take tickets from one schedule (ticket k is due at start + k /
rate): a thread sleeps until its ticket is due, and a late thread runs at
once, so a machine that cannot keep up shows it as a lower achieved rate.
The first target is 1,000 commands/s; if the machine does not sustain it
(achieved < 95 % of target), lower targets are tried and every attempt is
reported. Writers, projector and listener share one process and its GIL,
as in ``estatelog serve``.
"""

from __future__ import annotations

import bisect
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
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User
from infrastructure.bootstrap import Container
from interfaces.runner import BackgroundRunner
from projections.runtime import PROGRESS_CHANNEL

TARGETS = (1000, 750, 500, 350, 250, 150, 100)
SUSTAINED = 0.95  # achieved / target
POLICY = LockoutPolicy(threshold=10**9)


class Visibility:
    """Listens for projection progress; when each lowest position became visible."""

    def __init__(self, conninfo: str, names: list[str]) -> None:
        self.conninfo = conninfo
        self.names = names
        self.times: list[float] = []
        self.positions: list[int] = []  # non-decreasing, parallel to times
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
            query = "SELECT count(*), min(position) FROM projection_positions WHERE name = ANY(%s)"
            self.ready.set()
            while not self.stop.is_set():
                ready, _, _ = select.select([conn.fileno()], [], [], 0.2)
                if ready:
                    for _ in conn.notifies(timeout=0, stop_after=10_000):
                        pass
                row = conn.execute(query, [self.names]).fetchone()
                seen = time.perf_counter()
                if not row or row[0] < len(self.names) or row[1] is None:
                    continue
                position = int(row[1])
                if position > self.lowest():
                    self.times.append(seen)
                    self.positions.append(position)

    def visible_at(self, position: int) -> float | None:
        i = bisect.bisect_left(self.positions, position)
        return self.times[i] if i < len(self.times) else None


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
    deadline = time.perf_counter() + 30
    while visibility.lowest() < head and time.perf_counter() < deadline:
        time.sleep(0.05)
    counted = [c for c in commands if window_start <= c[1] < window_end]
    lags, unseen, early = [], 0, 0
    for _, acknowledged, position in counted:
        visible = visibility.visible_at(position)
        if visible is None:
            unseen += 1
            continue
        if visible < acknowledged:  # seen before save() returned to its caller
            early += 1
        lags.append(max(visible - acknowledged, 0.0))
    late = [max(acknowledged - due, 0.0) for due, acknowledged, _ in counted]
    achieved = len(counted) / seconds
    return {
        "target_per_second": rate,
        "writers": writers,
        "window_seconds": seconds,
        "commands": len(counted),
        "achieved_per_second": round(achieved, 1),
        "sustained": achieved >= SUSTAINED * rate,
        "lag_p50_ms": round(percentile(lags, 0.50) * 1000, 2) if lags else None,
        "lag_p99_ms": round(percentile(lags, 0.99) * 1000, 2) if lags else None,
        "lag_max_ms": round(max(lags) * 1000, 2) if lags else None,
        "visible_before_save_returned": early,
        "never_visible": unseen,
        "command_p99_ms_from_due": round(percentile(late, 0.99) * 1000, 2) if late else None,
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
                f"lag p50 {result['lag_p50_ms']} ms, p99 {result['lag_p99_ms']} ms",
                flush=True,
            )
            lower = [t for t in TARGETS if t < min(rate, result["achieved_per_second"])]
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
        sustained = "sustained" if a["sustained"] else "NOT sustained"
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
                note=f"ops/s = commands achieved ({sustained}); p50/p99 = projection lag; "
                f"max {a['lag_max_ms']} ms",
            )
        )
    return rows
