"""A snapshot of another shape of its aggregate's class is never loaded (decision 0033).

A snapshot holds an aggregate's state as its class kept it when it was taken.
One taken under another ``class_version`` (here: the unit account before its
settled items were archived) is passed over by every load, which folds the
events instead, and the snapshotter replaces it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.domain import Snapshot

from bootstrap import Container
from domain.finance.account import UnitAccount
from infrastructure.eventstore.store import EventLog, postgres_env
from tests.integration.store.test_snapshotter import _busy_account, _full_fold
from tests.support.aggregates import assert_same_state, snapshot_versions


def _put_stale_snapshot(container: Container, account: UnitAccount) -> None:
    """A snapshot at the account's version as an older release took it: no
    ``class_version`` (version 1) and, to show if it were loaded, a credit of 999."""
    taken = Snapshot.take(account)
    state: dict[str, Any] = dict(taken.state)
    state.pop("class_version")
    state["credit"] = Decimal(999)
    stale = Snapshot(
        originator_id=account.id,
        originator_version=account.version,
        timestamp=taken.timestamp,
        topic=taken.topic,
        state=state,
    )
    assert container.event_log.snapshots is not None
    container.event_log.snapshots.put([stale])


def test_a_snapshot_of_another_class_version_is_passed_over_and_taken_again(
    container: Container,
) -> None:
    assert UnitAccount.class_version == 3
    account = _busy_account(container, years=1)
    _put_stale_snapshot(container, account)
    assert snapshot_versions(container, account.id) == [account.version]

    fresh = EventLog(postgres_env(container.database_url, 2))
    try:
        full = _full_fold(fresh, account.id)
        loaded = fresh.repository.get(account.id)
        at_version = fresh.repository.get(account.id, version=account.version)
        many = fresh.load_many([account.id])
        noted = set(fresh.stale_snapshots)
    finally:
        fresh.close()
    assert full.credit == Decimal(0)
    for restored in (loaded, at_version, many[account.id]):
        assert_same_state(restored, full)  # the events', not the snapshot's credit of 999
    assert noted == {account.id}

    # This process's loads name it to its snapshotter, which takes it again.
    container.event_log.load_many([account.id])  # (its repository has the account cached)
    assert account.id in container.event_log.stale_snapshots
    assert container.snapshotter.catch_up() >= 1
    assert container.event_log.stale_snapshots == set()
    assert snapshot_versions(container, account.id) == [account.version]
    assert container.event_log.snapshots is not None
    (latest,) = container.event_log.snapshots.get(account.id, desc=True, limit=1)
    assert latest.state["class_version"] == 3
    assert latest.state["credit"] == Decimal(0)
    again = EventLog(postgres_env(container.database_url, 2))
    try:
        assert again.repository._latest(account.id)[0][4]  # type: ignore[attr-defined]
        assert_same_state(again.repository.get(account.id), full)
        assert again.stale_snapshots == set()
    finally:
        again.close()


def test_a_snapshot_of_the_running_class_version_is_loaded(container: Container) -> None:
    account = _busy_account(container, years=1)
    assert container.event_log.snapshots is not None
    container.event_log.snapshots.put([Snapshot.take(account)])
    fresh = EventLog(postgres_env(container.database_url, 2))
    try:
        rows = fresh.repository._latest(account.id)  # type: ignore[attr-defined]
        loaded = fresh.repository.get(account.id)
        noted = set(fresh.stale_snapshots)
    finally:
        fresh.close()
    assert [(row[1], row[4]) for row in rows] == [(account.version, True)]  # no event read
    assert noted == set()
    assert_same_state(loaded, _full_fold(container.event_log, account.id))
    assert len(loaded.bills.archive) == 12 and loaded.bills.open == {}  # the archive round trip
