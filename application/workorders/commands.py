"""What can be asked of the workorders context, by whom.

Each command carries the :class:`~application.actor.Actor` who issues it, so
the handler (``application/workorders/service.py``) authorizes against the
order or plan it loaded, whatever the caller: HTTP, the CLI or a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class SubmitOrder:
    """Staff submit for an estate they serve; residents for a unit they occupy."""

    actor: Actor
    title: str
    description: str
    estate_id: UUID | None = None
    unit_id: UUID | None = None
    equipment_id: UUID | None = None


@dataclass(frozen=True)
class TriageOrder:
    actor: Actor
    order_id: UUID
    category: str
    priority: str


@dataclass(frozen=True)
class AssignOrder:
    actor: Actor
    order_id: UUID
    technician_id: UUID


@dataclass(frozen=True)
class WorkOn:
    """One of the technician's reason-less steps: accept, start or resume."""

    actor: Actor
    order_id: UUID


@dataclass(frozen=True)
class WorkOnWithReason:
    """A technician's step that needs a reason: reject or hold."""

    actor: Actor
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class CompleteOrder:
    actor: Actor
    order_id: UUID
    work_done: str
    parts: list[dict[str, Any]]
    labour_hours: Decimal
    currency: str
    # None: the sum of the parts
    cost: Decimal | None = None


@dataclass(frozen=True)
class RateOrder:
    actor: Actor
    order_id: UUID
    rating: int
    comment: str | None = None


@dataclass(frozen=True)
class CloseOrder:
    actor: Actor
    order_id: UUID


@dataclass(frozen=True)
class AfterWork:
    """Cancel or reopen: the requester or the estate's staff, with a reason."""

    actor: Actor
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class CreatePlan:
    actor: Actor
    estate_id: UUID
    title: str
    interval_days: int
    first_due_on: date
    priority: str
    equipment_id: UUID | None = None
    equipment_kind: str | None = None
    checklist: list[str] = field(default_factory=list)
    team: str | None = None
    technician_id: UUID | None = None


@dataclass(frozen=True)
class ChangePlan:
    """``changes`` holds only the fields to change; a None clears team or technician."""

    actor: Actor
    plan_id: UUID
    changes: dict[str, Any]


@dataclass(frozen=True)
class PlanStep:
    """Pause, resume or retire a plan (resume needs no reason)."""

    actor: Actor
    plan_id: UUID
    reason: str = ""
