"""The integrity check starts from the last verified checkpoint (decision 0031).

Each story counts what a check read (``events_checked``, from where:
``verified_from``) rather than timing it: the cost of a check is the events it
reads. Tampering is done as in ``test_tamper_evidence.py``, behind the
append-only triggers, as a database superuser could.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import psycopg
from eventsourcing.domain import Aggregate, event
from fastapi.testclient import TestClient

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog
from replay.verify import CHECKPOINT_TABLE, verify_chain, verify_new_events


class Meter(Aggregate):
    """A water meter, enough to give the log some rows."""

    @event("Installed")
    def __init__(self, number: str) -> None:
        self.number = number
        self.reading = Decimal(0)

    @event("Read")
    def read(self, reading: Decimal, at: datetime) -> None:
        self.reading = reading


def install_and_read(log: EventLog, meters: int = 4, readings: int = 2) -> list[int]:
    """``meters * (1 + readings)`` new events; the position of each save."""
    saved = []
    for i in range(meters):
        meter = Meter(f"WM-{i:04d}")
        for k in range(readings):
            meter.read(Decimal(f"{k + 1}.5"), datetime.now(UTC))
        saved.append(log.save_and_position(meter))
    return saved


def chain(url: str) -> dict[int, bytes]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(f"SELECT notification_id, chain_hash FROM {EVENTS_TABLE}").fetchall()
    return {position: bytes(hash_) for position, hash_ in rows}


def checkpoint(url: str) -> tuple[int, bytes] | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT position, chain_hash FROM {CHECKPOINT_TABLE}").fetchone()
    return None if row is None else (row[0], bytes(row[1]))


def behind_the_triggers(url: str, sql: str, params: Any) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(sql, params)  # type: ignore[arg-type]


def forge_a_reading(url: str, after: int) -> int:
    """Change the first reading recorded after a position; its position."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"SELECT notification_id, state FROM {EVENTS_TABLE} WHERE notification_id > %s "
            "AND topic LIKE %s ORDER BY notification_id LIMIT 1",
            [after, "%Meter.Read"],
        ).fetchone()
    assert row is not None
    state = orjson.loads(row[1])
    state["reading"]["_data_"] = "0.1"
    behind_the_triggers(
        url,
        f"UPDATE {EVENTS_TABLE} SET state = %s WHERE notification_id = %s",
        [orjson.dumps(state), row[0]],
    )
    return int(row[0])


def test_a_check_after_new_events_reads_only_the_new_ones(container: Container) -> None:
    url = container.database_url
    install_and_read(container.event_log, meters=10)  # 30 events
    first = verify_new_events(url)
    assert first.ok and first.verified_from == 0
    assert first.events_checked == len(chain(url)) == 30
    assert checkpoint(url) == (first.head_position, chain(url)[first.events_checked])

    install_and_read(container.event_log, meters=2)  # 6 more
    second = verify_new_events(url)
    assert second.ok, second
    assert second.verified_from == first.head_position
    assert second.events_checked == 6
    assert second.head_position == max(chain(url)) == 36
    assert second.head_hash == chain(url)[36].hex()
    assert checkpoint(url) == (36, chain(url)[36])

    nothing_new = verify_new_events(url)
    assert nothing_new.ok and nothing_new.events_checked == 0
    assert (nothing_new.head_position, nothing_new.head_hash) == (36, chain(url)[36].hex())

    full = verify_chain(url)
    assert full.ok and full.verified_from == 0 and full.events_checked == 36


def test_tampering_after_the_checkpoint_is_found_and_not_stepped_over(
    container: Container,
) -> None:
    url = container.database_url
    install_and_read(container.event_log)
    verified = verify_new_events(url)
    assert verified.ok and verified.head_position is not None
    install_and_read(container.event_log)

    forged = forge_a_reading(url, after=verified.head_position)

    for _ in range(2):  # the next check does not start past the forgery either
        report = verify_new_events(url)
        assert report.ok is False
        assert report.first_broken_position == forged
        assert report.verified_from == verified.head_position
        assert report.events_checked == forged - verified.head_position - 1
        assert checkpoint(url) == (verified.head_position, chain(url)[verified.head_position])


def test_tampering_before_the_checkpoint_is_found_by_the_full_check(
    container: Container,
) -> None:
    url = container.database_url
    install_and_read(container.event_log)
    head = verify_new_events(url).head_position
    assert head == 12

    forged = forge_a_reading(url, after=0)

    # The incremental check does not read behind its checkpoint: that is its point.
    assert verify_new_events(url).events_checked == 0
    full = verify_chain(url)
    assert full.ok is False
    assert full.first_broken_position == forged
    assert full.events_checked == forged - 1
    assert checkpoint(url) == (head, chain(url)[head])


def test_a_forged_checkpoint_is_found_by_both_checks(container: Container) -> None:
    url = container.database_url
    install_and_read(container.event_log)
    head = verify_new_events(url).head_position
    install_and_read(container.event_log, meters=1)
    with psycopg.connect(url) as conn:
        conn.execute(f"UPDATE {CHECKPOINT_TABLE} SET chain_hash = %s", [bytes(32)])

    incremental = verify_new_events(url)
    assert incremental.ok is False
    assert incremental.first_broken_position == head
    assert incremental.events_checked == 0
    full = verify_chain(url)
    assert full.ok is False
    assert full.first_broken_position == head
    assert full.events_checked == head
    assert full.problem is not None and "checkpoint" in full.problem
    assert checkpoint(url) == (head, bytes(32)), "a failed check moves nothing"


def test_a_checkpoint_past_the_end_of_the_log_is_found(container: Container) -> None:
    url = container.database_url
    install_and_read(container.event_log)
    head = verify_new_events(url).head_position
    assert head is not None
    with psycopg.connect(url) as conn:
        conn.execute(f"UPDATE {CHECKPOINT_TABLE} SET position = %s", [head + 100])

    assert verify_new_events(url).first_broken_position == head + 100
    assert verify_chain(url).first_broken_position == head + 100


def test_the_event_at_the_checkpoint_rehashed_is_found_by_the_incremental_check(
    container: Container,
) -> None:
    url = container.database_url
    install_and_read(container.event_log)
    head = verify_new_events(url).head_position
    behind_the_triggers(
        url,
        f"UPDATE {EVENTS_TABLE} SET chain_hash = %s WHERE notification_id = %s",
        [bytes(range(32)), head],
    )
    report = verify_new_events(url)
    assert report.ok is False and report.first_broken_position == head


def test_concurrent_checks_leave_a_checkpoint_that_is_a_point_of_the_chain(
    container: Container,
) -> None:
    url = container.database_url
    errors: list[BaseException] = []
    reports = []
    writing = threading.Event()

    def check() -> None:
        try:
            while True:  # at least once, however soon the writer is done
                reports.append(verify_new_events(url))
                if writing.is_set():
                    return
        except BaseException as e:  # reported below
            errors.append(e)

    checkers = [threading.Thread(target=check) for _ in range(4)]
    for t in checkers:
        t.start()
    for _ in range(10):
        install_and_read(container.event_log, meters=3)
    writing.set()
    for t in checkers:
        t.join(timeout=60)

    assert errors == []
    assert len(reports) >= 4 and all(r.ok for r in reports)
    stored = checkpoint(url)
    assert stored is not None and stored == (stored[0], chain(url)[stored[0]])
    assert verify_new_events(url).ok
    assert checkpoint(url) == (90, chain(url)[90])
    assert verify_chain(url).ok


def test_the_integrity_route_checks_incrementally_and_fully_on_request(
    client: TestClient, admin: dict[str, str], container: Container
) -> None:
    first = client.get("/api/v1/audit/integrity", headers=admin)
    assert first.status_code == 200, first.text
    head = first.json()["head_position"]
    assert first.json()["ok"] is True and first.json()["verified_from"] == 0
    install_and_read(container.event_log, meters=1)

    incremental = client.get("/api/v1/audit/integrity", headers=admin).json()
    assert incremental["ok"] is True
    assert incremental["verified_from"] == head
    assert incremental["events_checked"] == incremental["head_position"] - head

    full = client.get("/api/v1/audit/integrity", params={"full": "true"}, headers=admin).json()
    assert full["ok"] is True and full["verified_from"] == 0
    assert full["events_checked"] == len(chain(container.database_url))
