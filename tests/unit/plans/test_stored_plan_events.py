"""The plans' shared lifecycle (``domain/plans.py``) stores what the plans
stored before it was shared, and reads back what they stored.

``stored_plan_events.jsonl`` holds events as the store kept them when each
plan wrote its own pause, resume and retire (recorded by that code, with
their metadata): a patrol plan created, paused, resumed and retired, and a
maintenance plan created and paused.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from domain.patrols.plan import PatrolPlan
from domain.plans import lifecycle_events
from domain.workorders.plan import MaintenancePlan, PlanStatus
from tests.support.memory import MemoryEventLog

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PATROL_PLAN, MAINTENANCE_PLAN = UUID(int=1), UUID(int=5)
OLD = [
    StoredEvent(
        originator_id=UUID(row["originator_id"]),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=row["state"].encode(),
    )
    for row in map(json.loads, (Path(__file__).parent / "stored_plan_events.jsonl").open())
]


def _the_same_story() -> list[Any]:
    """The events of the stored story, made by today's code (same IDs, same times)."""
    patrol = PatrolPlan.create(
        id=PATROL_PLAN,
        estate_id=UUID(int=2),
        route_id=UUID(int=3),
        name="Night",
        assignee_id=UUID(int=4),
        weekdays=[1, 2],
        shift_starts="22:00",
        shift_minutes=480,
        timezone="Asia/Shanghai",
        first_shift_on=date(2026, 3, 2),
        at=AT,
    )
    maintenance = MaintenancePlan.create(
        id=MAINTENANCE_PLAN,
        estate_id=UUID(int=2),
        title="Lifts",
        equipment_id=None,
        equipment_kind="lift",
        interval_days=30,
        checklist=["oil"],
        team=None,
        technician_id=None,
        priority="normal",
        first_due_on=date(2026, 3, 2),
        at=AT,
    )
    patrol.pause("holiday", AT)
    patrol.resume(AT)
    patrol.retire("sold", AT)
    maintenance.pause("holiday", AT)
    return [*patrol.collect_events(), *maintenance.collect_events()]


def _timeless(state: bytes) -> bytes:
    """A stored state without what differs from one run to the next: the
    moment the library stamped the event with, and the request's metadata."""
    fields = orjson.loads(state)
    del fields["__meta__"]
    fields["timestamp"] = None
    return orjson.dumps(fields)


def test_the_lifecycle_events_are_stored_under_each_plans_own_topics_with_the_same_state() -> None:
    mapper = MemoryEventLog().mapper_with_metadata
    new = [mapper.to_stored_event(e) for e in _the_same_story()]
    assert [(e.originator_id, e.originator_version, e.topic) for e in new] == [
        (e.originator_id, e.originator_version, e.topic) for e in OLD
    ]
    assert [e.topic for e in OLD[1:4]] == [
        "domain.patrols.plan:PatrolPlan.Paused",
        "domain.patrols.plan:PatrolPlan.Resumed",
        "domain.patrols.plan:PatrolPlan.Retired",
    ]
    assert OLD[5].topic == "domain.workorders.plan:MaintenancePlan.Paused"
    assert [_timeless(e.state) for e in new] == [_timeless(e.state) for e in OLD]


def test_plans_stored_before_the_lifecycle_was_shared_replay_and_carry_on() -> None:
    log = MemoryEventLog()
    log.recorder.insert_events(OLD)
    patrol = log.repository.get(PATROL_PLAN)
    assert (type(patrol), patrol.status, patrol.version) == (PatrolPlan, "retired", 4)
    maintenance = log.repository.get(MAINTENANCE_PLAN)
    assert (maintenance.status, maintenance.version) == (PlanStatus.PAUSED, 2)
    assert maintenance.status is PlanStatus.PAUSED  # the plan's own enum, as its snapshots store

    maintenance.resume(AT)
    [resumed] = maintenance.collect_events()
    assert log.mapper_with_metadata.to_stored_event(resumed).topic == (
        "domain.workorders.plan:MaintenancePlan.Resumed"
    )


def test_each_class_body_gets_event_classes_of_its_own() -> None:
    assert PatrolPlan.Paused is not MaintenancePlan.Paused
    assert PatrolPlan.Paused.__qualname__ == "PatrolPlan.Paused"
    paused, _, _ = lifecycle_events(PlanStatus)
    assert paused is not lifecycle_events(PlanStatus)[0]
