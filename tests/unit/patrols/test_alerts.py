"""A late or missed patrol point tells the estate's property managers, and nobody else."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from domain.patrols.task import PatrolTask
from projections.notifications.rules import Subject, notice_for


class Directory:
    def __init__(self, managers: dict[UUID, list[UUID]]) -> None:
        self.managers = managers

    def holders(self, estate_id: UUID | None, action: str) -> list[UUID]:
        return []

    def with_role(self, estate_id: UUID | None, role: str) -> list[UUID]:
        return self.managers.get(estate_id, []) if role == "property_manager" else []  # type: ignore[arg-type]

    def residents(self, estate_id: UUID | None) -> list[UUID]:
        return []

    def occupants(self, unit_id: UUID | None) -> list[UUID]:
        return []


def test_missed_and_late_points_alert_the_estates_property_managers() -> None:
    estate, other, manager, assignee = uuid4(), uuid4(), uuid4(), uuid4()
    directory = Directory({estate: [manager], other: [uuid4()]})
    at = datetime(2026, 3, 2, 22, tzinfo=UTC)
    common = {
        "originator_id": uuid4(),
        "originator_version": 2,
        "timestamp": at,
        "point_id": "p",
        "point_name": "Roof",
        "estate_id": estate,
        "assignee_id": assignee,
        "route_name": "Night round",
        "at": at,
    }
    missed = PatrolTask.PointMissed(**common)  # type: ignore[attr-defined]
    late = PatrolTask.PointLate(**common, due_by=at)  # type: ignore[attr-defined]
    for event, kind, word in ((missed, "PointMissed", "missed"), (late, "PointLate", "overdue")):
        subject = Subject(common["originator_id"], "PatrolTask", estate)
        notice = notice_for(event, ("PatrolTask", kind), subject, directory)
        assert notice is not None
        assert notice.recipients == [manager] and notice.priority == "high"
        assert word in notice.title and "Roof" in notice.title
