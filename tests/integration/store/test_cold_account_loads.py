"""A cold load of an old unit account restores its archive undecoded (decision 0040).

Through PostgreSQL and the snapshot store's own transcoder: the snapshotter
takes the account, another process loads it from that snapshot, and the
archive's buckets are decoded only as commands and queries read them. What the
loaded account answers and decides is what the full fold of its events does.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from bootstrap import Container
from domain.finance.account import UnitAccount
from domain.finance.archive import Archive, Filed
from infrastructure.eventstore.snapshot_transcoder import _snap
from infrastructure.eventstore.store import EventLog, postgres_env
from tests.integration.store.test_snapshotter import AT, CLERK, _busy_account, _full_fold
from tests.support.aggregates import assert_same_state, snapshot_versions
from tests.unit.finance.test_lazy_archive import answers, archives, decoded


def _snapshotted(container: Container, years: int = 5) -> UnitAccount:
    account = _busy_account(container, years=years)
    assert container.snapshotter.catch_up() == 1
    assert snapshot_versions(container, account.id) == [account.version]
    return account


def _first_payment(account: UnitAccount) -> tuple[UUID, UUID]:
    first = min(account.bills.values(), key=lambda bill: bill.period)
    (payment,) = first.payments
    return first.bill_id, UUID(payment)


def _pay(account: UnitAccount, reference: str) -> None:
    account.receive_payment(
        payment_id=uuid4(), method="bank_transfer", amount="312.50", currency="CNY",
        reference=reference, bill_id=None, recorded_by=CLERK, on=date(2026, 3, 5), at=AT,
        payer_id=CLERK,
    )  # fmt: skip


def test_a_cold_load_decodes_no_archived_item_and_answers_as_the_full_fold(
    container: Container,
) -> None:
    account = _snapshotted(container)
    fresh = EventLog(postgres_env(container.database_url, 2))
    again = EventLog(postgres_env(container.database_url, 2))
    try:
        rows = fresh.repository._latest(account.id)  # type: ignore[attr-defined]
        cold: UnitAccount = fresh.repository.get(account.id)
        assert [(row[1], row[4]) for row in rows] == [(account.version, True)]
        assert all(decoded(archive) == [] for archive in archives(cold).values())
        assert len(cold.bills.archive) == 60 and cold.open_bills == []

        _pay(cold, "B-new")  # to credit: no bill owes, so it is archived at once
        fresh.save(cold)
        assert decoded(cold.bills.archive) == []
        # Its bank reference was checked in one bucket; it was filed by copying one.
        assert len(decoded(cold.references)) == len(decoded(cold.payments.archive)) == 1

        full = _full_fold(container.event_log, account.id)
        reloaded = again.repository.get(account.id)  # the snapshot, then one event
        assert answers(cold) == answers(full) == answers(reloaded)
        assert_same_state(reloaded, full)
        assert full.credit == Decimal("312.50")
    finally:
        fresh.close()
        again.close()


def test_a_payment_archived_long_ago_is_reversed_after_a_cold_load(container: Container) -> None:
    account = _snapshotted(container)
    first_bill, first_payment = _first_payment(account)
    fresh = EventLog(postgres_env(container.database_url, 2))
    again = EventLog(postgres_env(container.database_url, 2))
    try:
        cold: UnitAccount = fresh.repository.get(account.id)
        assert first_payment in cold.payments.archive
        cold.reverse_payment(first_payment, "bounced", CLERK, date(2026, 3, 6), AT)
        fresh.save(cold)
        reloaded: UnitAccount = again.repository.get(account.id)
    finally:
        fresh.close()
        again.close()
    assert [b.bill_id for b in reloaded.open_bills] == [first_bill]
    assert reloaded.outstanding == Decimal("312.50")
    assert reloaded.payments[first_payment]["reversed"] is True
    assert_same_state(reloaded, _full_fold(container.event_log, account.id))


def _as_release_33_wrote_it(value: Any) -> Any:
    """An archive as class version 2 stored it: a dataclass of decoded buckets."""
    if isinstance(value, Archive):
        buckets = [_snap(dict(bucket)) for bucket in value.buckets]
        return {"$c": [get_topic(Archive), {"buckets": {"$T": buckets}, "size": value.size}]}
    if isinstance(value, Filed):
        fields = {"open": _snap(value.open), "archive": _as_release_33_wrote_it(value.archive)}
        return {"$c": [get_topic(Filed), fields]}
    return _snap(value)


def test_a_snapshot_of_class_version_2_is_passed_over_and_taken_again_lazily(
    container: Container,
) -> None:
    account = _busy_account(container, years=2)
    taken = UnitAccount.Snapshot.take(account)
    assert container.event_log.snapshots is not None
    mapper = container.event_log.snapshots.mapper
    stored = mapper.to_stored_event(taken)
    whole = orjson.loads(stored.state)  # timestamp, topic and state
    whole["state"] = {k: _as_release_33_wrote_it(v) for k, v in taken.state.items()}
    whole["state"]["class_version"] = 2
    container.event_log.snapshots.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=orjson.dumps(whole),
            )
        ]
    )
    assert snapshot_versions(container, account.id) == [account.version]

    fresh = EventLog(postgres_env(container.database_url, 2))
    try:
        loaded = fresh.repository.get(account.id)
        noted = set(fresh.stale_snapshots)
    finally:
        fresh.close()
    full = _full_fold(container.event_log, account.id)
    assert noted == {account.id}
    assert_same_state(loaded, full)

    container.event_log.load_many([account.id])  # this process's loads name it too
    assert container.snapshotter.catch_up() >= 1
    (latest,) = container.event_log.snapshots.recorder.select_events(account.id, desc=True, limit=1)
    assert b'"$A"' in latest.state and b'"class_version":3' in latest.state
    again = EventLog(postgres_env(container.database_url, 2))
    try:
        reloaded = again.repository.get(account.id)
        assert all(decoded(archive) == [] for archive in archives(reloaded).values())
        assert again.stale_snapshots == set()
        assert_same_state(reloaded, full)
    finally:
        again.close()


def test_threads_reading_one_cached_cold_account_get_the_same_items(
    container: Container,
) -> None:
    account = _snapshotted(container, years=10)
    keys = list(account.bills)
    fresh = EventLog(postgres_env(container.database_url, 2))
    try:
        fresh.repository.get(account.id)  # cached, its archive not read
        start = threading.Barrier(12)

        def read_all(_: int) -> list[Any]:
            start.wait()
            copy: UnitAccount = fresh.repository.get(account.id)  # shares the archive
            return [copy.bills[key] for key in keys]

        with ThreadPoolExecutor(12) as pool:
            seen = list(pool.map(read_all, range(12)))
    finally:
        fresh.close()
    expected = [account.bills[key] for key in keys]
    for items in seen:
        assert items == expected
        assert all(mine is first for mine, first in zip(items, seen[0], strict=True))
