"""The approval policy of one kind of request, changed only by administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.approvals.rules import PolicyTerms, check_kind, policy_id


class ApprovalPolicy(Aggregate):
    """Levels and pre-screening rules for one kind; its ID derives from the kind.

    Requests already open keep the levels they were opened with: a policy
    change applies to requests opened after it.
    """

    @staticmethod
    def create_id(kind: str, **_: Any) -> UUID:
        return policy_id(kind)

    @classmethod
    def configure(cls, kind: str, terms: PolicyTerms, at: datetime) -> ApprovalPolicy:
        levels, rules = terms.as_dicts()
        return cls(kind=check_kind(kind), levels=levels, rules=rules, at=at)

    @event("Configured")
    def __init__(
        self, kind: str, levels: list[dict[str, Any]], rules: list[dict[str, Any]], at: datetime
    ) -> None:
        self.kind = kind
        self.levels = levels
        self.rules = rules
        self.updated_at = at

    @property
    def terms(self) -> PolicyTerms:
        return PolicyTerms.from_dicts(self.levels, self.rules)

    def reconfigure(self, terms: PolicyTerms, at: datetime) -> None:
        levels, rules = terms.as_dicts()
        self._reconfigured(levels=levels, rules=rules, at=at)

    @event("Reconfigured")
    def _reconfigured(
        self, levels: list[dict[str, Any]], rules: list[dict[str, Any]], at: datetime
    ) -> None:
        self.levels = levels
        self.rules = rules
        self.updated_at = at
