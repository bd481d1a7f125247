"""(being written)"""

from __future__ import annotations

from application.approvals.service import ApprovalService
from application.finance.rates import RateService
from application.scheduling import ScheduledJob
from application.services import ServiceDeps


class AccountService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService, rates: RateService) -> None:
        self.deps = deps
        self.approvals = approvals
        self.rates = rates

    def scheduled(self) -> list[ScheduledJob]:
        return []
