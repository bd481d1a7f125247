"""Rebuild rate of every read model, beside a raw COPY of the events table, and as-of time.

Part of ``python -m bench`` (``--only replay``); also runs on its own as
``python -m bench.replay_bench [--events N]``. Uses a database of its own
beside the bench's (``<name>_replay`` on the same server: the embedded one,
or the one ``ESTATELOG_BENCH_DATABASE_URL`` names), fills it with a log of
identity events (per user: registration, three logins ok/failed/ok, a role
grant), then measures:

* raw ``COPY estatelog_events TO STDOUT`` (rows/s, rows counted, not parsed), the
  ceiling: once as the first read after the writes, then three times after
  ``VACUUM ANALYZE``, the best of which is the ceiling (the rebuild and the
  as-of build read the vacuumed log too);
* ``rebuild`` of every replayable read model from position 0 (events/s), blue/green;
* ``build_as_of`` of every replayable read model at the head (the whole log; seconds).

Timings are for people, never for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.measure import Result
from bootstrap import Container, build
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User
from infrastructure.embedded import EmbeddedServices, create_database
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.settings import Settings
from replay.asof import build_as_of, drop_build
from replay.operations import rebuild_all
from replay.readmodels import select
from replay.verify import verify_chain, verify_new_events

FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$bench$bench"  # never verified here
AS_OF_SCHEMA = "bench_asof"
MILLION = 1_000_000


def sibling_database(url: str, name: str) -> str:
    """The URL of database ``name`` on the server at ``url``, created empty (dropped first)."""
    create_database(url, name)
    sibling = make_conninfo(url, dbname=name)
    with psycopg.connect(sibling, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return sibling


def open_container(database_url: str, redis_url: str, data_dir: Path, pool: int = 10) -> Container:
    """The service's container (``bootstrap.build``) on the given servers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return build(
        Settings(
            data_dir=data_dir, database_url=database_url, redis_url=redis_url, db_pool_size=pool
        )
    )


def generate(container: Any, events: int, chunk: int = 500, prefix: str = "bench") -> int:
    """Append identity events in atomic chunks up to about position ``events``;
    the new head (users are named ``prefix`` and a number: a prefix per call)."""
    log = container.event_log
    policy = LockoutPolicy(threshold=10**9)
    now = datetime.now(UTC)
    n = 0
    while log.head() < events:
        users = []
        for _ in range(chunk // 5):
            user = User(
                username=f"{prefix}{n}",
                display_name=f"Bench {n}",
                roles=[Role.OWNER],
                password_hash=FAKE_HASH,
            )
            for ok in (True, False, True):
                user.attempt_login(
                    password_ok=ok,
                    at=now,
                    client_ip="192.0.2.9",
                    user_agent="bench",
                    session_id=f"s{n}",
                    refresh_expires_at=now + timedelta(days=1),
                    policy=policy,
                )
            user.grant_role(Role.TECHNICIAN)
            users.append(user)
            n += 1
        log.save(*users)
    return int(log.head())


def raw_copy_rate(url: str) -> dict[str, float]:
    started, rows = time.perf_counter(), 0
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY {EVENTS_TABLE} TO STDOUT") as copy,
    ):
        for block in copy:  # raw blocks: count rows by newlines, no parsing
            rows += bytes(block).count(b"\n")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}


def measure(container: Container, events: int) -> dict[str, Any]:
    """Generate the log, then COPY, full rebuild and as-of of the whole log; the figures."""
    started = time.perf_counter()
    head = generate(container, events)
    generated = time.perf_counter() - started
    # The first read of freshly written rows also sets their hint bits (writes);
    # the ceiling is a COPY of the log as it is once settled (vacuumed), which
    # is also how the rebuild and the as-of build below find it.
    first_copy = raw_copy_rate(container.database_url)
    with psycopg.connect(container.database_url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {EVENTS_TABLE}")
    # Short and noisy on a shared machine: the best of three is the ceiling.
    copies = [raw_copy_rate(container.database_url) for _ in range(3)]
    copy = max(copies, key=lambda c: c["rows_per_second"])
    report = rebuild_all(container)
    projections = select(container.projector.projections, None)
    as_of = build_as_of(
        container.event_log, container.database_url, projections, head, AS_OF_SCHEMA
    )
    drop_build(container.database_url, AS_OF_SCHEMA)
    integrity = integrity_figures(container)
    as_of_rate = as_of.events / as_of.seconds if as_of.seconds else 0.0
    extrapolated = as_of.events < MILLION
    return {
        "events": head,
        "generate_seconds": round(generated, 1),
        "raw_copy": copy,
        "raw_copy_first_read": first_copy,
        "raw_copy_runs": [c["rows_per_second"] for c in copies],
        "rebuild": {
            "read_models": report.projections,
            "events": report.events,
            "seconds": round(report.seconds, 3),
            "events_per_second": round(report.events_per_second),
            "share_of_raw_copy": round(report.events_per_second / copy["rows_per_second"], 3),
        },
        "as_of_whole_log": {
            "read_models": as_of.projections,
            "position": as_of.position,
            "events": as_of.events,
            "seconds": round(as_of.seconds, 3),
            "events_per_second": round(as_of_rate),
        },
        "integrity": integrity,
        "as_of_1m_events": {
            "seconds": round(as_of.seconds * MILLION / as_of.events, 1) if as_of.events else None,
            "extrapolated": extrapolated,
        },
    }


def integrity_figures(container: Container, new: int = 1000) -> dict[str, Any]:
    """A full check of the log (which leaves the checkpoint at its head), then
    ``new`` more events and an incremental check of them (decision 0031)."""
    url = container.database_url
    started = time.perf_counter()
    full = verify_chain(url)
    full_seconds = time.perf_counter() - started
    head = int(container.event_log.head())
    generate(container, head + new, prefix=f"after{head}-")
    started = time.perf_counter()
    incremental = verify_new_events(url)
    incremental_seconds = time.perf_counter() - started
    assert full.ok and incremental.ok, (full, incremental)
    return {
        "log_events": full.events_checked,
        "full_seconds": round(full_seconds, 3),
        "new_events": incremental.events_checked,
        "incremental_ms": round(incremental_seconds * 1000, 1),
    }


def as_results(figures: dict[str, Any]) -> list[Result]:
    """The figures as rows of the bench table."""
    copy, rebuild, as_of = figures["raw_copy"], figures["rebuild"], figures["as_of_whole_log"]
    integrity = figures["integrity"]
    one_m = figures["as_of_1m_events"]
    one_m_label = "extrapolated from the whole-log run" if one_m["extrapolated"] else "measured"
    return [
        Result(
            "replay",
            "raw COPY of the log, rows (ceiling)",
            1,
            int(copy["rows"]),
            copy["seconds"],
            copy["rows_per_second"],
            note=f"{copy['rows']:,} rows in {copy['seconds']:.2f} s, best of 3 after VACUUM "
            f"(first read, before it: {figures['raw_copy_first_read']['rows_per_second']:,}/s)",
        ),
        Result(
            "replay",
            "full rebuild, all read models",
            1,
            rebuild["events"],
            rebuild["seconds"],
            rebuild["events_per_second"],
            note=f"{rebuild['events']:,} events in {rebuild['seconds']:.1f} s, "
            f"{rebuild['share_of_raw_copy']:.1%} of COPY",
        ),
        Result(
            "replay",
            "integrity, full re-verify of the log",
            1,
            integrity["log_events"],
            integrity["full_seconds"],
            round(integrity["log_events"] / integrity["full_seconds"]),
            note=f"{integrity['log_events']:,} events in {integrity['full_seconds']:.2f} s",
        ),
        Result(
            "replay",
            "integrity, new events after the checkpoint",
            1,
            integrity["new_events"],
            round(integrity["incremental_ms"] / 1000, 4),
            round(integrity["new_events"] / integrity["incremental_ms"] * 1000),
            p50_ms=integrity["incremental_ms"],
            note=f"{integrity['new_events']:,} new events after {integrity['log_events']:,} "
            f"in {integrity['incremental_ms']:.0f} ms (goal < 100 ms on a 1M-event log)",
        ),
        Result(
            "replay",
            "as-of build of the whole log",
            1,
            as_of["events"],
            as_of["seconds"],
            as_of["events_per_second"],
            note=f"{as_of['events']:,} events in {as_of['seconds']:.1f} s; "
            f"1M events: {one_m['seconds']:.0f} s ({one_m_label})",
        ),
    ]


def run(
    server_url: str, redis_url: str, data_dir: Path, events: int, database: str
) -> dict[str, Any]:
    """Measure in a fresh database ``database`` beside ``server_url``'s; the figures."""
    container = open_container(sibling_database(server_url, database), redis_url, data_dir)
    try:
        return measure(container, events)
    finally:
        container.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_bench")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="estatelog-replay-bench-") as name:
        tmp = Path(name)
        url = os.environ.get("ESTATELOG_BENCH_DATABASE_URL")
        redis_url = os.environ.get("ESTATELOG_BENCH_REDIS_URL")
        embedded = EmbeddedServices(tmp, database="estatelog_bench")
        url = url or embedded.postgres_url()
        database = f"{conninfo_to_dict(url).get('dbname') or 'estatelog_bench'}_replay"
        figures = run(url, redis_url or embedded.redis_url(), tmp / "replay", args.events, database)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
