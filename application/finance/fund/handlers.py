"""Maintenance-fund handlers: deposits, spending proposals, their approval, disbursement.

Each handler loads the unit or spending, authorizes the command's actor
against its estate (``fund:manage``; another estate's record is reported
missing), decides and saves. An owners' resolution is counted against the
registry's totals on its meeting day (``application/finance/resolutions.py``).
A unit assessed per m² (``first_deposit.py``) owes that amount as its first
deposit: its account notes the assessment as it opens.

A spending opens an approval of kind ``fund_spending`` (property manager,
finance, then an administrator; a documented emergency is urgent and skips
the department level). The outcome is saved with the spending by the
approval workflow; the disbursement saves the spending and every charged
unit account in one atomic save, so the sub-ledgers and the books never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN
from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.errors import NotFound
from application.finance.fund.commands import DisburseSpending, ProposeSpending, RecordDeposit
from application.finance.ledger import is_closed
from application.finance.ports import EstateTotals, EstateUnits
from application.finance.resolutions import counted
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval
from domain.approvals.rules import Level, PolicyTerms, Rule, Urgency
from domain.approvals.rules import Outcome as RuleOutcome
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance import fund
from domain.finance.fund import Basis, FundAccount, FundSpending
from domain.finance.fund_first_deposit import FirstDepositAssessment, first_deposit_assessment_id
from domain.finance.fund_rules import fund_account_id
from domain.registry.unit import Unit

DEFAULT_TERMS = PolicyTerms(
    levels=(
        Level("department", "property_manager"),
        Level("finance", "finance"),
        Level("manager", "admin"),
    ),
    rules=(
        Rule(
            then=RuleOutcome.SKIP,
            reason="documented emergency",
            urgency=(Urgency.URGENT,),
            skip=("department",),
        ),
    ),
)


def booking_day(deps: ServiceDeps, estate_id: UUID, booked_on: date | None) -> date:
    """The accounting date asked for (money received at the bank earlier), or today;
    never in the future, never in a closed period of the estate's books."""
    today = deps.clock().date()
    day = booked_on or today
    if day > today:
        raise ValidationFailed(f"booked_on: {day} is in the future")
    if is_closed(deps.event_log, estate_id, day):
        raise InvalidTransition(f"booked_on: {day} is in a closed period of the books")
    return day


class FundRecordNotFound(NotFound):
    """No such unit, estate or spending, or not one the actor may see."""


MANAGE = "fund:manage"


@dataclass(frozen=True)
class Proposed:
    id: UUID
    position: int
    approval_id: UUID


@dataclass(frozen=True)
class Disbursement:
    position: int
    splits: list[dict[str, Any]]
    currency: str


class FundService:
    def __init__(
        self,
        deps: ServiceDeps,
        approvals: ApprovalService,
        units: EstateUnits,
        totals: EstateTotals,
    ) -> None:
        self.deps = deps
        self.approvals = approvals
        self.units = units
        self.totals = totals
        approvals.subscribe(fund.APPROVAL_KIND, self._spending_decided, default_terms=DEFAULT_TERMS)

    def scheduled(self) -> list[ScheduledJob]:
        return []

    # ---- lookups -----------------------------------------------------------

    def spending(self, spending_id: UUID) -> FundSpending:
        found = find(self.deps.event_log, spending_id, FundSpending)
        if found is None:
            raise FundRecordNotFound(HIDDEN)
        return found

    def account(self, unit_id: UUID) -> FundAccount | None:
        return find(self.deps.event_log, fund_account_id(unit_id), FundAccount)

    def unit_estate(self, unit_id: UUID) -> UUID:
        estate = lookups.unit_estate(self.deps.event_log, unit_id)
        if estate is None:
            raise FundRecordNotFound(HIDDEN)
        return estate

    def _units_with_accounts(self, estate_id: UUID) -> list[UUID]:
        """Every unit of the estate that has a fund account (the default sharers)."""
        return [u for u in self.units.in_order(estate_id) if self.account(u) is not None]

    def booking_day(self, estate_id: UUID, booked_on: date | None) -> date:
        return booking_day(self.deps, estate_id, booked_on)

    # ---- deposits ------------------------------------------------------------

    def deposit(self, cmd: RecordDeposit) -> tuple[UUID, int]:
        """Record money paid into the fund for a unit; its first deposit opens its account."""
        now = self.deps.clock()
        estate_id = self.unit_estate(cmd.unit_id)
        if cmd.estate_id is not None and cmd.estate_id != estate_id:
            raise FundRecordNotFound("no such unit on this estate")
        cmd.actor.check(MANAGE, None, estate_id)
        account = self.account(cmd.unit_id) or self._open(estate_id, cmd, now)
        deposit_id = self.deps.ids()
        account.deposit(
            deposit_id=deposit_id,
            amount=cmd.amount.amount,
            currency=cmd.amount.currency,
            method=cmd.method,
            reference=cmd.reference,
            booked_on=self.booking_day(account.estate_id, cmd.booked_on),
            recorded_by=cmd.actor.user_id,
            at=now,
            resolution=counted(cmd.resolution, estate_id, self.totals, self.deps.clock().date()),
        )
        return deposit_id, self.deps.event_log.save_and_position(account)

    def _open(self, estate_id: UUID, cmd: RecordDeposit, now: datetime) -> FundAccount:
        """The unit's account, opened by its first deposit; a unit assessed per m² is
        kept in the assessment's currency and owes its amount (首期交存)."""
        assessed = find(
            self.deps.event_log, first_deposit_assessment_id(cmd.unit_id), FirstDepositAssessment
        )
        currency = assessed.currency if assessed else cmd.amount.currency
        account = FundAccount.open(
            estate_id=estate_id, unit_id=cmd.unit_id, currency=currency, at=now
        )
        if assessed is not None:
            account.note_assessment(assessed.amount, at=now)
        return account

    # ---- spending ------------------------------------------------------------

    def propose_spending(self, cmd: ProposeSpending) -> Proposed:
        """Propose a use of the fund and open its approval, in one save."""
        estate_id, unit_ids, proposed_by = cmd.estate_id, cmd.unit_ids, cmd.actor.user_id
        cmd.actor.check(MANAGE, None, estate_id)
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise FundRecordNotFound(HIDDEN)
        if unit_ids:
            self._check_sharers(estate_id, unit_ids)
        else:
            unit_ids = self._units_with_accounts(estate_id)
        approval_id = self.deps.ids()
        spending = FundSpending.propose(
            id=self.deps.ids(),
            estate_id=estate_id,
            purpose=cmd.purpose,
            amount=cmd.amount.amount,
            currency=cmd.amount.currency,
            basis=cmd.basis,
            resolution=counted(cmd.resolution, estate_id, self.totals, self.deps.clock().date()),
            emergency=cmd.emergency,
            unit_ids=unit_ids,
            vendor=cmd.vendor,
            approval_id=approval_id,
            proposed_by=proposed_by,
            at=self.deps.clock(),
        )
        emergency_basis = spending.basis is Basis.EMERGENCY
        position = self.approvals.open(
            ApprovalRequest(
                kind=fund.APPROVAL_KIND,
                subject_id=spending.id,
                subject_type=str(spending.basis),
                estate_id=estate_id,
                requested_by=proposed_by,
                summary=spending.summary,
                amount=spending.amount,
                currency=spending.currency,
                urgency=Urgency.URGENT if emergency_basis else Urgency.NORMAL,
                approval_id=approval_id,
            ),
            along_with=[spending],
        )
        return Proposed(spending.id, position, approval_id)

    def _check_sharers(self, estate_id: UUID, unit_ids: list[UUID]) -> None:
        strangers = [
            str(u) for u in unit_ids if lookups.unit_estate(self.deps.event_log, u) != estate_id
        ]
        if strangers:
            raise ValidationFailed(f"unit_ids: not units of this estate: {', '.join(strangers)}")
        without = [str(u) for u in unit_ids if self.account(u) is None]
        if without:
            raise ValidationFailed(f"unit_ids: no fund account yet: {', '.join(without)}")

    def _spending_decided(self, approval: Approval, load: Loader) -> list[Any]:
        spending = load(approval.subject_id)
        now = self.deps.clock()
        spending.approval_decided(approval.id, str(approval.status), approval.reason, now)
        return [spending]

    def disburse(self, cmd: DisburseSpending) -> Disbursement:
        """Pay an approved spending out, charging each unit its share by gross area."""
        now = self.deps.clock()
        spending = self.spending(cmd.spending_id)
        cmd.actor.check(MANAGE, None, spending.estate_id)
        accounts: dict[UUID, FundAccount] = {}
        areas: dict[UUID, Decimal] = {}
        for unit_id in spending.unit_ids:
            account, unit = self.account(unit_id), find(self.deps.event_log, unit_id, Unit)
            if account is not None and unit is not None:
                accounts[unit_id], areas[unit_id] = account, unit.gross_area
        booked_on = self.booking_day(spending.estate_id, cmd.booked_on)
        splits = spending.disburse(
            areas=areas,
            balances={u: a.balance for u, a in accounts.items()},
            reference=cmd.reference,
            booked_on=booked_on,
            at=now,
        )
        for split in splits:
            accounts[split["unit_id"]].charge(
                spending_id=spending.id,
                amount=split["amount"],
                currency=spending.currency,
                booked_on=booked_on,
                at=now,
            )
        position = self.deps.event_log.save_and_position(spending, *accounts.values())
        return Disbursement(position, splits, spending.currency)
