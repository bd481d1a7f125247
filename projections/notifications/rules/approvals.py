"""Approvals: whose turn it is. The workflow's events do not name the role a
level waits for, so the outbox (and the to-do list) keep the request's
levels and follow it step by step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.notifications.rules.common import (
    Directory,
    Rule,
    Subject,
    kind_name,
    requester,
    text_of,
    uuid_or_none,
)

APPROVAL_AGGREGATES = ("Approval",)


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
        outcome = text_of(getattr(event, "outcome", "skip"))
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
        delegate=uuid_or_none(state.get("delegate")),
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


def approval_rules() -> dict[tuple[str, str], Rule]:
    rules = {
        (aggregate, name): Rule("approval.waiting", _approvers, _approval_waiting)
        for aggregate in APPROVAL_AGGREGATES
        for name in APPROVAL_WAITING_EVENTS
    }
    for aggregate in APPROVAL_AGGREGATES:
        for name in ("Approved", "Rejected", "ReturnedForChanges"):
            rules[(aggregate, name)] = Rule("approval.decided", requester, _approval_decided)
    return rules
