"""``python -m bench [--full]``: every figure side by side, on one database.

Starts an embedded PostgreSQL and Redis in a temporary directory (or uses
``ESTATELOG_BENCH_DATABASE_URL`` / ``ESTATELOG_BENCH_REDIS_URL``), measures
the ceilings and estatelog's paths in one run, prints a table and writes JSON
to ``bench/results/``. Replay (``bench.replay_bench``), live lag
(``bench.live_lag``), finance (``bench.finance_bench``) and history
(``bench.history_bench``) each use a database of their own on the same
server. The goals the figures answer are printed last (``bench.goals``).
Timings are for people, never for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench import (
    appends,
    export_bench,
    finance_bench,
    history_bench,
    http_load,
    live_lag,
    reads,
    replay_bench,
)
from bench.goals import goals, print_goals
from bench.measure import Result
from infrastructure.embedded import EmbeddedServices

RESULTS = Path(__file__).resolve().parent / "results"
PROFILES = {
    "quick": {
        "seconds": 4.0,
        "http_seconds": 8.0,
        "log_events": 100_000,
        "replay_events": 100_000,
        "lag_seconds": 8.0,
        "finance_seconds": 5.0,
        "history_rounds": 30,
        "export_seconds": 10.0,
    },
    "full": {
        "seconds": 15.0,
        "http_seconds": 20.0,
        "log_events": 500_000,
        "replay_events": 1_000_000,
        "lag_seconds": 20.0,
        "finance_seconds": 15.0,
        "history_rounds": 150,
        "export_seconds": 30.0,
    },
}
PARTS = ["append", "http", "read", "replay", "lag", "finance", "history", "export"]
CONCURRENCY = (1, 8, 16, 32)
HTTP_CLIENTS = (16, 64)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--full", action="store_true", help="longer runs, a bigger log")
    parser.add_argument("--only", choices=PARTS, action="append")
    args = parser.parse_args()
    profile = "full" if args.full else "quick"
    settings = PROFILES[profile]
    parts = set(args.only or PARTS)

    with tempfile.TemporaryDirectory(prefix="estatelog-bench-") as tmp:
        database_url = os.environ.get("ESTATELOG_BENCH_DATABASE_URL")
        redis_url = os.environ.get("ESTATELOG_BENCH_REDIS_URL")
        services = EmbeddedServices(Path(tmp), database="estatelog_bench")
        if not database_url:
            database_url = services.postgres_url()
        if not redis_url:
            redis_url = services.redis_url()
        appends.create_raw_table(database_url)
        results: list[Result] = []
        extra: dict[str, Any] = {"load_average_at_start": _load()}
        database = str(conninfo_to_dict(database_url).get("dbname") or "estatelog_bench")
        started = time.monotonic()

        def record(result: Result) -> None:
            results.append(result)
            print(
                f"  {result.name:<34} x{result.concurrency:<3} {result.per_second:>10,.0f}/s",
                flush=True,
            )

        # The API first, while the log holds only its own events: its projector
        # would otherwise spend the run on the append benchmark's events.
        if "http" in parts:
            print("http", flush=True)
            http_load.run(
                database_url,
                redis_url,
                Path(tmp) / "api",
                settings["http_seconds"],
                HTTP_CLIENTS,
                record,
            )
        if "append" in parts:
            print("appends", flush=True)
            for n in CONCURRENCY:
                record(appends.raw_insert(database_url, n, settings["seconds"]))
                record(appends.stock_recorder(database_url, n, settings["seconds"]))
                record(appends.estatelog_append(database_url, n, settings["seconds"]))
        if "read" in parts:
            print("read", flush=True)
            reads.fill(database_url, int(settings["log_events"]))
            record(reads.raw_copy(database_url, parse_rows=False))
            record(reads.raw_copy(database_url))
            record(reads.read_decode(database_url))
        if "replay" in parts:
            events = int(settings["replay_events"])
            print(f"replay ({events:,}-event log of its own)", flush=True)
            figures = replay_bench.run(
                database_url, redis_url, Path(tmp) / "replay", events, f"{database}_replay"
            )
            extra["replay"] = figures
            for result in replay_bench.as_results(figures):
                record(result)
        if "lag" in parts:
            print("live lag (projector in-process, rate-limited writers)", flush=True)
            attempts = live_lag.run(
                database_url,
                redis_url,
                Path(tmp) / "lag",
                f"{database}_lag",
                seconds=settings["lag_seconds"],
            )
            extra["live_lag"] = attempts
            for result in live_lag.as_results(attempts):
                record(result)
        if "finance" in parts:
            print("finance (a 10,000-unit estate of its own, estatelog serve)", flush=True)
            figures = finance_bench.run(
                database_url,
                redis_url,
                Path(tmp) / "finance",
                f"{database}_finance",
                seconds=settings["finance_seconds"],
            )
            extra["finance"] = figures
            for result in finance_bench.as_results(figures):
                record(result)
        if "history" in parts:
            print("history (long and short histories of its own, estatelog serve)", flush=True)
            figures = history_bench.run(
                database_url,
                redis_url,
                Path(tmp) / "history",
                f"{database}_history",
                rounds=int(settings["history_rounds"]),
            )
            extra["history"] = figures
            for result in history_bench.as_results(figures):
                record(result)

        if "export" in parts:
            print("export (a 100,000-bill aging downloading, estatelog serve)", flush=True)
            figures = export_bench.run(
                database_url,
                redis_url,
                Path(tmp) / "export",
                f"{database}_export",
                seconds=settings["export_seconds"],
            )
            extra["export"] = figures
            for result in export_bench.as_results(figures):
                record(result)

        report = build_report(profile, results, database_url, time.monotonic() - started)
        report["machine"]["load_average_at_start"] = extra.pop("load_average_at_start")
        report["machine"]["load_average_at_end"] = _load()
        report.update(extra)
        if "history" in extra:
            report["ratios"].update(history_bench.ratios(extra["history"]))
        report["goals"] = goals(extra, report["ratios"])
    print_table(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{profile}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


def _load() -> list[float] | None:
    """1, 5 and 15 minute load averages: how busy the machine was besides the bench."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _find(results: list[Result], group: str, prefix: str, n: int) -> Result | None:
    for r in results:
        if r.group == group and r.name.startswith(prefix) and r.concurrency == n:
            return r
    return None


def build_report(
    profile: str, results: list[Result], database_url: str, elapsed: float
) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
        sync_commit = conn.execute("SHOW synchronous_commit").fetchone()
    ratios: dict[str, float | None] = {}

    def ratio(key: str, a: Result | None, b: Result | None) -> None:
        ratios[key] = round(a.per_second / b.per_second, 3) if a and b and b.per_second else None

    for n in CONCURRENCY:
        raw = _find(results, "append", "raw", n)
        ratio(f"append_vs_raw_insert@{n}", _find(results, "append", "estatelog", n), raw)
        ratio(
            f"append_vs_stock@{n}",
            _find(results, "append", "estatelog", n),
            _find(results, "append", "stock", n),
        )
        ratio(f"stock_vs_raw_insert@{n}", _find(results, "append", "stock", n), raw)
    for n in HTTP_CLIENTS:
        ratio(
            f"http_vs_bare@{n}",
            _find(results, "http", http_load.API, n),
            _find(results, "http", http_load.BARE, n),
        )
        ratio(
            f"http_vs_bare@{n}_2workers",
            _find(results, "http", http_load.API_2, n),
            _find(results, "http", http_load.BARE_2, n),
        )
    ratio(
        "read_decode_vs_copy",
        _find(results, "read", "read", 1),
        _find(results, "read", "raw COPY to rows", 1),
    )
    ratio(
        "rebuild_vs_copy",
        _find(results, "replay", "full rebuild", 1),
        _find(results, "replay", "raw COPY", 1),
    )
    ratio(
        "billing_run_vs_copy",
        _find(results, "finance", "billing run, service, month 1", 1),
        _find(results, "finance", "raw COPY", 1),
    )
    ratio(
        "billing_http_vs_service",
        _find(results, "finance", "billing run, HTTP", 1),
        _find(results, "finance", "billing run, service, month 3", 1),
    )
    for n, prefix in ((16, "payment API, distinct"), (8, "payment API, one unit")):
        ratio(
            f"payments_vs_bare@{n}",
            _find(results, "finance", prefix, n),
            _find(results, "finance", "bare", n),
        )
    return {
        "profile": profile,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "postgres": server[0] if server else None,
            "fsync": fsync[0] if fsync else None,
            "synchronous_commit": sync_commit[0] if sync_commit else None,
        },
        "elapsed_seconds": round(elapsed, 1),
        "ratios": ratios,
        "results": [r.as_dict() for r in results],
    }


def print_table(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"\nestatelog bench ({report['profile']}) - {m['cores']} cores, PostgreSQL "
        f"{m['postgres']}, fsync={m['fsync']}, synchronous_commit={m['synchronous_commit']}, "
        f"Python {m['python']}"
    )
    if m.get("load_average_at_start") or m.get("load_average_at_end"):
        print(
            f"load average (1/5/15 min) at start {m.get('load_average_at_start')}, "
            f"at end {m.get('load_average_at_end')}"
        )
    print(f"{'what':<36}{'conc':>5}{'ops/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in report["results"]:
        p50 = f"{r['p50_ms']:.2f}" if r["p50_ms"] is not None else "-"
        p99 = f"{r['p99_ms']:.2f}" if r["p99_ms"] is not None else "-"
        note = f"  {r['note']}" if r.get("note") else ""
        print(
            f"{r['name']:<36}{r['concurrency']:>5}{r['per_second']:>11,.0f}{p50:>9}{p99:>9}"
            f"{r['errors']:>8}{note}"
        )
    print("\nratios (estatelog / ceiling)")
    for key, value in report["ratios"].items():
        print(f"  {key:<28} {'-' if value is None else f'{value:.2f}'}")
    print_goals(report["goals"])


if __name__ == "__main__":
    main()
