"""Snapshots are taken by a follower of the log, and every load starts from them.

A unit account with a long history is snapshotted by the snapshotter (never by
the command that saves it), a load and ``load_many`` then read the snapshot and
only the events after it, the snapshotter resumes where it stopped, and a
snapshot of every kind of aggregate of a living estate restores the same state
a full fold of its events gives.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from bootstrap import Container
from domain.finance.account import BillLine, UnitAccount
from domain.finance.receipts import ReceiptBook
from domain.notifications.inbox import Inbox
from infrastructure.eventstore.snapshotter import Snapshotter
from infrastructure.eventstore.store import EventLog, postgres_env
from interfaces.cli.demo import load_demo
from tests.support.aggregates import assert_same_state, snapshot_versions

AT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
CLERK = uuid4()


def _bills_and_payments(account: UnitAccount, first_year: int, years: int) -> None:
    """A bill a month and its payment: two events or more a month."""
    for year in range(first_year, first_year + years):
        for month in range(1, 13):
            amount = Decimal("312.50")
            account.issue_bill(
                bill_id=uuid4(),
                period=f"{year}-{month:02d}",
                run_id=uuid4(),
                lines=[
                    BillLine("property_fee", "fee", Decimal(125), "m2·month", amount / 125, amount)
                ],
                payer_ids=[CLERK],
                days=28,
                days_in_period=28,
                issued_on=date(year, month, 1),
                due_on=date(year, month, 28),
                at=AT,
            )
            account.receive_payment(
                payment_id=uuid4(),
                method="bank_transfer",
                amount="312.50",
                currency="CNY",
                reference=f"B-{year}-{month}",
                bill_id=None,
                recorded_by=CLERK,
                on=date(year, month, 20),
                at=AT,
                payer_id=CLERK,
            )


def _busy_account(container: Container, years: int = 5) -> UnitAccount:
    account = UnitAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    _bills_and_payments(account, 2020, years)
    container.event_log.save(account)
    return account


def _full_fold(event_log: EventLog, aggregate_id: UUID) -> Any:
    aggregate = None
    for domain_event in event_log.events.get(aggregate_id):
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def test_a_busy_unit_account_is_snapshotted_by_the_follower_and_not_by_its_save(
    container: Container,
) -> None:
    account = _busy_account(container)
    assert account.version > 120
    assert snapshot_versions(container, account.id) == []  # the save took none

    assert container.snapshotter.catch_up() == 1
    assert snapshot_versions(container, account.id) == [account.version]
    assert container.snapshotter.position() == container.event_log.head()
    assert container.snapshotter.catch_up() == 0  # nothing new: nothing taken again


def test_its_lag_is_shown_as_a_read_model_s(container: Container) -> None:
    account = _busy_account(container)
    head = container.event_log.head()
    behind = container.snapshotter.status()
    assert (behind.name, behind.head, behind.position) == ("snapshots", head, 0)
    assert behind.lag_events == head >= account.version
    assert behind.lag_seconds > 0 and behind.state == "running" and behind.error is None

    container.snapshotter.catch_up()
    caught_up = container.snapshotter.status()
    assert (caught_up.position, caught_up.lag_events, caught_up.lag_seconds) == (head, 0, 0.0)
    assert caught_up.updated_at is not None


def test_while_its_rounds_fail_it_is_retrying_with_the_error(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshotter = Snapshotter(container.event_log, container.pool, poll_every=0.05)
    rounds: list[int] = []

    def failing_round() -> int:
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("the round broke")
        return 0

    monkeypatch.setattr(snapshotter, "catch_up", failing_round)
    monkeypatch.setattr("infrastructure.eventstore.snapshotter.RETRY_FIRST", 0.3)
    stop = threading.Event()
    thread = threading.Thread(target=snapshotter.run, args=(stop,))
    thread.start()
    try:
        while not rounds:
            time.sleep(0.01)
        failing = snapshotter.status()
        assert (failing.state, failing.error) == ("retrying", "RuntimeError('the round broke')")
        while len(rounds) < 2:
            time.sleep(0.01)
        time.sleep(0.05)
        assert (snapshotter.status().state, snapshotter.status().error) == ("running", None)
    finally:
        stop.set()
        thread.join()


def test_the_background_runner_snapshots_without_being_asked(running: Container) -> None:
    account = _busy_account(running)
    deadline = time.monotonic() + 15
    while not snapshot_versions(running, account.id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert snapshot_versions(running, account.id) == [account.version]


def test_loads_start_from_the_snapshot_and_read_only_the_events_after_it(
    container: Container,
) -> None:
    account = _busy_account(container)
    container.snapshotter.catch_up()
    snapshot_version = account.version
    _bills_and_payments(account, 2030, 1)  # events after the snapshot
    container.event_log.save(account)

    fresh = EventLog(postgres_env(container.database_url, 2))
    try:
        rows = fresh.repository._latest(account.id)  # type: ignore[attr-defined]
        assert [(row[1], row[4]) for row in rows[:2]] == [
            (snapshot_version, True),
            (snapshot_version + 1, False),
        ]
        assert len(rows) == 1 + account.version - snapshot_version
        loaded = fresh.repository.get(account.id)

        decoded: list[int] = []
        to_domain_event = fresh.mapper.to_domain_event

        def counted(stored: Any) -> Any:
            decoded.append(stored.originator_version)
            return to_domain_event(stored)

        fresh.mapper.to_domain_event = counted  # type: ignore[method-assign]
        many = fresh.load_many([account.id, uuid4()])
        assert decoded == list(range(snapshot_version + 1, account.version + 1))
        full = _full_fold(fresh, account.id)
    finally:
        fresh.close()
    assert list(many) == [account.id]
    assert_same_state(loaded, full)
    assert_same_state(many[account.id], full)
    assert loaded.version == many[account.id].version == account.version


def test_the_snapshotter_resumes_where_it_stopped(container: Container) -> None:
    account = _busy_account(container)
    assert container.snapshotter.catch_up() == 1
    stopped_at = container.snapshotter.position()

    _bills_and_payments(account, 2030, 5)
    container.event_log.save(account)
    restarted = Snapshotter(container.event_log, container.pool, batch_size=7)
    assert restarted.position() == stopped_at  # kept in the database, not in memory
    assert restarted.catch_up() == 1
    assert restarted.position() == container.event_log.head()
    first, second = snapshot_versions(container, account.id)
    # Taken in the batch (of 7 events) that brought it 100 past the first.
    assert 100 <= second - first < 100 + 7


def test_an_aggregate_that_cannot_be_snapshotted_is_passed_over_without_stopping(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = _busy_account(container), _busy_account(container)
    take_snapshot = container.event_log.take_snapshot

    def refuse(aggregate_id: UUID, version: int | None = None) -> None:
        if aggregate_id == broken.id:
            raise TypeError("cannot store it")
        take_snapshot(aggregate_id, version=version)

    monkeypatch.setattr(container.event_log, "take_snapshot", refuse)
    assert container.snapshotter.catch_up() == 1
    assert snapshot_versions(container, broken.id) == []
    assert snapshot_versions(container, fine.id) == [fine.version]
    assert container.snapshotter.position() == container.event_log.head()


@pytest.mark.fresh_schema
def test_a_snapshot_of_every_aggregate_of_a_living_estate_restores_its_full_fold(
    container: Container,
) -> None:
    load_demo(container, password="a-long-enough-demo-pass", now=datetime.now(UTC))
    event_log = container.event_log
    inbox = Inbox(user_id=uuid4())  # the demo reads no notification
    inbox.mark_read([3, 5], AT)
    event_log.save(inbox)
    # Payments no longer count on a receipt book (decision 0041); old logs have them.
    book = ReceiptBook(estate_id=uuid4(), estate_code="OLD", year=2026, at=AT)
    book.issue(uuid4(), AT)
    event_log.save(book)
    assert event_log.snapshots is not None
    snapshots = event_log.snapshots.mapper
    with container.pool.connection() as conn:
        ids = [
            row[0] for row in conn.execute("SELECT DISTINCT originator_id FROM estatelog_events")
        ]
    kinds: set[str] = set()
    for aggregate_id in ids:
        full = _full_fold(event_log, aggregate_id)
        stored = snapshots.to_stored_event(type(full).Snapshot.take(full))
        restored = snapshots.to_domain_event(stored).mutate(None)
        assert_same_state(restored, full)
        kinds.add(type(full).__name__)
    assert len(kinds) > 40  # every context's aggregates
    assert {"UnitAccount", "User", "ReceiptBook", "PaymentReceipt", "FundAccount", "Books"} <= kinds
    assert "Inbox" in kinds
