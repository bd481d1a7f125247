"""Patrol plans (巡检计划): which route is walked, by whom, on which days and in
which shift.

A shift is given in the estate's local time (``22:00`` for 480 minutes,
Asia/Shanghai: a night patrol) and fixed per day; a task's instants are
UTC, worked out by the application from the plan's time zone (the domain
reads no zone files). The scheduler generates one task per shift a little
before it starts; shifts that ended while nobody generated them are skipped,
and the event says how many, as maintenance plans do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.plans import PlanLifecycle, lifecycle_events

TASK_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/patrol-tasks")
#: A task is generated this long before its shift starts.
LEAD = timedelta(hours=2)
#: How far from today a plan's first shift may be: a year back (a plan
#: written up late), three years ahead (the scheduler walks every day between).
FIRST_SHIFT_BACK = timedelta(days=366)
FIRST_SHIFT_AHEAD = timedelta(days=3 * 366)
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")

Window = Callable[[date], tuple[datetime, datetime]]


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"


def task_id_for(plan_id: UUID, shift_on: date) -> UUID:
    """One task per plan and shift, by construction."""
    return uuid5(TASK_NAMESPACE, f"{plan_id}:{shift_on.isoformat()}")


def check_shift(weekdays: list[int], starts: str, minutes: int) -> list[int]:
    if not _CLOCK.match(starts):
        raise ValidationFailed("shift_starts: HH:MM, 00:00-23:59")
    if not 30 <= minutes <= 24 * 60:
        raise ValidationFailed("shift_minutes: 30-1440")
    days = sorted(set(weekdays))
    if not days or any(not 1 <= d <= 7 for d in days):
        raise ValidationFailed("weekdays: ISO days 1 (Monday) to 7 (Sunday), at least one")
    return days


def on_or_after(day: date, weekdays: list[int]) -> date:
    """The first planned weekday from ``day`` on."""
    while day.isoweekday() not in weekdays:
        day += timedelta(days=1)
    return day


class PatrolPlan(PlanLifecycle, Aggregate):
    """A recurring patrol: a route, a person, the days and the shift."""

    @event("Created")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        route_id: UUID,
        name: str,
        assignee_id: UUID,
        weekdays: list[int],
        shift_starts: str,
        shift_minutes: int,
        timezone: str,
        first_shift_on: date,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.route_id = route_id
        self.name = name
        self.assignee_id = assignee_id
        self.weekdays = weekdays
        self.shift_starts = shift_starts
        self.shift_minutes = shift_minutes
        self.timezone = timezone
        self.next_shift_on = first_shift_on
        self.status = PlanStatus.ACTIVE

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        route_id: UUID,
        name: str,
        assignee_id: UUID,
        weekdays: list[int],
        shift_starts: str,
        shift_minutes: int,
        timezone: str,
        first_shift_on: date,
        at: datetime,
    ) -> PatrolPlan:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise ValidationFailed("name: 1-100 characters")
        days = check_shift(weekdays, shift_starts, shift_minutes)
        earliest, latest = at.date() - FIRST_SHIFT_BACK, at.date() + FIRST_SHIFT_AHEAD
        if not earliest <= first_shift_on <= latest:
            raise ValidationFailed(f"first_shift_on: between {earliest} and {latest}")
        first_shift_on = on_or_after(first_shift_on, days)
        return cls(
            id=id,
            estate_id=estate_id,
            route_id=route_id,
            name=name,
            assignee_id=assignee_id,
            weekdays=days,
            shift_starts=shift_starts,
            shift_minutes=shift_minutes,
            timezone=timezone,
            first_shift_on=first_shift_on,
            at=at,
        )

    def _on_or_after(self, day: date) -> date:
        return on_or_after(day, self.weekdays)

    # ---- changes ---------------------------------------------------------

    def reassign(self, assignee_id: UUID, at: datetime) -> None:
        """Later tasks go to ``assignee_id``; tasks generated already keep theirs."""
        if self.status is PlanStatus.RETIRED:
            raise InvalidTransition("a retired plan cannot be changed")
        if assignee_id == self.assignee_id:
            raise InvalidTransition("already assigned to them")
        self._reassigned(assignee_id=assignee_id, at=at)

    @event("Reassigned")
    def _reassigned(self, assignee_id: UUID, at: datetime) -> None:
        self.assignee_id = assignee_id

    # pause, resume, retire: the rules in PlanLifecycle, the events this class's own.
    _paused, _resumed, _retired = lifecycle_events(PlanStatus)

    # ---- falling due -----------------------------------------------------

    def due_shift(self, now: datetime, window: Window) -> date | None:
        """The shift whose task is due at ``now`` (within :data:`LEAD` of its
        start and not yet over), or None."""
        if self.status is not PlanStatus.ACTIVE:
            return None
        day = self.next_shift_on
        while True:
            starts, ends = window(day)
            if now < starts - LEAD:
                return None
            if now < ends:
                return day
            day = self._on_or_after(day + timedelta(days=1))

    def record_task(self, task_id: UUID, shift_on: date, at: datetime) -> None:
        """The task of ``shift_on`` is generated; shifts before it are skipped."""
        if self.status is not PlanStatus.ACTIVE:
            raise InvalidTransition(f"the plan is {self.status}")
        if shift_on < self.next_shift_on:
            raise InvalidTransition(f"the shift of {shift_on} has its task already")
        skipped, day = 0, self.next_shift_on
        while day < shift_on:
            skipped, day = skipped + 1, self._on_or_after(day + timedelta(days=1))
        self._task_generated(
            task_id=task_id,
            shift_on=shift_on,
            next_shift_on=self._on_or_after(shift_on + timedelta(days=1)),
            skipped=skipped,
            at=at,
        )

    @event("TaskGenerated")
    def _task_generated(
        self, task_id: UUID, shift_on: date, next_shift_on: date, skipped: int, at: datetime
    ) -> None:
        self.next_shift_on = next_shift_on
