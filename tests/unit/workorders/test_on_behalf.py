"""An order logged for a resident: theirs, with how it came and who took it (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot

from domain.errors import ValidationFailed
from domain.workorders.order import Source, WorkOrder

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _fields() -> dict[str, object]:
    return {
        "id": uuid4(),
        "estate_id": uuid4(),
        "title": "Leaking tap",
        "description": "drips",
        "at": AT,
        "unit_id": uuid4(),
    }


def test_a_phoned_order_is_the_residents_and_names_the_clerk() -> None:
    resident, clerk = uuid4(), uuid4()
    order = WorkOrder.log_on_behalf(
        resident_id=resident, clerk_id=clerk, channel="phone", **_fields()
    )
    events = order.collect_events()
    assert [type(e).__name__ for e in events] == ["Submitted", "LoggedOnBehalf"]
    assert (order.requested_by, order.source) == (resident, Source.RESIDENT)
    assert (order.channel, order.taken_by) == ("phone", clerk)
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt is not None and vars(rebuilt) == vars(order)


def test_an_unknown_channel_records_nothing() -> None:
    with pytest.raises(ValidationFailed, match="channel"):
        WorkOrder.log_on_behalf(resident_id=uuid4(), clerk_id=uuid4(), channel="fax", **_fields())


@pytest.mark.parametrize(("source", "channel"), [("resident", "app"), ("staff", None)])
def test_a_snapshot_of_version_1_reads_as_its_events_would(
    source: str, channel: str | None
) -> None:
    order = WorkOrder.submit(source=source, source_ref=None, requested_by=uuid4(), **_fields())
    order.collect_events()
    snapshot = Snapshot.take(order)
    old = dict(snapshot.state)
    del old["channel"], old["taken_by"]
    old["class_version"] = 1  # as a release before LoggedOnBehalf stored it
    restored = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=old,
    ).mutate(None)
    assert (restored.channel, restored.taken_by) == (channel, None)
    assert vars(restored) == vars(order)
