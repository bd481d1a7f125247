"""Drive an operation from N threads for a while; throughput and latency."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Result:
    """One measured row of the table."""

    group: str
    name: str
    concurrency: int
    ops: int
    seconds: float
    per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    note: str | None = None  # what the figure is, when ops/s alone does not say

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_threads(
    group: str,
    name: str,
    make_worker: Callable[[int], Callable[[], None]],
    concurrency: int,
    seconds: float,
    warmup: float = 0.5,
) -> Result:
    """Each thread calls its worker in a loop; only calls inside the window count."""
    workers = [make_worker(i) for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in workers]
    errors = [0] * concurrency
    kinds: Counter[str] = Counter()  # what failed, for the note (a status, an exception)
    start_gate = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def loop(i: int) -> None:
        work, mine = workers[i], latencies[i]
        start_gate.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= window["end"]:
                return
            try:
                work()
            except Exception as e:
                errors[i] += 1
                kinds[str(e)[:80] or type(e).__name__] += 1
                continue
            t1 = time.perf_counter()
            if t0 >= window["start"] and t1 <= window["end"]:
                mine.append(t1 - t0)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    window["start"] = now + warmup
    window["end"] = now + warmup + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    samples = [s for per_thread in latencies for s in per_thread]
    return Result(
        group=group,
        name=name,
        concurrency=concurrency,
        ops=len(samples),
        seconds=seconds,
        per_second=len(samples) / seconds,
        p50_ms=percentile(samples, 0.50) * 1000,
        p99_ms=percentile(samples, 0.99) * 1000,
        errors=sum(errors),
        note=("errors: " + ", ".join(f"{k} x{n}" for k, n in kinds.most_common(3)))
        if kinds
        else None,
    )
