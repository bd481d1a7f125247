"""Preventive maintenance plans: recurring jobs on equipment that open work orders (R4.2).

A plan covers one piece of equipment or every piece of a kind within an
estate. It is due on ``next_due``; the scheduler opens one work order for
that date and the plan records it (``OrderOpened``) and moves ``next_due`` on
by the interval. Missed dates (the scheduler was down, the plan was paused)
are not made up one order each: the plan jumps to the first date after
today, and the event says how many were skipped.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.plans import PlanLifecycle, lifecycle_events
from domain.workorders.order import Priority

PLAN_ORDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/maintenance-plan-orders")


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"


def plan_order_id(plan_id: UUID, due_on: date) -> UUID:
    """The ID of the order a plan opens for a due date: one order per date, by construction."""
    return uuid5(PLAN_ORDER_NAMESPACE, f"{plan_id}:{due_on.isoformat()}")


def _checked(
    title: str, interval_days: int, checklist: list[str], priority: str
) -> tuple[str, int, list[str], str]:
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise ValidationFailed("title: 1-200 characters")
    if not 1 <= interval_days <= 3660:
        raise ValidationFailed("interval_days: 1-3660")
    items = [item.strip() for item in checklist]
    if any(not 1 <= len(item) <= 500 for item in items) or len(items) > 100:
        raise ValidationFailed("checklist: at most 100 items of 1-500 characters")
    try:
        priority = Priority(priority).value
    except ValueError as exc:
        raise ValidationFailed(f"priority: one of {', '.join(Priority)}") from exc
    return title, interval_days, items, priority


class MaintenancePlan(PlanLifecycle, Aggregate):
    """A recurring maintenance job and when it is next due."""

    @event("Created")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        title: str,
        equipment_id: UUID | None,
        equipment_kind: str | None,
        interval_days: int,
        checklist: list[str],
        team: str | None,
        technician_id: UUID | None,
        priority: str,
        first_due_on: date,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.title = title
        self.equipment_id = equipment_id
        self.equipment_kind = equipment_kind
        self.interval_days = interval_days
        self.checklist = checklist
        self.team = team
        self.technician_id = technician_id
        self.priority = Priority(priority)
        self.next_due_on = first_due_on
        self.status = PlanStatus.ACTIVE
        self.orders_opened: list[str] = []  # due dates, ISO

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        title: str,
        equipment_id: UUID | None,
        equipment_kind: str | None,
        interval_days: int,
        checklist: list[str],
        team: str | None,
        technician_id: UUID | None,
        priority: str,
        first_due_on: date,
        at: datetime,
    ) -> MaintenancePlan:
        if (equipment_id is None) == (equipment_kind is None):
            raise ValidationFailed("a plan covers either one equipment_id or one equipment_kind")
        title, interval_days, checklist, priority = _checked(
            title, interval_days, checklist, priority
        )
        return cls(
            id=id,
            estate_id=estate_id,
            title=title,
            equipment_id=equipment_id,
            equipment_kind=equipment_kind.strip().lower() if equipment_kind else None,
            interval_days=interval_days,
            checklist=checklist,
            team=team,
            technician_id=technician_id,
            priority=priority,
            first_due_on=first_due_on,
            at=at,
        )

    # ---- changes ---------------------------------------------------------

    def change(self, at: datetime, **changes: Any) -> None:
        """Change the schedule or the job; only fields that differ are recorded."""
        if self.status is PlanStatus.RETIRED:
            raise InvalidTransition("a retired plan cannot be changed")
        allowed = {
            "title",
            "interval_days",
            "checklist",
            "team",
            "technician_id",
            "priority",
            "next_due_on",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationFailed(f"not a plan field: {', '.join(sorted(unknown))}")
        merged = {
            "title": self.title,
            "interval_days": self.interval_days,
            "checklist": self.checklist,
            "priority": self.priority.value,
            **{
                k: v
                for k, v in changes.items()
                if k in ("title", "interval_days", "checklist", "priority")
            },
        }
        title, interval_days, checklist, priority = _checked(**merged)
        clean = {
            **changes,
            "title": title,
            "interval_days": interval_days,
            "checklist": checklist,
            "priority": priority,
        }
        changed = {k: v for k, v in clean.items() if k in changes and getattr(self, k) != v}
        if not changed:
            raise InvalidTransition("nothing to change")
        self._changed(changes=changed, at=at)

    @event("Changed")
    def _changed(self, changes: dict[str, Any], at: datetime) -> None:
        for name, value in changes.items():
            setattr(self, name, Priority(value) if name == "priority" else value)

    # pause, resume, retire: the rules in PlanLifecycle, the events this class's own.
    _paused, _resumed, _retired = lifecycle_events(PlanStatus)

    # ---- falling due -----------------------------------------------------

    def is_due(self, today: date) -> bool:
        return self.status is PlanStatus.ACTIVE and self.next_due_on <= today

    def record_order_opened(self, order_id: UUID, today: date, at: datetime) -> date:
        """Record the order opened for the current due date; answer that date."""
        if not self.is_due(today):
            raise InvalidTransition(f"plan is not due on {today} (next due {self.next_due_on})")
        due_on = self.next_due_on
        step = timedelta(days=self.interval_days)
        next_due, skipped = due_on + step, 0
        while next_due <= today:
            next_due, skipped = next_due + step, skipped + 1
        self._order_opened(
            order_id=order_id, due_on=due_on, next_due_on=next_due, skipped=skipped, at=at
        )
        return due_on

    @event("OrderOpened")
    def _order_opened(
        self, order_id: UUID, due_on: date, next_due_on: date, skipped: int, at: datetime
    ) -> None:
        self.next_due_on = next_due_on
        self.orders_opened = [*self.orders_opened[-99:], due_on.isoformat()]
