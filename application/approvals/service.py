"""Approval commands over the event log."""

from __future__ import annotations

from application.scheduling import ScheduledJob
from application.services import ServiceDeps


class ApprovalService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []
