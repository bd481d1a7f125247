"""(being written)"""

from __future__ import annotations

from application.approvals.service import ApprovalService
from application.scheduling import ScheduledJob
from application.services import ServiceDeps


class RateService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService) -> None:
        self.deps = deps
        self.approvals = approvals

    def scheduled(self) -> list[ScheduledJob]:
        return []
