"""Expense commands (R5.2): vendors, budgets, claims through approval, payment.

A claim opens its approval in the same save as its ``Submitted`` event. The
service subscribes to the kinds ``expense`` and ``expense_over_budget``: when
an approval becomes final, the claim's ``Approved`` (and the budget's
``Committed``) or ``Rejected`` are saved with the decision, atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval
from domain.errors import DomainError, ValidationFailed
from domain.finance import expenses as ex
from domain.finance.expenses import Budget, ExpenseClaim, Vendor
from domain.finance.money import currency_of


class ExpenseRecordNotFound(DomainError):
    title = "No such record"


class ExpenseService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService) -> None:
        self.deps = deps
        self.approvals = approvals
        approvals.subscribe(ex.APPROVAL_KIND, self._claim_decided, ex.expense_terms())
        approvals.subscribe(ex.OVER_BUDGET_KIND, self._claim_decided, ex.over_budget_terms())

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    @property
    def _today(self) -> date:
        """The accounting date: the clock's UTC date."""
        return self.deps.clock().date()

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    # ---- lookups ---------------------------------------------------------------

    def vendor(self, vendor_id: UUID) -> Vendor:
        return load(self.deps.event_log, vendor_id, Vendor, ExpenseRecordNotFound("no such vendor"))

    def claim(self, claim_id: UUID) -> ExpenseClaim:
        return load(
            self.deps.event_log, claim_id, ExpenseClaim, ExpenseRecordNotFound("no such claim")
        )

    def budget(self, estate_id: UUID, year: int) -> Budget | None:
        return find(self.deps.event_log, ex.budget_id(estate_id, ex.check_year(year)), Budget)

    def check_estate(self, estate_id: UUID) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ExpenseRecordNotFound("no such estate")

    # ---- vendors ---------------------------------------------------------------

    def register_vendor(
        self,
        *,
        name: str,
        tax_id: str,
        bank_account: str,
        contact: str | None,
        categories: list[str],
    ) -> tuple[UUID, int]:
        vendor = Vendor.register(
            name=name,
            tax_id=tax_id,
            bank_account=bank_account,
            contact=contact,
            categories=categories,
            at=self._now,
        )
        return vendor.id, self._save(vendor)

    def change_vendor(self, vendor_id: UUID, changes: Mapping[str, Any], by: UUID) -> int:
        vendor = self.vendor(vendor_id)
        vendor.change(changes, by, self._now)
        return self._save(vendor)

    def deactivate_vendor(self, vendor_id: UUID, reason: str, by: UUID) -> int:
        vendor = self.vendor(vendor_id)
        vendor.deactivate(reason, by, self._now)
        return self._save(vendor)

    # ---- budgets ---------------------------------------------------------------

    def set_budget(
        self,
        *,
        estate_id: UUID,
        year: int,
        lines: Mapping[str, object],
        currency: str,
        reason: str | None,
        by: UUID,
    ) -> int:
        """Set the year's lines: a new budget, or a revision of each line that changes.

        A category left out of ``lines`` keeps its line if the budget has one.
        """
        self.check_estate(estate_id)
        currency = currency_of(currency)
        budget = self.budget(estate_id, year)
        if budget is None:
            budget = Budget.set(
                estate_id=estate_id,
                year=year,
                lines=lines,
                currency=currency,
                set_by=by,
                at=self._now,
            )
            return self._save(budget)
        if currency != budget.currency:
            raise ValidationFailed(f"currency: the {year} budget is kept in {budget.currency}")
        changed = False
        for category, amount in ex.check_lines(lines, currency).items():
            changed |= budget.revise(category, amount, reason or "budget revised", by, self._now)
        if not changed:
            raise ValidationFailed("nothing to change: every line already has that amount")
        return self._save(budget)

    # ---- claims ----------------------------------------------------------------

    def submit_claim(
        self,
        *,
        estate_id: UUID,
        vendor_id: UUID,
        category: str,
        amount: object,
        currency: str,
        description: str,
        incurred_on: date,
        invoice_ref: str,
        submitted_by: UUID,
    ) -> tuple[UUID, UUID, int]:
        """Submit a claim and open its approval, in one save: (claim, approval, position)."""
        self.check_estate(estate_id)
        vendor = find(self.deps.event_log, vendor_id, Vendor)
        if vendor is None:
            raise ValidationFailed("vendor_id: no such vendor")
        if not vendor.active:
            raise ValidationFailed("vendor_id: the vendor is deactivated")
        category = ex.category_of(category)
        if category not in vendor.categories:
            raise ValidationFailed(f"category: the vendor is not registered for {category}")
        if not isinstance(incurred_on, date):
            raise ValidationFailed("incurred_on: a date")
        claim = ExpenseClaim.submit(
            estate_id=estate_id,
            vendor_id=vendor_id,
            category=category,
            amount=amount,
            currency=currency,
            description=description,
            incurred_on=incurred_on,
            invoice_ref=invoice_ref,
            submitted_by=submitted_by,
            budget=self.budget(estate_id, incurred_on.year),
            at=self._now,
        )
        summary = (
            f"{category} {claim.amount} {claim.currency} to {vendor.name}: {claim.description}"
        )
        position = self.approvals.open(
            ApprovalRequest(
                kind=claim.approval_kind,
                subject_id=claim.id,
                subject_type=category,
                estate_id=estate_id,
                requested_by=submitted_by,
                summary=summary[:500],
                amount=claim.amount,
                currency=claim.currency,
                approval_id=claim.approval_id,
            ),
            along_with=[claim],
        )
        return claim.id, claim.approval_id, position

    def withdraw_claim(self, claim_id: UUID, by: UUID, reason: str) -> int:
        """Withdraw a claim awaiting approval; its approval is withdrawn in the same save."""
        claim = self.claim(claim_id)
        claim.withdraw(by, reason, self._now)
        approval = self.approvals.get(claim.approval_id)
        if approval.is_final:
            return self._save(claim)
        return self.approvals.withdraw(approval.id, claim.submitted_by, reason, along_with=[claim])

    def pay_claim(self, claim_id: UUID, *, payment_ref: str, method: str, by: UUID) -> int:
        claim = self.claim(claim_id)
        claim.pay(
            payment_ref=payment_ref, method=method, paid_by=by, booked_on=self._today, at=self._now
        )
        return self._save(claim)

    def _claim_decided(self, approval: Approval, load: Loader) -> list[Any]:
        claim = load(approval.subject_id)
        if not isinstance(claim, ExpenseClaim):
            return []
        if not claim.approval_decided(approval.id, str(approval.status), self._today, self._now):
            return [claim]
        if str(approval.status) != "approved":
            return [claim]
        budget = self.budget(claim.estate_id, claim.year)
        if budget is None:
            budget = Budget.set(
                estate_id=claim.estate_id,
                year=claim.year,
                lines={},
                currency=claim.currency,
                set_by=None,
                at=self._now,
            )
        else:
            budget = load(budget.id)
        budget.commit(claim.id, claim.category, claim.amount, self._now)
        return [claim, budget]
