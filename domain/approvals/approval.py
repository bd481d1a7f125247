"""One request going through the multi-level approval workflow (R2.3, R4.1).

Opened with the levels of its kind's policy, screened by the policy's rules,
then decided level by level: approve (the next level, or done), reject,
return for changes (the requester resubmits, and the request starts again at
its first level), or delegate (the level's decider hands it to a named user).
The requester may withdraw it while it is open. Every step is an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.approvals.rules import (
    Outcome,
    PolicyTerms,
    Screened,
    Urgency,
    check_currency,
    check_kind,
)
from domain.errors import InvalidTransition, NotEntitled, ValidationFailed

ADMIN = "admin"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


FINAL = frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.WITHDRAWN})


@dataclass(frozen=True)
class Decider:
    """Who is acting, as the workflow needs to know them.

    ``any_estate``: holds approvals:decide:any; ``estate_scope``: holds
    approvals:decide:estate, for the estates in ``estates``.
    """

    user_id: UUID
    roles: frozenset[str]
    estates: frozenset[UUID]
    any_estate: bool = False
    estate_scope: bool = False

    def serves(self, estate_id: UUID) -> bool:
        return self.any_estate or (self.estate_scope and estate_id in self.estates)

    @property
    def decides_anything(self) -> bool:
        return self.any_estate or self.estate_scope


class Approval(Aggregate):
    """A request for approval of one subject (a service request, a refund, ...)."""

    @classmethod
    def open(
        cls,
        *,
        approval_id: UUID,
        kind: str,
        subject_id: UUID,
        estate_id: UUID,
        requested_by: UUID,
        summary: str,
        terms: PolicyTerms,
        at: datetime,
        subject_type: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        urgency: Urgency = Urgency.NORMAL,
    ) -> Approval:
        """Open a request with the policy's levels and screen it at once."""
        check_kind(kind)
        summary = summary.strip()
        if not 1 <= len(summary) <= 500:
            raise ValidationFailed("summary: 1-500 characters")
        _check_money(amount, currency)
        approval = cls(
            id=approval_id,
            kind=kind,
            subject_id=subject_id,
            subject_type=subject_type,
            estate_id=estate_id,
            amount=amount,
            currency=currency,
            urgency=Urgency(urgency),
            requested_by=requested_by,
            summary=summary,
            levels=[level.as_dict() for level in terms.levels],
            at=at,
        )
        screening = terms.screen(Screened(subject_type, Urgency(urgency), amount, currency))
        if screening is not None:
            approval._pre_screened(
                rule=screening.rule,
                outcome=screening.outcome,
                reason=screening.reason,
                skipped=list(screening.skipped),
                at=at,
            )
        return approval

    @event("Opened")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        kind: str,
        subject_id: UUID,
        subject_type: str | None,
        estate_id: UUID,
        amount: Decimal | None,
        currency: str | None,
        urgency: Urgency,
        requested_by: UUID,
        summary: str,
        levels: list[dict[str, str]],
        at: datetime,
    ) -> None:
        self.kind = kind
        self.subject_id = subject_id
        self.subject_type = subject_type
        self.estate_id = estate_id
        self.amount = amount
        self.currency = currency
        self.urgency = urgency
        self.requested_by = requested_by
        self.summary = summary
        self.levels = levels  # the levels still required, in order
        self.current = 0  # index into levels of the level deciding now
        self.approved_levels: list[str] = []
        self.delegate_id: UUID | None = None
        self.status = ApprovalStatus.PENDING
        self.opened_at = at
        self.decided_at: datetime | None = None
        self.reason: str | None = None

    # ---- queries ---------------------------------------------------------

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def current_level(self) -> dict[str, str] | None:
        if self.status is not ApprovalStatus.PENDING:
            return None
        return self.levels[self.current]

    def may_decide(self, decider: Decider) -> bool:
        """Whether ``decider`` may take a decision at the current level."""
        level = self.current_level
        if level is None or decider.user_id == self.requested_by:
            return False
        if not decider.serves(self.estate_id):
            return False
        if ADMIN in decider.roles or decider.user_id == self.delegate_id:
            return True
        return self.delegate_id is None and level["role"] in decider.roles

    # ---- commands --------------------------------------------------------

    def approve(self, decider: Decider, comment: str | None, at: datetime) -> None:
        self._entitled(decider, "approve")
        level = self.levels[self.current]
        if self.current + 1 == len(self.levels):
            self._approved(
                level=self.current + 1,
                level_name=level["name"],
                by=decider.user_id,
                comment=comment,
                at=at,
            )
        else:
            self._level_approved(
                level=self.current + 1,
                level_name=level["name"],
                by=decider.user_id,
                comment=comment,
                at=at,
            )

    def reject(self, decider: Decider, reason: str, at: datetime) -> None:
        self._entitled(decider, "reject")
        level = self.levels[self.current]
        self._rejected(
            level=self.current + 1,
            level_name=level["name"],
            by=decider.user_id,
            reason=_reason(reason),
            at=at,
        )

    def return_for_changes(self, decider: Decider, reason: str, at: datetime) -> None:
        self._entitled(decider, "return")
        level = self.levels[self.current]
        self._returned(
            level=self.current + 1,
            level_name=level["name"],
            by=decider.user_id,
            reason=_reason(reason),
            at=at,
        )

    def delegate(self, decider: Decider, to: Decider, at: datetime) -> None:
        """Hand the current level to ``to``, who must serve the request's estate."""
        self._entitled(decider, "delegate")
        if to.user_id in (decider.user_id, self.requested_by):
            raise ValidationFailed("delegate to someone other than yourself or the requester")
        if not (to.decides_anything and to.serves(self.estate_id)):
            raise ValidationFailed("the delegate must hold approvals:decide for this estate")
        level = self.levels[self.current]
        self._delegated(
            level=self.current + 1,
            level_name=level["name"],
            by=decider.user_id,
            to=to.user_id,
            at=at,
        )

    def resubmit(
        self,
        by: UUID,
        at: datetime,
        summary: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        """The requester answers a return for changes; the first level decides again."""
        if self.status is not ApprovalStatus.RETURNED:
            raise InvalidTransition(f"only a returned request is resubmitted (it is {self.status})")
        if by != self.requested_by:
            raise NotEntitled("only the requester resubmits")
        summary = self.summary if summary is None else summary.strip()
        if not 1 <= len(summary) <= 500:
            raise ValidationFailed("summary: 1-500 characters")
        if amount is None:
            amount, currency = self.amount, self.currency
        _check_money(amount, currency)
        self._resubmitted(by=by, summary=summary, amount=amount, currency=currency, at=at)

    def withdraw(self, by: UUID, reason: str, at: datetime) -> None:
        if self.is_final:
            raise InvalidTransition(f"the request is already {self.status}")
        if by != self.requested_by:
            raise NotEntitled("only the requester withdraws a request")
        self._withdrawn(by=by, reason=_reason(reason), at=at)

    def _entitled(self, decider: Decider, step: str) -> None:
        if self.status is not ApprovalStatus.PENDING:
            raise InvalidTransition(f"cannot {step}: the request is {self.status}")
        if decider.user_id == self.requested_by:
            raise NotEntitled("a requester never decides their own request")
        if not self.may_decide(decider):
            level = self.levels[self.current]
            raise NotEntitled(
                f"level {self.current + 1} ({level['name']}) is decided by the role "
                f"{level['role']}" + (" or its delegate" if self.delegate_id else "")
            )

    # ---- events ----------------------------------------------------------

    @event("PreScreened")
    def _pre_screened(
        self, rule: int, outcome: Outcome, reason: str, skipped: list[str], at: datetime
    ) -> None:
        self.reason = reason
        if outcome is Outcome.APPROVE:
            self.status, self.decided_at = ApprovalStatus.APPROVED, at
        elif outcome is Outcome.REJECT:
            self.status, self.decided_at = ApprovalStatus.REJECTED, at
        else:
            self.levels = [lv for lv in self.levels if lv["name"] not in skipped]

    @event("LevelApproved")
    def _level_approved(
        self, level: int, level_name: str, by: UUID, comment: str | None, at: datetime
    ) -> None:
        self.approved_levels = [*self.approved_levels, level_name]
        self.current += 1
        self.delegate_id = None

    @event("Approved")
    def _approved(
        self, level: int, level_name: str, by: UUID, comment: str | None, at: datetime
    ) -> None:
        self.approved_levels = [*self.approved_levels, level_name]
        self.status, self.decided_at, self.delegate_id = ApprovalStatus.APPROVED, at, None

    @event("Rejected")
    def _rejected(self, level: int, level_name: str, by: UUID, reason: str, at: datetime) -> None:
        self.status, self.decided_at, self.delegate_id = ApprovalStatus.REJECTED, at, None
        self.reason = reason

    @event("ReturnedForChanges")
    def _returned(self, level: int, level_name: str, by: UUID, reason: str, at: datetime) -> None:
        self.status, self.delegate_id, self.reason = ApprovalStatus.RETURNED, None, reason

    @event("Delegated")
    def _delegated(self, level: int, level_name: str, by: UUID, to: UUID, at: datetime) -> None:
        self.delegate_id = to

    @event("Resubmitted")
    def _resubmitted(
        self,
        by: UUID,
        summary: str,
        amount: Decimal | None,
        currency: str | None,
        at: datetime,
    ) -> None:
        self.summary, self.amount, self.currency = summary, amount, currency
        self.status, self.current, self.approved_levels = ApprovalStatus.PENDING, 0, []
        self.reason = None

    @event("Withdrawn")
    def _withdrawn(self, by: UUID, reason: str, at: datetime) -> None:
        self.status, self.decided_at, self.delegate_id = ApprovalStatus.WITHDRAWN, at, None
        self.reason = reason


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise ValidationFailed("reason: 1-500 characters")
    return reason


def _check_money(amount: Decimal | None, currency: str | None) -> None:
    if amount is None:
        if currency is not None:
            raise ValidationFailed("a currency without an amount")
        return
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValidationFailed("amount: a finite, non-negative Decimal")
    if currency is None:
        raise ValidationFailed("an amount needs its currency")
    check_currency(currency)
