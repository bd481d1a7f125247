"""The commands of the patrols context: each carries the actor who issues it.

Staff who manage patrols of an estate (``patrols:manage``) make routes and
plans; the person a task is assigned to (``patrols:work``, their own) checks
its points in. A record the actor may not see answers as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class CreateRoute:
    """A route of an estate: its points in walking order, each with its checklist
    (``{"name", "place", "checklist": [{"label", "unit", "low", "high"}]}``).
    Each point gets a code to print as its QR label."""

    actor: Actor
    estate_id: UUID
    name: str
    points: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class AddPoint:
    """A point at the end of the route's walk, with its checklist."""

    actor: Actor
    route_id: UUID
    name: str
    checklist: list[dict[str, Any]]
    place: str | None = None


@dataclass(frozen=True)
class RetireRoute:
    """No plan may use the route any more (its tasks and history stay)."""

    actor: Actor
    route_id: UUID
    reason: str


@dataclass(frozen=True)
class CreatePlan:
    """A recurring patrol of a route by a technician or gate guard of the estate,
    on ISO ``weekdays`` (1 Monday .. 7 Sunday), the shift from ``shift_starts``
    (local time in ``timezone``) for ``shift_minutes``."""

    actor: Actor
    route_id: UUID
    name: str
    assignee_id: UUID
    shift_starts: str
    shift_minutes: int
    first_shift_on: date
    weekdays: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class PlanStep:
    """A step on one plan by staff who manage patrols of its estate."""

    actor: Actor
    plan_id: UUID


@dataclass(frozen=True)
class ReassignPlan(PlanStep):
    """Later tasks go to another technician or gate guard of the estate."""

    assignee_id: UUID


@dataclass(frozen=True)
class PausePlan(PlanStep):
    """No tasks are generated while the plan is paused."""

    reason: str


class ResumePlan(PlanStep):
    """Tasks are generated again, from the next shift."""


@dataclass(frozen=True)
class RetirePlan(PlanStep):
    """Stop the plan for good."""

    reason: str


@dataclass(frozen=True)
class CheckIn:
    """The task's assignee checks a point in: the code scanned at the point and
    an answer per checklist item (``{"item_id", "result", "value", "note",
    "photo_ref"}``). An abnormal answer opens a work order in the same append."""

    actor: Actor
    task_id: UUID
    point_id: UUID
    code: str
    answers: list[dict[str, Any]]
