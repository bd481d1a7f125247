"""(being written)"""

from __future__ import annotations

from application.scheduling import ScheduledJob
from application.services import ServiceDeps


class ComplianceService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def scheduled(self) -> list[ScheduledJob]:
        return []
