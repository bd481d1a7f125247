"""The work order: a repair or maintenance job from request to closure (R4.2, R4.4).

The states and the commands allowed in each are one explicit table
(``TRANSITIONS``); every command checks it before it records anything, so an
illegal command raises ``InvalidTransition`` and appends nothing. The
aggregate never fetches: SLA deadlines are computed by the caller from the
policy (``domain.workorders.sla``) and every time is passed in.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.workorders.rules import Category as Category
from domain.workorders.rules import Channel, SlaKind, clean_parts, passed_deadlines, text
from domain.workorders.rules import Priority as Priority
from domain.workorders.rules import Source as Source


class Status(StrEnum):
    SUBMITTED = "submitted"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    RATED = "rated"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# command -> the states it may be given in -> the state it leads to.
# "assign" from an assigned or later state is a reassignment; "reject" and
# "reopen" send the order back to triage for a new assignment.
_LIVE_WORK = (Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "triage": (frozenset({Status.SUBMITTED, Status.TRIAGED}), Status.TRIAGED),
    "assign": (frozenset({Status.TRIAGED, *_LIVE_WORK}), Status.ASSIGNED),
    "accept": (frozenset({Status.ASSIGNED}), Status.ACCEPTED),
    "reject": (frozenset({Status.ASSIGNED, Status.ACCEPTED}), Status.TRIAGED),
    "start": (frozenset({Status.ACCEPTED}), Status.IN_PROGRESS),
    "hold": (frozenset({Status.IN_PROGRESS}), Status.ON_HOLD),
    "resume": (frozenset({Status.ON_HOLD}), Status.IN_PROGRESS),
    "complete": (frozenset({Status.IN_PROGRESS}), Status.COMPLETED),
    "rate": (frozenset({Status.COMPLETED}), Status.RATED),
    "close": (frozenset({Status.COMPLETED, Status.RATED}), Status.CLOSED),
    "cancel": (frozenset({Status.SUBMITTED, Status.TRIAGED, *_LIVE_WORK}), Status.CANCELLED),
    "reopen": (frozenset({Status.COMPLETED, Status.RATED, Status.CLOSED}), Status.TRIAGED),
}

OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.TRIAGED, *_LIVE_WORK}
)  # the SLA clocks run in these
TERMINAL_STATUSES = frozenset({Status.CANCELLED})
REQUESTER_MAY_CANCEL = frozenset({Status.SUBMITTED, Status.TRIAGED})


def allowed_commands(status: Status) -> list[str]:
    """The commands the table allows in ``status`` (for clients and tests)."""
    return [name for name, (sources, _) in TRANSITIONS.items() if status in sources]


class WorkOrder(Aggregate):
    """A job on an estate, a unit or a piece of equipment, with its SLA clocks."""

    class_version = 2  # 2: channel and taken_by (LoggedOnBehalf, decision 0045)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # As __init__ sets them; no snapshot of version 1 saw a LoggedOnBehalf.
        resident = state["source"] == Source.RESIDENT.value
        state.update(channel=Channel.APP.value if resident else None, taken_by=None)

    @event("Submitted")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        title: str,
        description: str,
        source: str,
        source_ref: str | None,
        requested_by: UUID | None,
        at: datetime,
        unit_id: UUID | None = None,
        equipment_id: UUID | None = None,
    ) -> None:
        self.estate_id = estate_id
        self.title = title
        self.description = description
        self.source = Source(source)
        self.source_ref = source_ref
        self.requested_by = requested_by
        self.unit_id = unit_id
        self.equipment_id = equipment_id
        self.submitted_at = at
        self.status = Status.SUBMITTED
        # How it reached the estate (a resident's own: the app); the clerk who took it.
        self.channel = Channel.APP.value if self.source is Source.RESIDENT else None
        self.taken_by: UUID | None = None
        self.category: Category | None = None
        self.priority: Priority | None = None
        self.respond_by: datetime | None = None
        self.resolve_by: datetime | None = None
        self.assignee_id: UUID | None = None
        self.assignments: list[UUID] = []
        self.started_at: datetime | None = None
        self.completed_at: datetime | None = None
        self.work_done: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.labour_hours: Decimal | None = None
        self.cost: Decimal | None = None
        self.currency: str | None = None
        self.rating: int | None = None
        self.breaches: list[str] = []

    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        title: str,
        description: str,
        source: Source | str,
        source_ref: str | None,
        requested_by: UUID | None,
        at: datetime,
        unit_id: UUID | None = None,
        equipment_id: UUID | None = None,
    ) -> WorkOrder:
        """Validate and record a new order (the constructor itself trusts its input)."""
        try:
            source = Source(source)
        except ValueError as exc:
            raise ValidationFailed(f"source: one of {', '.join(Source)}") from exc
        return cls(
            id=id,
            estate_id=estate_id,
            title=text("title", title, 200),
            description=text("description", description, 4000),
            source=source.value,
            source_ref=source_ref,
            requested_by=requested_by,
            at=at,
            unit_id=unit_id,
            equipment_id=equipment_id,
        )

    @classmethod
    def log_on_behalf(
        cls, *, resident_id: UUID, clerk_id: UUID, channel: Channel | str, **fields: Any
    ) -> WorkOrder:
        """A resident's own order, taken by a clerk (they phoned, came by): with how and by whom."""
        try:
            channel = Channel(channel)
        except ValueError as exc:
            raise ValidationFailed(f"channel: one of {', '.join(Channel)}") from exc
        order = cls.submit(
            source=Source.RESIDENT, source_ref=None, requested_by=resident_id, **fields
        )
        order._logged_on_behalf(channel=channel.value, clerk_id=clerk_id, at=order.submitted_at)
        return order

    @event("LoggedOnBehalf")
    def _logged_on_behalf(self, channel: str, clerk_id: UUID, at: datetime) -> None:
        self.channel, self.taken_by = channel, clerk_id

    @classmethod
    def with_id(cls, order_id: UUID, **fields: Any) -> WorkOrder:
        """Submit under a chosen ID (a plan derives it from the due date, so one per date)."""
        return cls(id=order_id, **{"unit_id": None, "equipment_id": None, **fields})

    # ---- queries ---------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def _check(self, command: str) -> None:
        sources, _ = TRANSITIONS[command]
        if self.status not in sources:
            raise InvalidTransition(f"cannot {command} a work order that is {self.status}")

    def _move(self, command: str) -> None:
        target = TRANSITIONS[command][1]
        if target is not None:
            self.status = target

    # ---- triage and assignment -------------------------------------------

    def triage(
        self,
        category: Category | str,
        priority: Priority | str,
        respond_by: datetime,
        resolve_by: datetime,
        at: datetime,
    ) -> None:
        self._check("triage")
        try:
            category, priority = Category(category), Priority(priority)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from exc
        if not respond_by <= resolve_by:
            raise ValidationFailed("respond_by must not be after resolve_by")
        self._triaged(
            category=category.value,
            priority=priority.value,
            respond_by=respond_by,
            resolve_by=resolve_by,
            at=at,
        )

    @event("Triaged")
    def _triaged(
        self, category: str, priority: str, respond_by: datetime, resolve_by: datetime, at: datetime
    ) -> None:
        self._move("triage")
        self.category = Category(category)
        self.priority = Priority(priority)
        self.respond_by = respond_by
        self.resolve_by = resolve_by

    def assign(self, technician_id: UUID, at: datetime) -> None:
        """Assign, or reassign to someone else (the new technician must accept)."""
        self._check("assign")
        if technician_id == self.assignee_id and self.status is Status.ASSIGNED:
            raise InvalidTransition("already assigned to this technician")
        self._assigned(technician_id=technician_id, at=at)

    @event("Assigned")
    def _assigned(self, technician_id: UUID, at: datetime) -> None:
        self._move("assign")
        self.assignee_id = technician_id
        self.assignments = [*self.assignments, technician_id]

    def reject(self, reason: str, at: datetime) -> None:
        """The technician turns the job down; it goes back to triage for reassignment."""
        self._check("reject")
        self._rejected(reason=text("reason", reason, 1000), at=at)

    @event("Rejected")
    def _rejected(self, reason: str, at: datetime) -> None:
        self._move("reject")
        self.assignee_id = None

    # ---- the work --------------------------------------------------------

    def accept(self, at: datetime) -> None:
        self._check("accept")
        self._accepted(at=at)

    @event("Accepted")
    def _accepted(self, at: datetime) -> None:
        self._move("accept")

    def start(self, at: datetime) -> None:
        self._check("start")
        self._started(at=at)

    @event("Started")
    def _started(self, at: datetime) -> None:
        self._move("start")
        if self.started_at is None:
            self.started_at = at

    def hold(self, reason: str, at: datetime) -> None:
        self._check("hold")
        self._put_on_hold(reason=text("reason", reason, 1000), at=at)

    @event("PutOnHold")
    def _put_on_hold(self, reason: str, at: datetime) -> None:
        self._move("hold")

    def resume(self, at: datetime) -> None:
        self._check("resume")
        self._resumed(at=at)

    @event("Resumed")
    def _resumed(self, at: datetime) -> None:
        self._move("resume")

    def complete(
        self,
        work_done: str,
        parts: list[dict[str, Any]],
        labour_hours: Decimal,
        cost: Decimal,
        currency: str,
        at: datetime,
    ) -> None:
        self._check("complete")
        checked = clean_parts(parts)
        labour_hours, cost = Decimal(labour_hours), Decimal(cost)
        if labour_hours < 0 or cost < 0:
            raise ValidationFailed("labour hours and cost must not be negative")
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationFailed("currency: a three-letter ISO 4217 code")
        self._completed(
            work_done=text("work_done", work_done, 4000),
            parts=checked,
            labour_hours=labour_hours,
            cost=cost,
            currency=currency.upper(),
            at=at,
        )

    @event("Completed")
    def _completed(
        self,
        work_done: str,
        parts: list[dict[str, Any]],
        labour_hours: Decimal,
        cost: Decimal,
        currency: str,
        at: datetime,
    ) -> None:
        self._move("complete")
        self.completed_at = at
        self.work_done = work_done
        self.parts = parts
        self.labour_hours = labour_hours
        self.cost = cost
        self.currency = currency

    # ---- after the work --------------------------------------------------

    def rate(self, rating: int, comment: str | None, at: datetime) -> None:
        self._check("rate")
        if not (isinstance(rating, int) and 1 <= rating <= 5):
            raise ValidationFailed("rating: a whole number from 1 to 5")
        if comment is not None and len(comment) > 2000:
            raise ValidationFailed("comment: at most 2000 characters")
        self._rated(rating=rating, comment=comment, at=at)

    @event("Rated")
    def _rated(self, rating: int, comment: str | None, at: datetime) -> None:
        self._move("rate")
        self.rating = rating

    def close(self, at: datetime) -> None:
        self._check("close")
        self._closed(at=at)

    @event("Closed")
    def _closed(self, at: datetime) -> None:
        self._move("close")

    def cancel(self, reason: str, at: datetime, *, by_requester: bool = False) -> None:
        """Staff may cancel any open order; the requester only before it is assigned."""
        self._check("cancel")
        if by_requester and self.status not in REQUESTER_MAY_CANCEL:
            raise InvalidTransition(f"the requester cannot cancel an order that is {self.status}")
        self._cancelled(reason=text("reason", reason, 1000), at=at)

    @event("Cancelled")
    def _cancelled(self, reason: str, at: datetime) -> None:
        self._move("cancel")

    def reopen(self, reason: str, at: datetime) -> None:
        """The work did not hold: back to triage; the original SLA deadlines stand."""
        self._check("reopen")
        self._reopened(reason=text("reason", reason, 1000), at=at)

    @event("Reopened")
    def _reopened(self, reason: str, at: datetime) -> None:
        self._move("reopen")
        self.assignee_id = None
        self.completed_at = None
        self.rating = None

    # ---- SLA -------------------------------------------------------------

    def due_breaches(self, now: datetime) -> list[tuple[SlaKind, datetime]]:
        """The SLA deadlines passed at ``now`` and not yet recorded."""
        if not self.is_open:
            return []
        return passed_deadlines(
            self.respond_by, self.resolve_by, self.started_at, self.breaches, now
        )

    def detect_sla_breaches(self, now: datetime) -> int:
        """Record each passed deadline once; answer how many were recorded."""
        due = self.due_breaches(now)
        for kind, due_at in due:
            self._sla_breached(kind=kind.value, due_at=due_at, detected_at=now)
        return len(due)

    @event("SlaBreached")
    def _sla_breached(self, kind: str, due_at: datetime, detected_at: datetime) -> None:
        self.breaches = [*self.breaches, kind]
