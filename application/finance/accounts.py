"""Unit-account commands: billing runs, payments, reversals, waivers, refunds, late fees, dunning.

Decisions are taken by the :class:`UnitAccount` aggregates; this layer
gathers the facts they need: the estate's rates and terms (the rates
service), areas, owners and parking spaces (the registry's read model, once
it has caught up with the log), and the clock. Waivers and refunds go
through the approval workflow: the account changes in the same append as the
final decision.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from application.approvals.service import ApprovalRequest, ApprovalService
from application.finance.rates import RateService
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval, ApprovalStatus
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance.account import Method, UnitAccount, account_id_for, bill_id_for
from domain.finance.billing import (
    Ownership,
    PeriodInputs,
    UnitFacts,
    bill_lines,
    segments,
    shared_shares,
)
from domain.finance.billing_run import BillingRun, run_id_for
from domain.finance.periods import period_bounds
from projections.runtime import wait_for_position

# A payment racing others for the same account is retried against the new state.
PAYMENT_ATTEMPTS = 60
DUNNING_DAYS = {1: 15, 2: 30, 3: 60}  # reminder level -> days past due
FINANCE_LEVELS = (Level("finance", "finance"), Level("manager", "admin"))


class AccountNotFound(DomainError):
    title = "No such account"


@dataclass(frozen=True)
class RunResult:
    run_id: UUID
    estate_id: UUID
    period: str
    bills: int
    units_billed: int
    units_skipped: int
    amount: Decimal
    currency: str
    position: int
    already_run: bool


class AccountService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService, rates: RateService) -> None:
        self.deps = deps
        self.approvals = approvals
        self.rates = rates
        terms = PolicyTerms(levels=FINANCE_LEVELS)
        approvals.subscribe("waiver", self._on_waiver_decided, default_terms=terms)
        approvals.subscribe("refund", self._on_refund_decided, default_terms=terms)

    def scheduled(self) -> list[ScheduledJob]:
        return [
            ScheduledJob("finance.late_fees", 3600, self.charge_late_fees),
            ScheduledJob("finance.dunning", 3600, self.send_reminders),
        ]

    # ---- loading ---------------------------------------------------------------

    def account(self, unit_id: UUID) -> UnitAccount | None:
        return find(self.deps.event_log, account_id_for(unit_id), UnitAccount)

    def _account(self, unit_id: UUID) -> UnitAccount:
        account = self.account(unit_id)
        if account is None:
            raise AccountNotFound("this unit has no account yet")
        return account

    def _today(self) -> date:
        return self.deps.clock().date()

    def _retrying(self, attempt: Callable[[], int]) -> int:
        """Run ``attempt`` (load, decide, save) again when another command saved first."""
        for tries in range(PAYMENT_ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (tries + 1)))  # noqa: S311 (jitter)
        raise InvalidTransition("the account is busy; try again")

    # ---- billing runs ----------------------------------------------------------

    def run_billing(self, estate_id: UUID, period: str, by: UUID) -> RunResult:
        """Bill every owned unit of the estate for ``period``, once (R5.1)."""
        first, last = period_bounds(period)
        today = self._today()
        if first > today + timedelta(days=31):
            raise ValidationFailed("period: bill at most one month ahead")
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ValidationFailed("estate_id: no such estate")
        done = find(self.deps.event_log, run_id_for(estate_id, period), BillingRun)
        if done is not None:
            return self._result(done, position=0, already_run=True)
        # Areas, owners and parking come from the registry's read model: let
        # it reach the log's head first, so a move-in a moment ago counts.
        head = self.deps.event_log.head()
        if not wait_for_position(self.deps.pool, "registry", head, 30):
            raise InvalidTransition("the registry is catching up; try again shortly")
        terms = self.rates.terms(estate_id)
        inputs = PeriodInputs(
            period=period,
            currency=terms.currency,
            rates={r.item: r for r in self.rates.rates_in_force(estate_id, period)},
        )
        costs = self.rates.shared_costs(estate_id, period)
        if not inputs.rates and not costs:
            raise ValidationFailed(f"no rates are in force for {period}; adopt a fee schedule")
        units = self._facts(estate_id)
        parts_of = {u.unit_id: segments(u.owners, period) for u in units}
        billed = [u for u in units if parts_of[u.unit_id]]
        inputs.shares = shared_shares(costs, billed)
        inputs.usage = self.rates.usage(estate_id, period)
        accounts = self.deps.event_log.load_many([account_id_for(u.unit_id) for u in billed])
        now = self.deps.clock()
        due_on = today + timedelta(days=terms.due_days)
        run_id = run_id_for(estate_id, period)
        changed: list[UnitAccount] = []
        bills, total = 0, Decimal(0)
        for unit in billed:
            account = accounts.get(account_id_for(unit.unit_id))
            if account is None:
                account = UnitAccount.open(estate_id, unit.unit_id, terms.currency, now)
            parts = parts_of[unit.unit_id]
            for number, part in enumerate(parts):
                lines = bill_lines(unit, part, number == len(parts) - 1, inputs)
                if not lines:
                    continue
                account.issue_bill(
                    bill_id=bill_id_for(unit.unit_id, period, part.starts_on),
                    period=period,
                    run_id=run_id,
                    lines=lines,
                    payer_ids=[o.person_id for o in part.payers],
                    days=part.days,
                    days_in_period=(last - first).days + 1,
                    issued_on=today,
                    due_on=due_on,
                    at=now,
                )
                bills += 1
                total += sum((line.amount for line in lines), Decimal(0))
            if account.pending_events:
                changed.append(account)
        if not bills:
            # Recording an empty run would mark the period billed for good.
            raise ValidationFailed(f"no unit of this estate has an owner to bill for {period}")
        run = BillingRun(
            estate_id=estate_id,
            period=period,
            bills=bills,
            units_billed=len(changed),
            units_skipped=len(units) - len(changed),
            amount=total,
            currency=terms.currency,
            rates=[
                {"item": r.item, "rate": r.rate, "basis": r.basis, "change_id": r.change_id}
                for r in inputs.rates.values()
            ],
            registry_position=head,
            run_by=by,
            at=now,
        )
        position = self.deps.event_log.save_bulk([*changed, run], chunk_size=2000)
        return self._result(run, position=position, already_run=False)

    def _facts(self, estate_id: UUID) -> list[UnitFacts]:
        units = self.deps.registry.billing_units(estate_id)
        owners = self.deps.registry.ownerships(estate_id)
        by_unit: dict[UUID, list[Ownership]] = {}
        for unit_id, person_id, user_id, moved_in, moved_out in owners:
            by_unit.setdefault(unit_id, []).append(
                Ownership(person_id, user_id, moved_in, moved_out)
            )
        return [
            UnitFacts(unit_id, gross, internal, int(spaces), tuple(by_unit.get(unit_id, ())))
            for unit_id, gross, internal, spaces in units
        ]

    @staticmethod
    def _result(run: BillingRun, *, position: int, already_run: bool) -> RunResult:
        return RunResult(
            run_id=run.id,
            estate_id=run.estate_id,
            period=run.period,
            bills=run.bills,
            units_billed=run.units_billed,
            units_skipped=run.units_skipped,
            amount=run.amount,
            currency=run.currency,
            position=position,
            already_run=already_run,
        )

    # ---- payments ---------------------------------------------------------------

    def record_payment(
        self,
        *,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        method: Method,
        reference: str | None,
        bill_id: UUID | None,
        by: UUID,
        payment_id: UUID | None = None,
    ) -> tuple[UUID, int]:
        """Receive money for a unit: the named bill, then the oldest bills, the rest as credit."""
        estate_id = lookups.unit_estate(self.deps.event_log, unit_id)
        if estate_id is None:
            raise ValidationFailed("unit_id: no such unit")
        pid = payment_id or uuid4()

        def attempt() -> int:
            now = self.deps.clock()
            account = self.account(unit_id)
            if account is None:
                if bill_id is not None:
                    raise ValidationFailed("bill_id: no such bill on this unit's account")
                account = UnitAccount.open(estate_id, unit_id, currency, now)
            account.receive_payment(
                payment_id=pid,
                method=method,
                amount=amount,
                currency=currency,
                reference=reference,
                bill_id=bill_id,
                recorded_by=by,
                on=now.date(),
                at=now,
            )
            return self.deps.event_log.save_and_position(account)

        return pid, self._retrying(attempt)

    def reverse_payment(self, unit_id: UUID, payment_id: UUID, reason: str, by: UUID) -> int:
        def attempt() -> int:
            now = self.deps.clock()
            account = self._account(unit_id)
            account.reverse_payment(payment_id, reason, by, now.date(), now)
            return self.deps.event_log.save_and_position(account)

        return self._retrying(attempt)

    # ---- waivers and refunds, through approval ------------------------------------

    def request_waiver(
        self,
        *,
        unit_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        reason: str,
        by: UUID,
    ) -> tuple[UUID, UUID, int]:
        account = self._account(unit_id)
        waiver_id, approval_id = uuid4(), uuid4()
        account.request_waiver(
            waiver_id=waiver_id,
            bill_id=bill_id,
            amount=amount,
            currency=currency,
            reason=reason,
            approval_id=approval_id,
            requested_by=by,
            at=self.deps.clock(),
        )
        period = account.bills[bill_id].period
        request = ApprovalRequest(
            kind="waiver",
            subject_id=account.id,
            subject_type="unit_account",
            estate_id=account.estate_id,
            requested_by=by,
            summary=f"Waive {amount} {currency} of the {period} bill: {reason.strip()[:150]}",
            amount=amount,
            currency=currency,
            approval_id=approval_id,
        )
        return waiver_id, approval_id, self.approvals.open(request, along_with=[account])

    def request_refund(
        self,
        *,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        method: Method,
        reason: str,
        by: UUID,
    ) -> tuple[UUID, UUID, int]:
        account = self._account(unit_id)
        refund_id, approval_id = uuid4(), uuid4()
        account.request_refund(
            refund_id=refund_id,
            amount=amount,
            currency=currency,
            method=method,
            reason=reason,
            approval_id=approval_id,
            requested_by=by,
            at=self.deps.clock(),
        )
        request = ApprovalRequest(
            kind="refund",
            subject_id=account.id,
            subject_type="unit_account",
            estate_id=account.estate_id,
            requested_by=by,
            summary=f"Refund {amount} {currency} of credit ({method}): {reason.strip()[:150]}",
            amount=amount,
            currency=currency,
            approval_id=approval_id,
        )
        return refund_id, approval_id, self.approvals.open(request, along_with=[account])

    def _on_waiver_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        account = load(approval.subject_id)
        for waiver_id, waiver in account.waivers.items():
            if waiver["approval_id"] == approval.id:
                now = self.deps.clock()
                approved = approval.status is ApprovalStatus.APPROVED
                account.settle_waiver(waiver_id, approved, str(approval.status), now.date(), now)
        return [account]

    def _on_refund_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        account = load(approval.subject_id)
        for refund_id, refund in account.refunds.items():
            if refund["approval_id"] == approval.id:
                now = self.deps.clock()
                approved = approval.status is ApprovalStatus.APPROVED
                account.settle_refund(refund_id, approved, str(approval.status), now.date(), now)
        return [account]

    # ---- late fees and reminders (scheduled) ------------------------------------------

    def _overdue_units(self, before: date) -> list[tuple[UUID, UUID]]:
        with self.deps.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT estate_id, unit_id FROM finance_bills "
                "WHERE outstanding > 0 AND due_on < %s ORDER BY estate_id, unit_id",
                [before],
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def charge_late_fees(self, now: datetime) -> int:
        """Charge late fees on overdue bills, at most once per bill and calendar month."""
        today = now.date()
        charged = 0
        terms_of: dict[UUID, Any] = {}
        for estate_id, unit_id in self._overdue_units(today):
            terms = terms_of.setdefault(estate_id, self.rates.terms(estate_id))
            if terms.late_fee_daily_rate <= 0:
                continue
            account = self.account(unit_id)
            if account is None:
                continue
            for bill in account.open_bills:
                last = bill.late_fee_through
                if last is not None and (last.year, last.month) >= (today.year, today.month):
                    continue
                fee = account.charge_late_fee(
                    bill.bill_id,
                    through=today,
                    daily_rate=terms.late_fee_daily_rate,
                    grace_days=terms.late_fee_grace_days,
                    cap_ratio=terms.late_fee_cap_ratio,
                    at=now,
                )
                charged += fee > 0
            if account.pending_events:
                try:
                    self.deps.event_log.save_and_position(account)
                except IntegrityError:
                    continue  # a payment came first: the next run charges what is still due
        return charged

    def send_reminders(self, now: datetime) -> int:
        """Remind owners of overdue bills at 15, 30 and 60 days past due, each level once."""
        today = now.date()
        sent = 0
        first_level = min(DUNNING_DAYS.values())
        for estate_id, unit_id in self._overdue_units(today - timedelta(days=first_level)):
            account = self.account(unit_id)
            if account is None:
                continue
            owners = self.deps.registry.ownerships(estate_id, unit_id)
            recipients = sorted(
                {r[2] for r in owners if r[2] is not None and r[4] is None}, key=str
            )
            for level, days in sorted(DUNNING_DAYS.items()):
                late = [b.bill_id for b in account.open_bills if (today - b.due_on).days >= days]
                account.dun(level, late, recipients, now)
            if account.pending_events:
                try:
                    self.deps.event_log.save_and_position(account)
                    sent += 1
                except IntegrityError:
                    continue
        return sent
