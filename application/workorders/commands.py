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
class LogOnBehalf:
    """Staff who take residents' calls log a repair for a resident of a unit of an
    estate they serve: the order is the resident's, with how it came and who took it."""

    actor: Actor
    resident_id: UUID
    unit_id: UUID
    channel: str
    title: str
    description: str
    equipment_id: UUID | None = None


@dataclass(frozen=True)
class OrderStep:
    """A step on one work order. A caller who may not see the order (its estate's
    staff, its requester or assignee may) is told it is missing; one who sees it
    but may not take the step is forbidden."""

    actor: Actor
    order_id: UUID


@dataclass(frozen=True)
class TriageOrder(OrderStep):
    """Staff who manage the estate's orders set category and priority; the SLA
    deadlines follow from the priority."""

    category: str
    priority: str


@dataclass(frozen=True)
class AssignOrder(OrderStep):
    """Staff who manage the estate's orders hand it to an active technician of the estate."""

    technician_id: UUID


class WorkOn(OrderStep):
    """One of the technician's reason-less steps: accept, start or resume."""


@dataclass(frozen=True)
class WorkOnWithReason(OrderStep):
    """A technician's step that needs a reason: reject or hold."""

    reason: str


@dataclass(frozen=True)
class CompleteOrder(OrderStep):
    """The assigned technician records the work, parts and hours; the cost defaults to
    the sum of the parts."""

    work_done: str
    parts: list[dict[str, Any]]
    labour_hours: Decimal
    currency: str
    # None: the sum of the parts
    cost: Decimal | None = None


@dataclass(frozen=True)
class RateOrder(OrderStep):
    """Only the requester rates the completed work (1-5)."""

    rating: int
    comment: str | None = None


class CloseOrder(OrderStep):
    """The requester or the estate's managing staff close the completed order."""


@dataclass(frozen=True)
class AfterWork(OrderStep):
    """Cancel or reopen: the requester or the estate's staff, with a reason. The
    requester cancels only before the order is assigned."""

    reason: str


@dataclass(frozen=True)
class CreatePlan:
    """Staff who manage maintenance for the estate create a recurring job on one
    equipment, or on every equipment of a kind, of that estate."""

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
    """Staff who manage the plan's estate change it: ``changes`` holds only the fields
    to change; a None clears team or technician."""

    actor: Actor
    plan_id: UUID
    changes: dict[str, Any]


@dataclass(frozen=True)
class PlanStep:
    """Staff who manage the plan's estate pause, resume or retire it (resume needs no
    reason); retiring stops it for good, its orders and history stay."""

    actor: Actor
    plan_id: UUID
    reason: str = ""
