"""Which events notify whom: one table of rules (``notices.py: RULES``), read
by the outbox; ``approvals.py`` follows an approval to whose turn it is.

A rule is keyed by ``kind_of(event)`` (aggregate class name, event name) and
says who the audience is and what they are told. Events without a rule notify
nobody, so the outbox is tolerant of every event type it does not know.

Audiences are resolved when the outbox reaches the event, against the user
directory as it is then: the staff serving an estate, holders of an action
there, residents of an estate, or a user named in the event.
"""

from __future__ import annotations

from typing import Any

from projections.notifications.rules.approvals import (
    APPROVAL_AGGREGATES,
    APPROVAL_FINAL,
    APPROVAL_WAITING_EVENTS,
    Waiting,
    approval_step,
    approval_waiting,
)
from projections.notifications.rules.common import (
    Directory,
    Notice,
    Rule,
    Subject,
    kind_name,
    permissions_for,
    roles_holding,
)
from projections.notifications.rules.notices import RULES

__all__ = [
    "APPROVAL_AGGREGATES",
    "APPROVAL_FINAL",
    "APPROVAL_WAITING_EVENTS",
    "RULES",
    "Directory",
    "Notice",
    "Rule",
    "Subject",
    "Waiting",
    "approval_step",
    "approval_waiting",
    "kind_name",
    "notice_for",
    "permissions_for",
    "roles_holding",
]


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
