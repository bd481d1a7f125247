"""Appends: raw INSERT (the ceiling), the stock library recorder, estatelog."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.postgres import PostgresApplicationRecorder

from bench.measure import Result, run_threads
from infrastructure.eventstore.store import EventLog, postgres_env

RAW_TABLE = "bench_raw_events"
STATE = json.dumps({"label": "bench", "n": 1, "note": "x" * 64}).encode()


class Ticket(Aggregate):
    """A small aggregate: one ``Opened`` event per save."""

    @event("Opened")
    def __init__(self, label: str) -> None:
        self.label = label


class StockApp(Application[UUID]):
    """The library as shipped: its own table, recorder, mapper and transcoder."""

    name = "BenchStock"


def create_raw_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {RAW_TABLE}_nid ON {RAW_TABLE} (notification_id)"
        )


def raw_insert(url: str, concurrency: int, seconds: float) -> Result:
    conns = [psycopg.connect(url, autocommit=True) for _ in range(concurrency)]
    sql = (
        f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) "
        "VALUES (%s, 1, 'bench:Ticket.Opened', %s) RETURNING notification_id"
    )

    def make(i: int) -> Callable[[], None]:
        conn = conns[i]

        def work() -> None:
            conn.execute(sql, (uuid4(), STATE), prepare=True).fetchone()

        return work

    try:
        return run_threads("append", "raw INSERT (ceiling)", make, concurrency, seconds)
    finally:
        for conn in conns:
            conn.close()


def stock_env(url: str, pool: int) -> dict[str, str]:
    env = postgres_env(url, pool)
    for key in ("APPLICATION_RECORDER_TOPIC", "MAPPER_TOPIC", "TRANSCODER_TOPIC"):
        env.pop(key)
    env["CREATE_TABLE"] = "y"
    return env


def stock_recorder(url: str, concurrency: int, seconds: float) -> Result:
    app = StockApp(stock_env(url, max(concurrency, 2)))
    assert type(app.recorder) is PostgresApplicationRecorder
    try:
        return run_threads(
            "append", "stock eventsourcing save()", _saver(app), concurrency, seconds
        )
    finally:
        app.close()


def estatelog_append(url: str, concurrency: int, seconds: float) -> Result:
    log = EventLog(postgres_env(url, max(concurrency, 2)))
    try:
        return run_threads("append", "estatelog EventLog.save()", _saver(log), concurrency, seconds)
    finally:
        log.close()


def _saver(app: Application[UUID] | EventLog) -> Callable[[int], Callable[[], None]]:
    def make(i: int) -> Callable[[], None]:
        def work() -> None:
            app.save(Ticket(f"t{i}"))

        return work

    return make


def cores() -> int:
    return os.cpu_count() or 1
