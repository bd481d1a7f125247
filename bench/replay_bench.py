"""Rebuild rate of every read model, beside a raw COPY of the events table, and as-of time.

Standalone (``python -m bench.replay_bench [--events N]``) so it can be wired
into ``python -m bench`` later. Starts an embedded PostgreSQL and Redis in a
temporary directory unless ``ESTATELOG_BENCH_DATABASE_URL`` /
``ESTATELOG_BENCH_REDIS_URL`` are set, generates a log of identity events
(registrations, logins ok and failed, role grants), then measures:

* raw ``COPY estatelog_events TO STDOUT`` (rows/s), the ceiling;
* ``rebuild`` of every replayable read model from position 0 (events/s);
* ``build_as_of`` of every read model at the middle position (seconds).

Prints JSON. Timings are for people, never for CI.
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

from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User
from infrastructure.bootstrap import build
from infrastructure.embedded import EmbeddedServices
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.settings import Settings
from replay.asof import build_as_of
from replay.operations import rebuild_all
from replay.readmodels import select

FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$bench$bench"  # never verified here


def generate(container: Any, events: int, chunk: int = 500) -> int:
    """Append about ``events`` identity events in atomic chunks; the new head."""
    log = container.event_log
    policy = LockoutPolicy(threshold=10**9)
    now = datetime.now(UTC)
    n = 0
    while log.head() < events:
        users = []
        for _ in range(chunk // 5):
            user = User(
                username=f"bench{n}",
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_bench")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="estatelog-replay-bench-"))
    url = os.environ.get("ESTATELOG_BENCH_DATABASE_URL")
    redis_url = os.environ.get("ESTATELOG_BENCH_REDIS_URL")
    embedded = EmbeddedServices(tmp, database="estatelog_replay_bench")
    settings = Settings(
        data_dir=tmp,
        database_url=url or embedded.postgres_url(),
        redis_url=redis_url or embedded.redis_url(),
    )
    container = build(settings)
    try:
        started = time.perf_counter()
        head = generate(container, args.events)
        generated = time.perf_counter() - started
        copy = raw_copy_rate(container.database_url)
        report = rebuild_all(container)
        projections = select(container.projector.projections, None)
        as_of = build_as_of(
            container.event_log, container.database_url, projections, head // 2, "bench_asof"
        )
        result = {
            "events": head,
            "generate_seconds": round(generated, 1),
            "raw_copy": copy,
            "rebuild": {
                "read_models": report.projections,
                "seconds": round(report.seconds, 3),
                "events_per_second": round(report.events_per_second),
                "share_of_raw_copy": round(report.events_per_second / copy["rows_per_second"], 3),
            },
            "as_of_middle": {"position": as_of.position, "seconds": round(as_of.seconds, 3)},
        }
        print(json.dumps(result, indent=2))
    finally:
        container.close()


if __name__ == "__main__":
    main()
