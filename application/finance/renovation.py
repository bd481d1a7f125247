"""Renovation deposits (装修押金): taken, refunded after inspection, forfeited on approval.

Each handler loads the deposit (or the unit), authorizes the command's actor
against its estate (``finance:manage``; another estate's deposit is reported
missing), decides and saves. A forfeit opens an approval of kind
``renovation_forfeit`` decided by a second person of the finance role (never
the one who asked); its outcome is saved with the deposit by the approval
workflow, the forfeit booked on the day it is approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.errors import NotFound
from application.finance.fund.handlers import booking_day
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval, ApprovalStatus
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import InvalidTransition
from domain.finance import renovation
from domain.finance.money import Money
from domain.finance.renovation import RenovationDeposit, renovation_deposit_id

MANAGE = "finance:manage"
CHECKER_TERMS = PolicyTerms(levels=(Level("checker", "finance"),))


class DepositNotFound(NotFound):
    """No such deposit or unit, or not one the actor may see."""


@dataclass(frozen=True)
class TakeDeposit:
    """Finance staff of the unit's estate record a deposit received for a renovation."""

    actor: Actor
    unit_id: UUID
    amount: Money
    method: str
    reference: str  # the receipt's
    renovation: str  # what the owner renovates (the application's words)
    booked_on: date | None = None


@dataclass(frozen=True)
class RefundDeposit:
    """Finance staff pay the deposit back after the inspection (default: all that is free)."""

    actor: Actor
    deposit_id: UUID
    method: str
    reference: str
    inspection: str  # the inspection's report or record
    amount: Decimal | None = None
    booked_on: date | None = None


@dataclass(frozen=True)
class ForfeitDeposit:
    """Finance staff ask a second person to forfeit part or all of the deposit."""

    actor: Actor
    deposit_id: UUID
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Done:
    id: UUID
    position: int
    amount: Decimal
    approval_id: UUID | None = None


class RenovationService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService) -> None:
        self.deps = deps
        self.approvals = approvals
        approvals.subscribe(renovation.APPROVAL_KIND, self._decided, default_terms=CHECKER_TERMS)

    def _load(self, actor: Actor, deposit_id: UUID) -> RenovationDeposit:
        found = find(self.deps.event_log, deposit_id, RenovationDeposit)
        if found is None:
            raise DepositNotFound(HIDDEN)
        actor.check(MANAGE, None, found.estate_id)
        return found

    def take(self, cmd: TakeDeposit) -> Done:
        estate_id = lookups.unit_estate(self.deps.event_log, cmd.unit_id)
        if estate_id is None:
            raise DepositNotFound(HIDDEN)
        cmd.actor.check(MANAGE, None, estate_id)
        if find(
            self.deps.event_log, renovation_deposit_id(estate_id, cmd.reference), RenovationDeposit
        ):
            raise InvalidTransition(f"reference: receipt {cmd.reference.strip()} is recorded")
        deposit = RenovationDeposit.take(
            estate_id=estate_id,
            unit_id=cmd.unit_id,
            amount=cmd.amount.amount,
            currency=cmd.amount.currency,
            method=cmd.method,
            reference=cmd.reference,
            renovation=cmd.renovation,
            booked_on=booking_day(self.deps, estate_id, cmd.booked_on),
            received_by=cmd.actor.user_id,
            at=self.deps.clock(),
        )
        position = self.deps.event_log.save_and_position(deposit)
        return Done(deposit.id, position, deposit.amount)

    def refund(self, cmd: RefundDeposit) -> Done:
        deposit = self._load(cmd.actor, cmd.deposit_id)
        amount = deposit.refund(
            amount=cmd.amount,
            method=cmd.method,
            reference=cmd.reference,
            inspection=cmd.inspection,
            booked_on=booking_day(self.deps, deposit.estate_id, cmd.booked_on),
            refunded_by=cmd.actor.user_id,
            at=self.deps.clock(),
        )
        return Done(deposit.id, self.deps.event_log.save_and_position(deposit), amount)

    def forfeit(self, cmd: ForfeitDeposit) -> Done:
        deposit = self._load(cmd.actor, cmd.deposit_id)
        approval_id = self.deps.ids()
        amount = deposit.ask_forfeit(
            approval_id=approval_id,
            amount=cmd.amount,
            reason=cmd.reason,
            requested_by=cmd.actor.user_id,
            at=self.deps.clock(),
        )
        position = self.approvals.open(
            ApprovalRequest(
                kind=renovation.APPROVAL_KIND,
                subject_id=deposit.id,
                subject_type="renovation_deposit",
                estate_id=deposit.estate_id,
                requested_by=cmd.actor.user_id,
                summary=f"forfeit {amount} {deposit.currency} of renovation deposit: {cmd.reason}"[
                    :500
                ],
                amount=amount,
                currency=deposit.currency,
                approval_id=approval_id,
            ),
            along_with=[deposit],
        )
        return Done(deposit.id, position, amount, approval_id)

    def _decided(self, approval: Approval, load: Loader) -> list[Any]:
        """Book the forfeit once a person approved; a rule alone is no second person,
        and the request lapses as if rejected."""
        deposit = load(approval.subject_id)
        now = self.deps.clock()
        outcome, note = str(approval.status), approval.reason
        if approval.status is ApprovalStatus.APPROVED and not approval.approved_levels:
            outcome, note = "rejected", "approved by a rule alone: a forfeit needs a second person"
        deposit.forfeit_decided(approval.id, outcome, note, now.date(), now)
        return [deposit]
