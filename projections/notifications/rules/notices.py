"""What the events of alarms, work orders, patrols, community, reminders, messages,
finance, stores, the gate and data quality tell, and to whom (approvals:
``approvals.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from application.estate_time import local_clock
from domain.equipment.severity import spec_of
from domain.identity.policy import Role
from projections.notifications.rules.approvals import approval_rules
from projections.notifications.rules.common import (
    Directory,
    Rule,
    Subject,
    first_field,
    requester,
    text_of,
    uuid_or_none,
)

# Alarms ------------------------------------------------------------------------


def _alarm_priority(severity: Any) -> str:
    """The severity's priority (``domain/equipment/severity.py``); a severity
    this code does not know is told as high rather than dropped."""
    try:
        return spec_of(text_of(severity).lower()).notify.value
    except ValueError:
        return "high"


def _alarm_raised(event: Any, subject: Subject) -> tuple[str, str, str]:
    code = text_of(getattr(event, "code", "alarm"))
    severity = text_of(getattr(event, "severity", ""))
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
        audience = spec_of(text_of(severity).lower()).audience
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
    kind = text_of(getattr(event, "kind", "sla"))
    return (
        f"SLA breached ({kind}): {_order_title(subject)}",
        f"Due at {getattr(event, 'due_at', '?')}; priority {subject.priority or '?'}.",
        "high",
    )


def _technician(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    tech = uuid_or_none(first_field(event, "technician_id", "assignee_id"))
    return [tech] if tech else []


def _property_managers(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return directory.with_role(subject.estate_id, Role.PROPERTY_MANAGER.value)


# Patrols -----------------------------------------------------------------------


def _patrol_late(event: Any, subject: Subject) -> tuple[str, str, str]:
    due = getattr(event, "due_by", None)
    return (
        f"Patrol point overdue: {event.point_name} ({event.route_name})",
        f"Not checked by {due.isoformat() if due else '?'}; assignee {event.assignee_id}.",
        "high",
    )


def _patrol_missed(event: Any, subject: Subject) -> tuple[str, str, str]:
    return (
        f"Patrol point missed: {event.point_name} ({event.route_name})",
        f"The shift ended without a check-in; assignee {event.assignee_id}.",
        "high",
    )


# Community ---------------------------------------------------------------------


def _announcement(event: Any, subject: Subject) -> tuple[str, str, str]:
    title = first_field(event, "title") or subject.title or "New announcement"
    body = first_field(event, "body", "content", "summary") or subject.extra.get("body") or ""
    urgent = bool(getattr(event, "urgent", False)) or text_of(
        first_field(event, "priority") or subject.priority or ""
    ).lower() in ("urgent", "high")
    return f"Announcement: {title}", str(body)[:2000], "high" if urgent else "normal"


def _residents(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    estate = uuid_or_none(first_field(event, "estate_id")) or subject.estate_id
    return directory.residents(estate)


def _handler(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    handler = uuid_or_none(first_field(event, "handler_id", "assignee_id"))
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
    level = int(first_field(event, "level") or 1)
    amount = f"{first_field(event, 'outstanding')} {first_field(event, 'currency')}"
    bills = len(first_field(event, "bill_ids") or [])
    title = "Payment reminder" if level == 1 else f"Payment reminder ({level})"
    body = f"{bills} bill(s) are overdue; {amount} is outstanding on your unit's account."
    return title, body, _DUNNING_PRIORITY.get(level, "high")


def _dunned_owners(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return list(first_field(event, "recipients") or [])


def _fund_low(event: Any, subject: Subject) -> tuple[str, str, str]:
    balance = f"{first_field(event, 'balance')} {first_field(event, 'currency')}"
    first = f"{first_field(event, 'first_deposit')} {first_field(event, 'currency')}"
    body = (
        f"The unit's maintenance fund balance is {balance}, below 30% of its first deposit "
        f"({first}). Please top it up (专项维修资金续筹)."
    )
    return "Maintenance fund balance low", body, "high"


def _fund_low_audience(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    estate_id = uuid_or_none(first_field(event, "estate_id"))
    return [
        *directory.occupants(uuid_or_none(first_field(event, "unit_id"))),
        *directory.holders(estate_id, "fund:manage"),
    ]


# Stores ------------------------------------------------------------------------


def _low_stock(event: Any, subject: Subject) -> tuple[str, str, str]:
    part = first_field(event, "part_id")
    body = (
        f"Part {part} is down to {first_field(event, 'quantity')}, below its reorder level "
        f"{first_field(event, 'level')} in store {subject.subject_id}. Time to request more."
    )
    return "Stock below its reorder level", body, "high"


def _storekeepers_and_managers(event: Any, subject: Subject, directory: Directory) -> list[UUID]:
    estate_id = uuid_or_none(first_field(event, "estate_id"))
    found = [
        *directory.holders(estate_id, "stores:manage"),
        *directory.with_role(estate_id, Role.PROPERTY_MANAGER.value),
    ]
    return list(dict.fromkeys(found))


# The gate ----------------------------------------------------------------------


def _visitor_arrived(event: Any, subject: Subject) -> tuple[str, str, str]:
    allowed = subject.extra.get("entries_allowed")
    plate = subject.extra.get("plate")
    body = (
        f"Your visitor checked in at the gate at {local_clock(event.at, subject.estate_id)} "
        f"(entry {event.entry}{f' of {allowed}' if allowed else ''}"
        f"{f', plate {plate}' if plate else ''})."
    )
    return "Your visitor has arrived", body, "normal"


def _pass_holder(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    """Whoever issued the pass, when they live in its unit; a pass the front desk
    issued for a unit tells the unit's residents, for whom it was issued."""
    residents = directory.occupants(uuid_or_none(subject.extra.get("unit_id")))
    return [subject.requested_by] if subject.requested_by in residents else residents


# Data quality ------------------------------------------------------------------


def _quality_found(event: Any, subject: Subject) -> tuple[str, str, str]:
    failing = [c for c in event.counts if c["count"]]
    total = sum(c["count"] for c in failing)
    found = "; ".join(f"{c['check']}: {c['count']} ({c['severity']})" for c in failing)
    body = f"The {event.trigger.replace('_', ' ')} data-quality run of {event.month} found {found}."
    errors = any(c["severity"] == "error" for c in failing)
    return (
        f"Data quality: {total} failing record(s) in {event.month}",
        body,
        "high" if errors else "normal",
    )


def _managers_if_failing(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    """The estate's property managers, when the run found a failing record (a clean
    run tells nobody: the trend shows it)."""
    if not any(c["count"] for c in event.counts):
        return []
    return directory.with_role(event.estate_id, Role.PROPERTY_MANAGER.value)


# The table ---------------------------------------------------------------------

RULES: dict[tuple[str, str], Rule] = {
    ("Alarm", "Raised"): Rule("alarm.raised", _alarm_handlers, _alarm_raised),
    ("Alarm", "Escalated"): Rule("alarm.escalated", _alarm_handlers, _alarm_escalated),
    ("WorkOrder", "Assigned"): Rule("workorder.assigned", _technician, _assigned),
    ("WorkOrder", "Completed"): Rule("workorder.completed", requester, _completed),
    ("WorkOrder", "SlaBreached"): Rule("workorder.sla_breached", _property_managers, _sla_breached),
    ("PatrolTask", "PointLate"): Rule("patrol.point_late", _property_managers, _patrol_late),
    ("PatrolTask", "PointMissed"): Rule("patrol.point_missed", _property_managers, _patrol_missed),
    **approval_rules(),
    ("Announcement", "Published"): Rule("announcement.published", _residents, _announcement),
    ("Complaint", "HandlerAssigned"): Rule("complaint.assigned", _handler, _complaint_assigned),
    ("ServiceRequest", "Scheduled"): Rule("service.scheduled", _handler, _service_scheduled),
    ("Reminder", "Fired"): Rule("reminder", _reminded, _reminder),
    ("StaffMessage", "Sent"): Rule("message", _addressed, _message),
    ("UnitAccount", "Dunned"): Rule("finance.reminder", _dunned_owners, _dunned),
    ("FundAccount", "FellBelowThreshold"): Rule("finance.fund_low", _fund_low_audience, _fund_low),
    ("Store", "StockFellBelowReorderLevel"): Rule(
        "stores.low_stock", _storekeepers_and_managers, _low_stock
    ),
    ("VisitorPass", "CheckedIn"): Rule("gate.visitor_arrived", _pass_holder, _visitor_arrived),
    ("QualityRun", "Recorded"): Rule("quality.found", _managers_if_failing, _quality_found),
}
