"""A snapshot's archive is read when asked, bucket by bucket (decision 0040).

A cold load of an old unit account decodes its open items and the text of its
archive's buckets; an archived bill, payment or bank reference is decoded with
its bucket when a command or a query first reads it. What the restored account
answers, and what it decides next, is what an account folded from all its
events answers and decides.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.account import UnitAccount
from domain.finance.archive import Archive, Filed, _slot
from infrastructure.eventstore.snapshot_transcoder import LazyBucket, _snap
from tests.support.aggregates import assert_same_state
from tests.support.examples import examples
from tests.unit.finance.test_bounded_account import (
    AT,
    CLERK,
    Op,
    _account,
    _act,
    _id,
    _naive,
    _pay,
    _years_billed_and_paid,
    ops,
)
from tests.unit.test_snapshots import SNAPSHOTS, restored


def archives(account: UnitAccount) -> dict[str, Archive[Any, Any]]:
    return {
        "bills": account.bills.archive,
        "payments": account.payments.archive,
        "references": account.references,
        "waivers": account.waivers.archive,
        "refunds": account.refunds.archive,
        "reversals": account.reversals.archive,
    }


def decoded(archive: Archive[Any, Any]) -> list[int]:
    """The slots of the buckets decoded so far (a dict is a bucket made since)."""
    return [
        slot
        for slot, bucket in enumerate(archive.buckets)
        if not isinstance(bucket, LazyBucket) or bucket.decoded
    ]


def answers(account: UnitAccount) -> dict[str, Any]:
    """Every query's answer, over open and archived items alike."""
    return {
        "open_bills": sorted((b.bill_id, b.outstanding) for b in account.open_bills),
        "outstanding": account.outstanding,
        "credit": (account.credit, account.reserved, account.credits, account.held),
        "debtors": account.debtors,
        "bills": {k: (v.paid, v.outstanding) for k, v in account.bills.items()},
        "payments": {k: (v["amount"], v["reversed"]) for k, v in account.payments.items()},
        "references": dict(account.references),
        "waivers": {k: v["status"] for k, v in account.waivers.items()},
        "refunds": {k: v["status"] for k, v in account.refunds.items()},
        "reversals": set(account.reversals),
    }


def test_a_cold_account_decodes_no_archived_item_until_one_is_asked_for() -> None:
    account = _years_billed_and_paid(120, unpaid_last=1)
    cold = restored(account)
    assert {name: decoded(a) for name, a in archives(cold).items()} == {
        name: [] for name in archives(cold)
    }
    assert len(cold.bills.archive) == 119 and cold.outstanding == Decimal("312.50")

    _pay(cold, "today", Decimal("312.50"))  # its bank reference is checked: one bucket

    assert decoded(cold.references) == [_slot("bank_transfer:R-today")]
    assert decoded(cold.payments.archive) == [_slot(_id("payment", "today"))]  # archived
    assert decoded(cold.bills.archive) == [_slot(_id("bill", 119))]  # its bill, settled
    assert cold.open_bills == [] and cold.outstanding == Decimal(0)


def test_reading_an_archived_bill_decodes_its_bucket_alone() -> None:
    cold = restored(_years_billed_and_paid(120))
    first = _id("bill", 0)
    assert cold.bills[first].outstanding == Decimal(0)
    assert decoded(cold.bills.archive) == [_slot(first)]
    assert _id("bill", 500) not in cold.bills
    assert decoded(cold.bills.archive) == sorted({_slot(first), _slot(_id("bill", 500))})


def test_a_payment_archived_long_ago_is_reversed_after_a_cold_load() -> None:
    account = _years_billed_and_paid(120)
    cold = restored(account)
    archive_before = cold.bills.archive
    first_bill, first_payment = _id("bill", 0), _id("payment", 0)

    cold.reverse_payment(first_payment, "bounced", CLERK, date(2026, 3, 6), AT)
    account.reverse_payment(first_payment, "bounced", CLERK, date(2026, 3, 6), AT)

    assert [b.bill_id for b in cold.open_bills] == [first_bill]
    assert cold.outstanding == Decimal("312.50")
    assert answers(cold) == answers(account)
    # Copy-on-write: the bill's bucket was decoded and copied; the other buckets
    # of the new archive are the snapshot's, still not read, and the old
    # archive is as it was.
    untouched = [s for s in range(len(archive_before.buckets)) if s != _slot(first_bill)]
    assert all(cold.bills.archive.buckets[s] is archive_before.buckets[s] for s in untouched)
    assert first_bill in archive_before and first_bill not in cold.bills.archive
    assert len(archive_before) == 120 and len(cold.bills.archive) == 119


def test_a_bucket_never_read_is_written_back_as_it_came() -> None:
    account = _years_billed_and_paid(60)
    account.collect_events()
    cold = restored(account)

    def stored(of: UnitAccount) -> bytes:
        state = SNAPSHOTS.to_stored_event(UnitAccount.Snapshot.take(of)).state
        return orjson.dumps(orjson.loads(state)["state"])  # not the snapshot's timestamp

    first = stored(account)
    assert cold.bills[_id("bill", 3)].paid == Decimal("312.50")  # one bucket read
    assert stored(cold) == first and b'"$A"' in first
    assert_same_state(restored(cold), account)


def test_an_archive_stored_as_a_dataclass_before_is_still_read() -> None:
    account = _years_billed_and_paid(24)
    account.collect_events()

    def as_release_33_wrote_it(value: Any) -> Any:
        if isinstance(value, Archive):
            buckets = [_snap(dict(bucket)) for bucket in value.buckets]
            return {"$c": [get_topic(Archive), {"buckets": {"$T": buckets}, "size": value.size}]}
        if isinstance(value, Filed):
            fields = {"open": _snap(value.open), "archive": as_release_33_wrote_it(value.archive)}
            return {"$c": [get_topic(Filed), fields]}
        return _snap(value)

    taken = UnitAccount.Snapshot.take(account)
    stored = SNAPSHOTS.to_stored_event(taken)
    old_state = orjson.loads(stored.state)  # the snapshot's timestamp, topic and state
    old_state["state"] = {k: as_release_33_wrote_it(v) for k, v in taken.state.items()}
    old = type(stored)(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=orjson.dumps(old_state),
    )
    assert b'"$A"' not in old.state
    assert_same_state(SNAPSHOTS.to_domain_event(old).mutate(None), account)


def test_many_threads_reading_one_cold_archive_get_the_same_items() -> None:
    account = _years_billed_and_paid(240)
    cold = restored(account)  # as the repository's cache holds it: shared by requests
    keys = [_id("bill", month) for month in range(240)]
    start = threading.Barrier(16)

    def read_all(_: int) -> list[Any]:
        start.wait()
        return [cold.bills[key] for key in keys]

    with ThreadPoolExecutor(16) as pool:
        seen = list(pool.map(read_all, range(16)))
    expected = [account.bills[key] for key in keys]
    for items in seen:
        assert items == expected
        # One decode per bucket: every thread got the very same objects.
        assert all(mine is first for mine, first in zip(items, seen[0], strict=True))
    assert len(decoded(cold.bills.archive)) == len({_slot(key) for key in keys})


@settings(max_examples=examples(150), deadline=None)
@given(ops, st.integers(0, 40))
def test_an_account_restored_then_given_more_events_answers_as_a_full_fold(
    story: list[Op], cut: int
) -> None:
    account = _account()
    state: dict[str, list[UUID]] = {"bills": [], "payments": []}
    for step, op in enumerate(story[:cut]):
        _act(account, step, op, state)
    history = account.collect_events()
    cold = restored(account)
    assert all(decoded(archive) == [] for archive in archives(cold).values())

    for step, op in enumerate(story[cut:], start=cut):
        _act(cold, step, op, state)
    events = [*history, *cold.collect_events()]
    full = None
    for event in events:
        full = event.mutate(full)
    assert isinstance(full, UnitAccount)

    assert answers(cold) == answers(full)
    assert_same_state(cold, full)
    owed, debtors, credit = _naive(events)
    assert {k: cold.bills[k].outstanding for k in owed} == owed
    assert (cold.debtors, cold.credit) == (debtors, credit)
