"""A snapshot restores the state it was taken of, and the restored aggregate
decides the next commands as the original does (no database: the snapshot
store's own mapper, encoding to bytes and back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.persistence import Mapper
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.account import BillLine, UnitAccount
from domain.finance.bills import Method
from domain.notifications.inbox import Inbox
from infrastructure.eventstore.mapper import MetadataMapper
from infrastructure.eventstore.snapshot_transcoder import SnapshotTranscoder
from infrastructure.eventstore.transcoder import OrjsonTranscoder
from tests.support.aggregates import assert_same_state, typed
from tests.support.examples import examples
from tests.unit.domain.test_transcoder import hashables, ints, scalars

AT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
PAYER = uuid5(NAMESPACE_URL, "payer")
SNAPSHOTS: Mapper[UUID] = Mapper(transcoder=SnapshotTranscoder())


def restored(aggregate: UnitAccount) -> UnitAccount:
    stored = SNAPSHOTS.to_stored_event(UnitAccount.Snapshot.take(aggregate))
    assert isinstance(stored.state, bytes)
    return SNAPSHOTS.to_domain_event(stored).mutate(None)  # type: ignore[return-value]


def act(account: UnitAccount, step: int, op: tuple[str, int]) -> None:
    """A bill of the step's month, or a payment (an overpayment leaves credit)."""
    kind, cents = op
    amount = Decimal(cents).scaleb(-2)
    ids = uuid5(NAMESPACE_URL, f"step-{step}")
    if kind == "bill":
        month = date(2020 + step // 12, step % 12 + 1, 1)
        account.issue_bill(
            bill_id=ids,
            period=f"{month:%Y-%m}",
            run_id=ids,
            lines=[BillLine("property_fee", "fee", Decimal(1), "m2·month", amount, amount)],
            payer_ids=[PAYER],
            days=28,
            days_in_period=28,
            issued_on=month,
            due_on=month.replace(day=28),
            at=AT,
        )
    else:
        account.receive_payment(
            payment_id=ids,
            method=Method.BANK_TRANSFER,
            amount=str(amount),
            currency="CNY",
            reference=f"R-{step}",
            bill_id=None,
            recorded_by=PAYER,
            on=date(2026, 3, 5),
            at=AT,
            payer_id=PAYER,
            owners_now=[PAYER],
        )


def decided(event: object) -> dict[str, object]:
    """An event's content, but the clock time it was created at."""
    return {k: v for k, v in vars(event).items() if k != "timestamp"}


@dataclass
class Story:
    ops: list[tuple[str, int]]
    cut: int


stories = st.lists(
    st.tuples(st.sampled_from(["bill", "pay"]), st.integers(min_value=1, max_value=99_999_99)),
    min_size=1,
    max_size=40,
).flatmap(lambda ops: st.builds(Story, st.just(ops), st.integers(0, len(ops))))


@settings(max_examples=60, deadline=None)
@given(stories)
def test_a_restored_unit_account_is_the_account_and_decides_as_it_does(story: Story) -> None:
    estate, unit = uuid5(NAMESPACE_URL, "estate"), uuid5(NAMESPACE_URL, "unit")
    account = UnitAccount.open(estate_id=estate, unit_id=unit, currency="CNY", at=AT)
    for step, op in enumerate(story.ops[: story.cut]):
        act(account, step, op)
    history = account.collect_events()
    copy = restored(account)
    assert_same_state(copy, account)

    for step, op in enumerate(story.ops[story.cut :], start=story.cut):
        act(account, step, op)
        act(copy, step, op)
    after, after_copy = account.collect_events(), copy.collect_events()
    assert [decided(e) for e in after_copy] == [decided(e) for e in after]
    assert_same_state(copy, account, but=("_modified_on",))  # each event's own clock time

    full = None
    for event in [*history, *after]:
        full = event.mutate(full)
    assert_same_state(full, account)  # and replaying the log is the account too


def test_a_snapshot_keeps_the_types_events_never_hold() -> None:
    account = UnitAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    account.collect_events()
    account.credits = {None: Decimal("1.50"), PAYER: Decimal("0.10")}
    vars(account)["shape"] = (
        frozenset({1, 2}),
        {"_type_": "x", "_data_": [1]},
        (date(2026, 1, 1),),
    )
    copy = restored(account)
    assert copy.credits == {None: Decimal("1.50"), PAYER: Decimal("0.10")}
    assert_same_state(copy, account)


def test_a_snapshot_written_in_the_event_format_before_is_still_read() -> None:
    inbox = Inbox(user_id=uuid4())
    inbox.mark_read([3, 5], AT)
    inbox.collect_events()
    # As save() took them until decision 0032: through the event mapper.
    old = MetadataMapper(transcoder=OrjsonTranscoder()).to_stored_event(Inbox.Snapshot.take(inbox))
    assert b'"_type_"' in old.state and b"__meta__" in old.state
    assert_same_state(SNAPSHOTS.to_domain_event(old).mutate(None), inbox)


@dataclass(frozen=True)
class Kept:
    """A value object an aggregate might keep (as ``Bill``, frozen or not)."""

    first: object
    second: object = None
    later: list[object] = field(default_factory=list)


# Keys shaped like the snapshot marks and the event tags must survive as keys.
snapshot_keys = st.one_of(st.text(max_size=8), st.sampled_from(["$d", "$o", "$", "_type_"]))
other_keys = st.one_of(st.uuids(), st.none(), ints, st.dates())
snapshot_values = st.recursive(
    st.one_of(scalars, st.frozensets(hashables, max_size=4)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(snapshot_keys, children, max_size=4),
        st.dictionaries(st.uuids(), children, max_size=3),
        st.dictionaries(other_keys, children, max_size=3),
        st.builds(Kept, children, children, st.lists(children, max_size=2)),
    ),
    max_leaves=25,
)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(snapshot_keys, snapshot_values, max_size=6))
def test_every_value_a_state_may_hold_round_trips_with_its_types(state: dict[str, object]) -> None:
    transcoder = SnapshotTranscoder()
    decoded = transcoder.decode(transcoder.encode({"state": state}))["state"]
    assert typed(decoded) == typed(state)
