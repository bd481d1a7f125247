"""Alarm categories (severities) as one spec table: everything the system
does differently per severity is a column here, and every other list (the
read model's rank, the escalation job, the notification priority, the HTTP
filter, the status board) is derived from :data:`SEVERITIES`.

Adding a category is two lines of this file (a member of :class:`Severity`
and its row); ``tests/unit/equipment/test_severity_table.py`` fails if a
member has no row or a derived list misses it. A severity is stored in
``Alarm.Raised`` events as its string value, so a value, once recorded, is
never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.notifications.channels import Priority


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


@dataclass(frozen=True)
class SeveritySpec:
    """What one severity means to the rest of the system."""

    # board and list order: the higher, the worse (the read model stores it)
    rank: int
    # how long an alarm may stay unacknowledged before each escalation level
    escalate_after: timedelta
    # the priority of "alarm raised" notifications: urgent goes out on every channel
    notify: Priority
    # who is told of a raised alarm: holders of this permission in the estate
    audience: str = "alarms:handle"


SEVERITIES: dict[Severity, SeveritySpec] = {
    Severity.CRITICAL: SeveritySpec(4, timedelta(minutes=5), Priority.URGENT),
    Severity.MAJOR: SeveritySpec(3, timedelta(minutes=15), Priority.HIGH),
    Severity.MINOR: SeveritySpec(2, timedelta(hours=1), Priority.NORMAL),
    Severity.WARNING: SeveritySpec(1, timedelta(hours=4), Priority.NORMAL),
}

# An enum member without a row would fail at the first alarm of that
# severity, far from here: fail at import instead.
if set(SEVERITIES) != set(Severity):  # pragma: no cover - a programming error
    raise RuntimeError(f"severities without a spec: {set(Severity) - set(SEVERITIES)}")

SEVERITY_BY_RANK: dict[int, str] = {spec.rank: s.value for s, spec in SEVERITIES.items()}
# the HTTP filter's pattern, in the table's order (worst first)
SEVERITY_PATTERN = "^(" + "|".join(s.value for s in SEVERITIES) + ")$"


def spec_of(severity: str) -> SeveritySpec:
    """The spec of a recorded severity (a ``ValueError`` for an unknown one)."""
    return SEVERITIES[Severity(severity)]
