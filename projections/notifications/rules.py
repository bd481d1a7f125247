"""Which events notify whom: one table of rules, read by the outbox.

A rule is keyed by ``kind_of(event)`` (aggregate class name, event name) and
says who the audience is and what they are told. Events without a rule notify
nobody, so the outbox is tolerant of every event type it does not know.

Audiences are resolved when the outbox reaches the event, against the user
directory as it is then: the staff serving an estate, holders of an action
there, residents of an estate, or a user named in the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from domain.equipment.severity import spec_of
from domain.identity.policy import ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Notice:
    """What one event tells its audience."""

    kind: str
    title: str
    body: str
    priority: str
    recipients: list[UUID]
    estate_id: UUID | None = None
    subject_id: UUID | None = None

    def payload(self) -> dict[str, Any]:
        """The job's arguments (JSON): everything but the recipients."""
        return {
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "priority": self.priority,
            "estate_id": str(self.estate_id) if self.estate_id else None,
            "subject_id": str(self.subject_id) if self.subject_id else None,
        }


@dataclass
class Subject:
    """What the outbox remembers of an aggregate (from its earlier events)."""

    subject_id: UUID
    aggregate: str
    estate_id: UUID | None = None
    requested_by: UUID | None = None
    assignee_id: UUID | None = None
    title: str | None = None
    priority: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Directory(Protocol):
    """Who is who, as the outbox sees it when it reaches an event."""

    def holders(self, estate_id: UUID | None, action: str) -> list[UUID]: ...
    def with_role(self, estate_id: UUID | None, role: str) -> list[UUID]: ...
    def residents(self, estate_id: UUID | None) -> list[UUID]: ...
    def occupants(self, unit_id: UUID | None) -> list[UUID]: ...


def roles_holding(action: str) -> list[str]:
    """Roles that hold ``action`` ("resource:action") at some scope."""
    return sorted(
        role.value
        for role, granted in ROLE_PERMISSIONS.items()
        if any(p.action == action for p in granted)
    )


def permissions_for(action: str) -> list[str]:
    return sorted(p.value for p in Permission if p.action == action)


Audience = Callable[[Any, Subject, Directory], Iterable[UUID]]
Render = Callable[[Any, Subject], tuple[str, str, str]]  # title, body, priority


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: Audience
    render: Render


def _uuid(value: Any) -> UUID | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, UUID) else UUID(str(value))


def _field(event: Any, *names: str) -> Any:
    for name in names:
        value = getattr(event, name, None)
        if value is not None:
            return value
    return None


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


# Alarms ------------------------------------------------------------------------


def _alarm_priority(severity: Any) -> str:
    """The severity's priority (``domain/equipment/severity.py``); a severity
    this code does not know is told as high rather than dropped."""
    try:
        return spec_of(_text(severity).lower()).notify.value
    except ValueError:
        return "high"


def _alarm_raised(event: Any, subject: Subject) -> tuple[str, str, str]:
    code = _text(getattr(event, "code", "alarm"))
    severity = _text(getattr(event, "severity", ""))
    message = getattr(event, "message", "") or ""
    return (
        f"Alarm raised: {code} ({severity})",
        f"{message} — equipment {getattr(event, 'equipment_id', '?')}".strip(" —"),
        _alarm_priority(severity),
    )


def _alarm_escalated(event: Any, subject: Subject) -> tuple[str, str, str]:
    code = subject.extra.get("code", "alarm")
    level = getattr(event, "level", "")
    return (
        f"Alarm escalated to level {level}: {code}",
        f"The alarm {subject.subject_id} is still unacknowledged. "
        f"{subject.extra.get('message', '')}".strip(),
        "urgent",
    )


def _alarm_handlers(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    """The severity's audience (an escalation carries no severity: its subject does)."""
    severity = getattr(event, "severity", None) or subject.extra.get("severity")
    try:
        audience = spec_of(_text(severity).lower()).audience
    except ValueError:
        audience = "alarms:handle"
    return directory.holders(subject.estate_id, audience)


# Work orders -------------------------------------------------------------------


def _order_title(subject: Subject) -> str:
    return subject.title or f"work order {subject.subject_id}"


def _order_priority(subject: Subject, default: str = "normal") -> str:
    priority = (subject.priority or "").lower()
    if priority in ("urgent", "emergency", "critical"):
        return "urgent"
    if priority in ("high",):
        return "high"
    return default


def _assigned(event: Any, subject: Subject) -> tuple[str, str, str]:
    return (
        f"Work order assigned to you: {_order_title(subject)}",
        f"Priority {subject.priority or 'not triaged'}. Please accept it.",
        _order_priority(subject),
    )


def _completed(event: Any, subject: Subject) -> tuple[str, str, str]:
    return (
        f"Your work order is done: {_order_title(subject)}",
        f"{getattr(event, 'work_done', '') or ''} Please rate the work.".strip(),
        "normal",
    )


def _sla_breached(event: Any, subject: Subject) -> tuple[str, str, str]:
    kind = _text(getattr(event, "kind", "sla"))
    return (
        f"SLA breached ({kind}): {_order_title(subject)}",
        f"Due at {getattr(event, 'due_at', '?')}; priority {subject.priority or '?'}.",
        "high",
    )


def _technician(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    tech = _uuid(_field(event, "technician_id", "assignee_id"))
    return [tech] if tech else []


def _requester(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return [subject.requested_by] if subject.requested_by else []


def _property_managers(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return directory.with_role(subject.estate_id, Role.PROPERTY_MANAGER.value)


# Approvals ---------------------------------------------------------------------
# The workflow's events do not name the role a level waits for, so the outbox
# (and the to-do list) keep the request's levels and follow it step by step.

APPROVAL_FINAL = {"Approved": "approved", "Rejected": "rejected", "Withdrawn": "withdrawn"}
APPROVAL_WAITING_EVENTS = ("Opened", "PreScreened", "LevelApproved", "Delegated", "Resubmitted")


def approval_step(state: dict[str, Any], name: str, event: Any) -> None:
    """Advance the remembered state of an approval request by one event."""
    if name == "Opened":
        state.update(
            levels=[dict(level) for level in getattr(event, "levels", [])],
            current=0,
            status="pending",
            delegate=None,
        )
    elif name == "PreScreened":
        outcome = _text(getattr(event, "outcome", "skip"))
        if outcome == "approve":
            state["status"] = "approved"
        elif outcome == "reject":
            state["status"] = "rejected"
        else:
            skipped = set(getattr(event, "skipped", []) or [])
            state["levels"] = [
                lv for lv in state.get("levels", []) if lv.get("name") not in skipped
            ]
    elif name == "LevelApproved":
        state["current"] = int(state.get("current", 0)) + 1
        state["delegate"] = None
    elif name in APPROVAL_FINAL:
        state["status"], state["delegate"] = APPROVAL_FINAL[name], None
    elif name == "ReturnedForChanges":
        state["status"], state["delegate"] = "returned", None
    elif name == "Delegated":
        state["delegate"] = str(getattr(event, "to", "")) or None
    elif name == "Resubmitted":
        state.update(status="pending", current=0, delegate=None)


@dataclass(frozen=True)
class Waiting:
    """The level an approval request waits at: its role, or the user it was delegated to."""

    level: int
    level_name: str
    role: str | None
    delegate: UUID | None


def approval_waiting(state: dict[str, Any]) -> Waiting | None:
    if state.get("status") != "pending":
        return None
    levels = state.get("levels") or []
    current = int(state.get("current", 0))
    if current >= len(levels):
        return None
    level = levels[current]
    return Waiting(
        level=current + 1,
        level_name=str(level.get("name", "")),
        role=level.get("role"),
        delegate=_uuid(state.get("delegate")),
    )


def _approval_waiting(event: Any, subject: Subject) -> tuple[str, str, str]:
    waiting = approval_waiting(subject.extra)
    assert waiting is not None
    urgency = str(subject.extra.get("urgency", "normal")).lower()
    return (
        f"Approval waiting for you: {subject.title or subject.extra.get('kind', 'a request')}",
        f"Level {waiting.level} ({waiting.level_name}) needs a decision.",
        "high" if urgency in ("urgent", "high") else "normal",
    )


def _approvers(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    waiting = approval_waiting(subject.extra)
    if waiting is None:
        return []
    if waiting.delegate:
        return [waiting.delegate]
    if not waiting.role:
        return []
    # A requester never decides their own request, so is not asked to.
    return [
        u for u in directory.with_role(subject.estate_id, waiting.role) if u != subject.requested_by
    ]


def _approval_decided(event: Any, subject: Subject) -> tuple[str, str, str]:
    outcome = {
        "Approved": "approved",
        "Rejected": "rejected",
        "ReturnedForChanges": "returned for changes",
    }[kind_name(event)]
    reason = getattr(event, "reason", None) or getattr(event, "comment", None) or ""
    return (
        f"Your request was {outcome}: {subject.title or subject.extra.get('kind', '')}",
        str(reason),
        "normal",
    )


def kind_name(event: Any) -> str:
    return type(event).__qualname__.rpartition(".")[2]


# Community ---------------------------------------------------------------------


def _announcement(event: Any, subject: Subject) -> tuple[str, str, str]:
    title = _field(event, "title") or subject.title or "New announcement"
    body = _field(event, "body", "content", "summary") or subject.extra.get("body") or ""
    urgent = bool(getattr(event, "urgent", False)) or _text(
        _field(event, "priority") or subject.priority or ""
    ).lower() in ("urgent", "high")
    return f"Announcement: {title}", str(body)[:2000], "high" if urgent else "normal"


def _residents(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    estate = _uuid(_field(event, "estate_id")) or subject.estate_id
    return directory.residents(estate)


def _handler(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    handler = _uuid(_field(event, "handler_id", "assignee_id"))
    return [handler] if handler else []


def _complaint_assigned(event: Any, subject: Subject) -> tuple[str, str, str]:
    return (
        f"Complaint assigned to you: {subject.title or 'a complaint'}",
        "Please respond to the complainant.",
        "normal",
    )


def _service_scheduled(event: Any, subject: Subject) -> tuple[str, str, str]:
    when = getattr(event, "scheduled_for", None)
    return (
        f"Service scheduled for you: {subject.title or subject.extra.get('category', '')}",
        f"Scheduled for {when.isoformat() if when else '?'}.",
        "high" if str(subject.extra.get("urgency", "")).lower() in ("urgent", "high") else "normal",
    )


# Notifications' own ------------------------------------------------------------


def _reminder(event: Any, subject: Subject) -> tuple[str, str, str]:
    return "Reminder", event.message, event.priority


def _reminded(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return [event.user_id]


def _message(event: Any, subject: Subject) -> tuple[str, str, str]:
    return event.subject, event.body, event.priority


def _addressed(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return list(event.recipient_ids)


_DUNNING_PRIORITY = {1: "normal", 2: "high", 3: "urgent"}


def _dunned(event: Any, subject: Subject) -> tuple[str, str, str]:
    level = int(_field(event, "level") or 1)
    amount = f"{_field(event, 'outstanding')} {_field(event, 'currency')}"
    bills = len(_field(event, "bill_ids") or [])
    title = "Payment reminder" if level == 1 else f"Payment reminder ({level})"
    body = f"{bills} bill(s) are overdue; {amount} is outstanding on your unit's account."
    return title, body, _DUNNING_PRIORITY.get(level, "high")


def _dunned_owners(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return list(_field(event, "recipients") or [])


def _fund_low(event: Any, subject: Subject) -> tuple[str, str, str]:
    balance = f"{_field(event, 'balance')} {_field(event, 'currency')}"
    first = f"{_field(event, 'first_deposit')} {_field(event, 'currency')}"
    body = (
        f"The unit's maintenance fund balance is {balance}, below 30% of its first deposit "
        f"({first}). Please top it up (专项维修资金续筹)."
    )
    return "Maintenance fund balance low", body, "high"


def _fund_low_audience(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    estate_id = _uuid(_field(event, "estate_id"))
    return [
        *directory.occupants(_uuid(_field(event, "unit_id"))),
        *directory.holders(estate_id, "fund:manage"),
    ]


# The table ---------------------------------------------------------------------

APPROVAL_AGGREGATES = ("Approval",)


def _approval_rules() -> dict[tuple[str, str], Rule]:
    rules = {
        (aggregate, name): Rule("approval.waiting", _approvers, _approval_waiting)
        for aggregate in APPROVAL_AGGREGATES
        for name in APPROVAL_WAITING_EVENTS
    }
    for aggregate in APPROVAL_AGGREGATES:
        for name in ("Approved", "Rejected", "ReturnedForChanges"):
            rules[(aggregate, name)] = Rule("approval.decided", _requester, _approval_decided)
    return rules


RULES: dict[tuple[str, str], Rule] = {
    ("Alarm", "Raised"): Rule("alarm.raised", _alarm_handlers, _alarm_raised),
    ("Alarm", "Escalated"): Rule("alarm.escalated", _alarm_handlers, _alarm_escalated),
    ("WorkOrder", "Assigned"): Rule("workorder.assigned", _technician, _assigned),
    ("WorkOrder", "Completed"): Rule("workorder.completed", _requester, _completed),
    ("WorkOrder", "SlaBreached"): Rule("workorder.sla_breached", _property_managers, _sla_breached),
    **_approval_rules(),
    ("Announcement", "Published"): Rule("announcement.published", _residents, _announcement),
    ("Complaint", "HandlerAssigned"): Rule("complaint.assigned", _handler, _complaint_assigned),
    ("ServiceRequest", "Scheduled"): Rule("service.scheduled", _handler, _service_scheduled),
    ("Reminder", "Fired"): Rule("reminder", _reminded, _reminder),
    ("StaffMessage", "Sent"): Rule("message", _addressed, _message),
    ("UnitAccount", "Dunned"): Rule("finance.reminder", _dunned_owners, _dunned),
    ("FundAccount", "FellBelowThreshold"): Rule("finance.fund_low", _fund_low_audience, _fund_low),
}


def notice_for(
    event: Any, kind: tuple[str, str], subject: Subject, directory: Directory
) -> Notice | None:
    """The notice an event gives, or None when no rule matches or nobody is addressed."""
    rule = RULES.get(kind)
    if rule is None:
        return None
    recipients = sorted({r for r in rule.audience(event, subject, directory) if r}, key=str)
    if not recipients:
        return None
    title, body, priority = rule.render(event, subject)
    return Notice(
        kind=rule.kind,
        title=title[:300],
        body=body[:4000],
        priority=priority,
        recipients=recipients,
        estate_id=subject.estate_id,
        subject_id=subject.subject_id,
    )
