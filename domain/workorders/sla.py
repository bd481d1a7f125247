"""Service levels per priority: how soon a technician must be on site, and the job done.

The clocks start when the order is submitted. The defaults follow common
property-management practice; a deployment passes its own :class:`SlaPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.workorders.order import Priority


@dataclass(frozen=True)
class SlaTarget:
    respond: timedelta  # until work has started on site
    resolve: timedelta  # until the work is completed


DEFAULT_TARGETS: dict[Priority, SlaTarget] = {
    Priority.URGENT: SlaTarget(respond=timedelta(minutes=30), resolve=timedelta(hours=24)),
    Priority.HIGH: SlaTarget(respond=timedelta(hours=2), resolve=timedelta(hours=72)),
    Priority.NORMAL: SlaTarget(respond=timedelta(hours=24), resolve=timedelta(days=7)),
    Priority.LOW: SlaTarget(respond=timedelta(hours=72), resolve=timedelta(days=30)),
}


@dataclass(frozen=True)
class SlaPolicy:
    targets: dict[Priority, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_TARGETS))

    def deadlines(
        self, priority: Priority | str, submitted_at: datetime
    ) -> tuple[datetime, datetime]:
        """(respond_by, resolve_by) for an order of ``priority`` submitted at ``submitted_at``."""
        target = self.targets[Priority(priority)]
        return submitted_at + target.respond, submitted_at + target.resolve
