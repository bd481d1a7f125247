"""A 100,000-row export while others are served: ``/auth/me`` p50/p99 and RSS.

Issue 15: "a 100k-row export adds < 50 MiB RSS, and other requests' p99
during it stays within 2x of idle". The export is the biggest the API has
that grows with the store: the receivables aging as xlsx, a row per open
bill (``GET /finance/statements/receivables-aging?format=xlsx``). The bench
starts ``estatelog serve`` (projector and workers running, as by default) on
a database of its own (``<name>_export``), fills the ledger's read model
with 100,000 open bills on 10,000 units by SQL (as the plan tests do: the
read model is what the export reads), then:

* idle: one client asks ``GET /api/v1/auth/me`` in a loop for ``seconds``;
* during: the same, while another client downloads the aging again and
  again for the whole window (each download read to its end, in chunks);
* the server's VmRSS (``/proc/<pid>/status``; the Python process only)
  before the first download and its peak, sampled every 50 ms, during.

``python -m bench.export_bench`` runs it alone and prints the figures as JSON
(``ESTATELOG_BENCH_DATABASE_URL`` and ``ESTATELOG_BENCH_REDIS_URL``, or the
local defaults).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import http_load
from bench.measure import Result, percentile
from bench.replay_bench import sibling_database
from bench.rss_plateau import rss_kib, serve_pid
from domain.finance.accounts import RECEIVABLES

BILLS = 100_000
UNITS = 10_000
AT = "2026-12-31"
ESTATE = "00000000-0000-0000-0000-000000000007"
MiB = 1024  # KiB in a MiB: VmRSS is in KiB


def fill(database_url: str, bills: int = BILLS) -> None:
    """``bills`` open bills on receivables, spread over ``UNITS`` units, a bill in
    five paid in part, with the bills' read model naming who owes each."""
    unit = f"lpad(to_hex(mod(g, {UNITS})), 32, '0')::uuid"
    payer = f"lpad(to_hex(mod(g, {3 * UNITS}) + {UNITS}), 32, '0')::uuid"
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO finance_ledger_lines (position, line_no, estate_id, booked_on, "
            "account, debit, credit, currency, unit_id, bill_id, due_on) "
            f"SELECT g, 1, %s, date '2016-01-01' + mod(g, 3900), %s, 100 + mod(g, 997) / 100.0, "
            f"CASE WHEN mod(g, 5) = 0 THEN 40 ELSE 0 END, 'CNY', {unit}, md5(g::text)::uuid, "
            "date '2016-01-20' + mod(g, 4000) FROM generate_series(1, %s) g",
            [ESTATE, RECEIVABLES, bills],
        )
        conn.execute(
            "INSERT INTO finance_bills (bill_id, unit_id, estate_id, period, payer_ids, lines, "
            "currency, principal, outstanding, days, days_in_period, issued_on, due_on, "
            f"position) SELECT md5(g::text)::uuid, {unit}, %s, '2020-01', ARRAY[{payer}], "
            "'[]', 'CNY', 100, 100, 31, 31, date '2016-01-01', date '2016-01-20', g "
            "FROM generate_series(1, %s) g",
            [ESTATE, bills],
        )
        conn.execute("ANALYZE finance_ledger_lines")
        conn.execute("ANALYZE finance_bills")


def latencies(base: str, headers: dict[str, str], seconds: float) -> list[float]:
    """Seconds each ``/auth/me`` took, one after another for ``seconds``."""
    out = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        end = time.perf_counter() + seconds
        while (t0 := time.perf_counter()) < end:
            client.get("/api/v1/auth/me").raise_for_status()
            out.append(time.perf_counter() - t0)
    return out


class Exports:
    """Downloads the aging in a loop until stopped, while sampling the server's RSS."""

    def __init__(self, base: str, headers: dict[str, str], pid: int) -> None:
        self.base, self.headers, self.pid = base, headers, pid
        self.stop = threading.Event()
        self.first_byte = threading.Event()
        self.files: list[tuple[float, int]] = []  # (seconds, bytes) of each whole download
        self.peak_kib = 0
        self.error: BaseException | None = None

    def download(self) -> None:
        params = {"at": AT, "format": "xlsx", "estate_id": ESTATE}
        url = "/api/v1/finance/statements/receivables-aging"
        try:
            with httpx.Client(base_url=self.base, headers=self.headers, timeout=600) as client:
                while not self.stop.is_set():
                    t0, size = time.perf_counter(), 0
                    with client.stream("GET", url, params=params) as r:
                        r.raise_for_status()
                        for chunk in r.iter_bytes():
                            self.first_byte.set()
                            size += len(chunk)
                    self.files.append((time.perf_counter() - t0, size))
        except BaseException as e:  # reported in the figures
            self.error = e
        finally:
            self.first_byte.set()

    def sample(self) -> None:
        while not self.stop.is_set():
            self.peak_kib = max(self.peak_kib, rss_kib(self.pid))
            time.sleep(0.05)


def _thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def run(
    database_url: str, redis_url: str, tmp: Path, database: str, seconds: float
) -> dict[str, Any]:
    """Serve on database ``database`` (made beside ``database_url``), fill it, measure."""
    url = sibling_database(database_url, database)
    port = http_load.free_port()
    env = http_load.api_env(url, redis_url, tmp / "export-api", port)
    with http_load.server(http_load.estatelog_argv(), env, port) as base:
        fill(url)
        pid = serve_pid(port)
        r = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": http_load.ADMIN[0], "password": http_load.ADMIN[1]},
        )
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        latencies(base, headers, 1.0)  # warm: the first requests load code and caches
        idle = latencies(base, headers, seconds)
        rss_before = rss_kib(pid)
        exports = Exports(base, headers, pid)
        threads = [_thread(exports.sample), _thread(exports.download)]
        exports.first_byte.wait(timeout=600)
        during = latencies(base, headers, seconds)
        exports.stop.set()
        for thread in threads:
            thread.join(timeout=600)
    if exports.error is not None:
        raise RuntimeError(f"the export failed: {exports.error!r}")

    def ms(samples: list[float], q: float) -> float:
        return round(percentile(samples, q) * 1000, 1)

    return {
        "bills": BILLS,
        "seconds": seconds,
        "idle": {"requests": len(idle), "p50_ms": ms(idle, 0.5), "p99_ms": ms(idle, 0.99)},
        "during": {
            "requests": len(during),
            "p50_ms": ms(during, 0.5),
            "p99_ms": ms(during, 0.99),
        },
        "exports": [
            {"seconds": round(s, 1), "mib": round(b / (1 << 20), 1)} for s, b in exports.files
        ],
        "rss_before_mib": round(rss_before / MiB, 1),
        "rss_peak_mib": round(exports.peak_kib / MiB, 1),
        "rss_added_mib": round((exports.peak_kib - rss_before) / MiB, 1),
    }


def as_results(figures: dict[str, Any]) -> list[Result]:
    """The figures as rows of the bench table (group ``export``)."""
    seconds = figures["seconds"]
    note = f"GET /auth/me, one client; the aging of {figures['bills']:,} bills as xlsx"
    rows = [
        Result(
            "export",
            f"/auth/me {phase}",
            1,
            figures[phase]["requests"],
            seconds,
            figures[phase]["requests"] / seconds,
            p50_ms=figures[phase]["p50_ms"],
            p99_ms=figures[phase]["p99_ms"],
            note=f"{note}: {'none running' if phase == 'idle' else 'downloaded in a loop'}",
        )
        for phase in ("idle", "during")
    ]
    files = figures["exports"]
    if files:
        total = sum(f["seconds"] for f in files)
        rows.append(
            Result(
                "export",
                "aging xlsx, 100k bills",
                1,
                len(files),
                total,
                len(files) / total if total else 0.0,
                note=f"{files[-1]['mib']} MiB a file; server RSS "
                f"{figures['rss_before_mib']} -> {figures['rss_peak_mib']} MiB at peak",
            )
        )
    return rows


def goals(figures: dict[str, Any]) -> list[dict[str, Any]]:
    idle, during = figures["idle"]["p99_ms"], figures["during"]["p99_ms"]
    added = figures["rss_added_mib"]
    return [
        {
            "goal": "p99 of /auth/me during a 100k-row export <= 2x idle",
            "measured": f"{during} ms during, {idle} ms idle ({during / idle:.1f}x)",
            "met": during <= 2 * idle,
        },
        {
            "goal": "a 100k-row export adds < 50 MiB RSS",
            "measured": f"{added} MiB ({figures['rss_before_mib']} -> "
            f"{figures['rss_peak_mib']} MiB at peak)",
            "met": added < 50,
        },
    ]


if __name__ == "__main__":
    database_url = os.environ.get(
        "ESTATELOG_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/estatelog_bench"
    )
    redis_url = os.environ.get("ESTATELOG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(database_url, redis_url, Path(tmp), "estatelog_bench_export", seconds)
    print(json.dumps({"figures": figures, "goals": goals(figures)}, indent=2))
