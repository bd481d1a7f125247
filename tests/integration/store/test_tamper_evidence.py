"""The log is append-only, and what a superuser does behind its back is caught (R2.5, R5.5).

Tampering is done the way an insider with database superuser rights would:
``SET session_replication_role = replica`` switches the append-only triggers
off for that session, and the rows are then edited, deleted or moved. The
verifier must name the first position where the chain no longer holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from fastapi.testclient import TestClient

from bootstrap import Container
from infrastructure.eventstore.hashchain import GENESIS, link
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog
from replay.verify import verify_chain


class Account(Aggregate):
    """A ledger account, enough to give the log some realistic rows."""

    @event("Opened")
    def __init__(self, code: str) -> None:
        self.code = code
        self.balance = Decimal(0)

    @event("Posted")
    def post(self, amount: Decimal, at: datetime) -> None:
        self.balance += amount

    @event("Closed")
    def close(self) -> None:
        self.code = ""


def append_events(log: EventLog, accounts: int = 5, postings: int = 3) -> list[int]:
    """About 20 events over several aggregates; their positions in order."""
    for i in range(accounts):
        account = Account(f"1122-{i}")
        for k in range(postings):
            account.post(Decimal(f"{k + 1}00.00"), datetime.now(UTC))
        log.save_and_position(account)
    return positions(log)


def positions(log: EventLog) -> list[int]:
    return [n.id for n in log.read(after=0, limit=10_000)]


@dataclass
class Row:
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    chain_hash: bytes


def rows(database_url: str) -> list[Row]:
    with psycopg.connect(database_url) as conn:
        return [
            Row(p, o, v, t, bytes(s), bytes(h))
            for p, o, v, t, s, h in conn.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state, "
                f"chain_hash FROM {EVENTS_TABLE} ORDER BY notification_id"
            )
        ]


def as_superuser_behind_the_triggers(database_url: str, *statements: tuple[str, Any]) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("SET session_replication_role = replica")
        for sql, params in statements:
            conn.execute(sql, params)


def posted_event(database_url: str, after: int) -> Row:
    """The first Posted event after a position (it has an amount to forge)."""
    return next(r for r in rows(database_url) if r.position > after and "Posted" in r.topic)


# --- the tampering cases: each does its damage and says where it must be caught ---


def forge_an_amount(url: str, pos: list[int]) -> int:
    row = posted_event(url, pos[6])
    state = orjson.loads(row.state)
    state["amount"]["_data_"] = "1000000.00"
    sql = f"UPDATE {EVENTS_TABLE} SET state = %s WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (orjson.dumps(state), row.position)))
    return row.position


def rewrite_who_did_it(url: str, pos: list[int]) -> int:
    row = next(r for r in rows(url) if r.position == pos[10])
    state = orjson.loads(row.state)
    state["__meta__"]["client_ip"] = "10.0.0.66"
    sql = f"UPDATE {EVENTS_TABLE} SET state = %s WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (orjson.dumps(state), row.position)))
    return row.position


def forge_and_rehash_the_row(url: str, pos: list[int]) -> int:
    """A cleverer insider recomputes the edited row's own hash: the next row breaks."""
    all_rows = rows(url)
    i = next(i for i, r in enumerate(all_rows) if r.position > pos[6] and "Posted" in r.topic)
    row, previous = all_rows[i], all_rows[i - 1]
    state = orjson.loads(row.state)
    state["amount"]["_data_"] = "1.00"
    forged = orjson.dumps(state)
    rehashed = link(
        previous.chain_hash, row.position, row.originator_id, row.version, row.topic, forged
    )
    sql = f"UPDATE {EVENTS_TABLE} SET state = %s, chain_hash = %s WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (forged, rehashed, row.position)))
    return all_rows[i + 1].position


def delete_a_row(url: str, pos: list[int]) -> int:
    sql = f"DELETE FROM {EVENTS_TABLE} WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (pos[8],)))
    return pos[9]


def delete_the_first_row(url: str, pos: list[int]) -> int:
    sql = f"DELETE FROM {EVENTS_TABLE} WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (pos[0],)))
    return pos[1]


def swap_two_rows(url: str, pos: list[int]) -> int:
    earlier, later = pos[5], pos[12]
    sql = f"UPDATE {EVENTS_TABLE} SET notification_id = %s WHERE notification_id = %s"
    as_superuser_behind_the_triggers(
        url, (sql, (-1, earlier)), (sql, (earlier, later)), (sql, (later, -1))
    )
    return earlier


def change_a_version(url: str, pos: list[int]) -> int:
    sql = (
        f"UPDATE {EVENTS_TABLE} SET originator_version = originator_version + 100 "
        "WHERE notification_id = %s"
    )
    as_superuser_behind_the_triggers(url, (sql, (pos[11],)))
    return pos[11]


def change_a_topic(url: str, pos: list[int]) -> int:
    row = posted_event(url, pos[2])
    sql = f"UPDATE {EVENTS_TABLE} SET topic = %s WHERE notification_id = %s"
    closed = row.topic.replace("Posted", "Closed")
    as_superuser_behind_the_triggers(url, (sql, (closed, row.position)))
    return row.position


def overwrite_a_chain_hash(url: str, pos: list[int]) -> int:
    sql = f"UPDATE {EVENTS_TABLE} SET chain_hash = %s WHERE notification_id = %s"
    as_superuser_behind_the_triggers(url, (sql, (bytes(32), pos[3])))
    return pos[3]


TAMPERING: list[Callable[[str, list[int]], int]] = [
    forge_an_amount,
    rewrite_who_did_it,
    forge_and_rehash_the_row,
    delete_a_row,
    delete_the_first_row,
    swap_two_rows,
    change_a_version,
    change_a_topic,
    overwrite_a_chain_hash,
]


def test_an_untouched_log_verifies(container: Container) -> None:
    pos = append_events(container.event_log)
    assert len(pos) >= 20
    report = verify_chain(container.database_url)
    assert report.ok is True
    assert report.first_broken_position is None and report.problem is None
    assert report.events_checked == len(pos)
    assert report.head_position == pos[-1] == container.event_log.head()
    assert report.head_hash == rows(container.database_url)[-1].chain_hash.hex()


def test_an_empty_log_verifies(container: Container) -> None:
    report = verify_chain(container.database_url)
    assert report.ok is True
    assert report.events_checked == 0
    assert report.head_position is None and report.head_hash is None


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda f: f.__name__)
def test_tampering_is_caught_at_the_first_broken_position(
    container: Container, tamper: Callable[[str, list[int]], int]
) -> None:
    pos = append_events(container.event_log)
    assert verify_chain(container.database_url).ok is True

    expected = tamper(container.database_url, pos)

    report = verify_chain(container.database_url)
    assert report.ok is False
    assert report.first_broken_position == expected
    intact = [p for p in positions(container.event_log) if p < expected]
    assert report.events_checked == len(intact)
    assert report.head_position == (intact[-1] if intact else None)
    assert report.problem


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {EVENTS_TABLE} SET state = state || '\\x20'::bytea "
        "WHERE notification_id = (SELECT max(notification_id) FROM " + EVENTS_TABLE + ")",
        f"UPDATE {EVENTS_TABLE} SET notification_id = notification_id + 1000",
        f"DELETE FROM {EVENTS_TABLE} WHERE notification_id = "
        f"(SELECT min(notification_id) FROM {EVENTS_TABLE})",
        f"DELETE FROM {EVENTS_TABLE}",
        f"TRUNCATE {EVENTS_TABLE}",
    ],
    ids=["update-state", "renumber", "delete-one", "delete-all", "truncate"],
)
def test_the_database_refuses_to_change_or_remove_events(
    container: Container, statement: str
) -> None:
    pos = append_events(container.event_log)
    before = rows(container.database_url)
    with psycopg.connect(container.database_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
        conn.rollback()
    assert rows(container.database_url) == before
    report = verify_chain(container.database_url)
    assert report.ok is True and report.events_checked == len(pos)


def test_python_and_sql_agree_on_every_link(container: Container) -> None:
    append_events(container.event_log, accounts=4, postings=4)
    stored = rows(container.database_url)
    assert len(stored) == 20
    previous = GENESIS
    for row in stored:
        assert len(row.chain_hash) == 32
        assert row.chain_hash == link(
            previous, row.position, row.originator_id, row.version, row.topic, row.state
        ), f"position {row.position}"
        previous = row.chain_hash
    assert len({r.chain_hash for r in stored}) == len(stored)


def test_events_appended_by_concurrent_writers_form_one_valid_chain(container: Container) -> None:
    log = container.event_log
    threads, saves = 8, 25
    barrier = threading.Barrier(threads)
    returned: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for k in range(saves):
                account = Account(f"{n}-{k}")
                if k % 3 == 0:
                    account.post(Decimal("9.99"), datetime.now(UTC))  # some saves of two events
                position = log.save_and_position(account)
                with lock:
                    returned.append(position)
        except BaseException as e:  # reported below
            errors.append(e)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    assert errors == []
    assert len(returned) == len(set(returned)) == threads * saves

    stored = rows(container.database_url)
    expected_events = threads * (saves + len(range(0, saves, 3)))
    assert len(stored) == expected_events
    assert set(returned) <= {r.position for r in stored}
    report = verify_chain(container.database_url)
    assert report.ok is True, report
    assert report.events_checked == expected_events
    assert report.head_position == max(returned)


def test_the_integrity_endpoint_reports_tampering(
    client: TestClient, admin: dict[str, str], container: Container
) -> None:
    # Some business besides the administrator's own login events.
    for i in range(3):
        container.event_log.save_and_position(Account(f"2202-{i}"))
    intact = client.get("/api/v1/audit/integrity", headers=admin)
    assert intact.status_code == 200, intact.text
    body = intact.json()
    assert body["ok"] is True
    assert body["first_broken_position"] is None
    assert body["events_checked"] >= 5
    assert body["head_position"] == body["events_checked"] and body["head_position"] > 0

    # Rewrite who did something (the state still decodes, so nothing else notices).
    victim = rows(container.database_url)[1]
    state = orjson.loads(victim.state)
    state["__meta__"]["client_ip"] = "192.0.2.99"
    as_superuser_behind_the_triggers(
        container.database_url,
        (
            f"UPDATE {EVENTS_TABLE} SET state = %s WHERE notification_id = %s",
            (orjson.dumps(state), victim.position),
        ),
    )

    # Behind the checkpoint the first check left: found by a full re-verify.
    broken = client.get("/api/v1/audit/integrity", params={"full": "true"}, headers=admin)
    assert broken.status_code == 200, broken.text
    assert broken.json()["ok"] is False
    assert broken.json()["first_broken_position"] == victim.position


def test_the_integrity_endpoint_needs_authentication(client: TestClient) -> None:
    response = client.get("/api/v1/audit/integrity")
    assert response.status_code == 401


def test_the_first_event_links_to_genesis_and_its_hash_covers_the_originator(
    container: Container,
) -> None:
    """The first event chains from 32 zero bytes; another originator gives another hash."""
    account = Account("x")
    container.event_log.save_and_position(account)
    [row] = rows(container.database_url)
    expected = link(GENESIS, row.position, account.id, 1, row.topic, row.state)
    assert row.chain_hash == expected
    other = link(GENESIS, row.position, uuid4(), 1, row.topic, row.state)
    assert other != expected
