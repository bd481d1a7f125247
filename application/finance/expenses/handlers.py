"""Expense handlers (R5.2): vendors, budgets, claims through approval, payment.

A handler loads what it needs, authorizes the command's actor against it
(another estate's record is reported missing; a record they may see but not
change is forbidden), decides through the aggregate and saves.

A claim opens its approval in the same save as its ``Submitted`` event. The
service subscribes to the kinds ``expense`` and ``expense_over_budget``: when
an approval becomes final, the claim's ``Approved`` (and the budget's
``Committed``) or ``Rejected`` are saved with the decision, atomically.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.actor import HIDDEN
from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.errors import NotFound
from application.finance.expenses.commands import (
    ChangeVendor,
    DeactivateVendor,
    PayClaim,
    RegisterVendor,
    SetBudget,
    SubmitClaim,
    WithdrawClaim,
)
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval
from domain.errors import ValidationFailed
from domain.finance import expense_rules as ex
from domain.finance.expenses import Budget, ExpenseClaim
from domain.finance.money import currency_of
from domain.finance.vendors import Vendor
from domain.stores.invoice import SupplierInvoice, invoice_id_of


class ExpenseRecordNotFound(NotFound):
    """No such vendor, claim or estate, or not one the actor may see."""


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
        return load(self.deps.event_log, vendor_id, Vendor, ExpenseRecordNotFound(HIDDEN))

    def claim(self, claim_id: UUID) -> ExpenseClaim:
        return load(self.deps.event_log, claim_id, ExpenseClaim, ExpenseRecordNotFound(HIDDEN))

    def budget(self, estate_id: UUID, year: int) -> Budget | None:
        return find(self.deps.event_log, ex.budget_id(estate_id, ex.check_year(year)), Budget)

    def check_estate(self, estate_id: UUID) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ExpenseRecordNotFound(HIDDEN)

    # ---- vendors ---------------------------------------------------------------

    # Vendors are company master data: their bank accounts receive every
    # estate's money, so only a company-wide grant (vendors:manage:any) may
    # register or change one, whatever route or script issues the command.
    _VENDORS_REFUSED = "vendors are company master data: this needs vendors:manage:any"

    def register_vendor(self, cmd: RegisterVendor) -> tuple[UUID, int]:
        cmd.actor.require("vendors:manage", None, refused=self._VENDORS_REFUSED)
        vendor = Vendor.register(
            id=self.deps.ids(),
            name=cmd.name,
            tax_id=cmd.tax_id,
            bank_account=cmd.bank_account,
            contact=cmd.contact,
            categories=list(cmd.categories),
            at=self._now,
        )
        return vendor.id, self._save(vendor)

    def change_vendor(self, cmd: ChangeVendor) -> int:
        vendor = self.vendor(cmd.vendor_id)
        cmd.actor.require("vendors:manage", None, refused=self._VENDORS_REFUSED)
        vendor.change(cmd.changes, cmd.actor.user_id, self._now)
        return self._save(vendor)

    def deactivate_vendor(self, cmd: DeactivateVendor) -> int:
        vendor = self.vendor(cmd.vendor_id)
        cmd.actor.require("vendors:manage", None, refused=self._VENDORS_REFUSED)
        vendor.deactivate(cmd.reason, cmd.actor.user_id, self._now)
        return self._save(vendor)

    # ---- budgets ---------------------------------------------------------------

    def set_budget(self, cmd: SetBudget) -> int:
        """Set the year's lines: a new budget, or a revision of each line that changes.

        A category left out of ``lines`` keeps its line if the budget has one.
        """
        cmd.actor.check("expenses:manage", None, cmd.estate_id)
        self.check_estate(cmd.estate_id)
        currency = currency_of(cmd.currency)
        by = cmd.actor.user_id
        budget = self.budget(cmd.estate_id, cmd.year)
        if budget is None:
            budget = Budget.set(
                estate_id=cmd.estate_id,
                year=cmd.year,
                lines=cmd.lines,
                currency=currency,
                set_by=by,
                at=self._now,
            )
            return self._save(budget)
        if currency != budget.currency:
            raise ValidationFailed(f"currency: the {cmd.year} budget is kept in {budget.currency}")
        changed = False
        reason = cmd.reason or "budget revised"
        for category, amount in ex.check_lines(cmd.lines, currency).items():
            changed |= budget.revise(category, amount, reason, by, self._now)
        if not changed:
            raise ValidationFailed("nothing to change: every line already has that amount")
        return self._save(budget)

    # ---- claims ----------------------------------------------------------------

    def submit_claim(self, cmd: SubmitClaim) -> tuple[UUID, UUID, int]:
        """Submit a claim and open its approval, in one save: (claim, approval, position)."""
        cmd.actor.check("expenses:submit", None, cmd.estate_id)
        self.check_estate(cmd.estate_id)
        estate_id, incurred_on = cmd.estate_id, cmd.incurred_on
        vendor = find(self.deps.event_log, cmd.vendor_id, Vendor)
        if vendor is None:
            raise ValidationFailed("vendor_id: no such vendor")
        if not vendor.active:
            raise ValidationFailed("vendor_id: the vendor is deactivated")
        # Goods received into stores are paid as the vendor's invoice (decision
        # 0062): a claim for the same invoice would book the expense twice.
        supplied = invoice_id_of(cmd.vendor_id, cmd.invoice_ref)
        if supplied and find(self.deps.event_log, supplied, SupplierInvoice):
            raise ValidationFailed(
                "invoice_ref: the vendor's invoice is recorded against goods received "
                "into stores and is paid there (/supplier-invoices)"
            )
        category = ex.category_of(cmd.category)
        if category not in vendor.categories:
            raise ValidationFailed(f"category: the vendor is not registered for {category}")
        if not isinstance(incurred_on, date):
            raise ValidationFailed("incurred_on: a date")
        budget = self.budget(estate_id, incurred_on.year)
        claim = ExpenseClaim.submit(
            id=self.deps.ids(),
            estate_id=estate_id,
            vendor_id=cmd.vendor_id,
            category=category,
            amount=cmd.amount.amount,
            currency=cmd.amount.currency,
            description=cmd.description,
            incurred_on=incurred_on,
            invoice_ref=cmd.invoice_ref,
            submitted_by=cmd.actor.user_id,
            budget=budget,
            approval_id=self.deps.ids(),
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
                requested_by=cmd.actor.user_id,
                summary=summary[:500],
                amount=claim.amount,
                currency=claim.currency,
                approval_id=claim.approval_id,
            ),
            # An approval final as it opens commits to this budget: the
            # outcome handler takes it from here instead of reading it again.
            along_with=[claim] if budget is None else [claim, budget],
        )
        return claim.id, claim.approval_id, position

    def withdraw_claim(self, cmd: WithdrawClaim) -> int:
        """Withdraw a claim awaiting approval; its approval is withdrawn in the same save.

        The submitter withdraws their own claim; an expense manager of the
        estate withdraws anyone's.
        """
        claim = self.claim(cmd.claim_id)
        actor = cmd.actor
        actor.check("expenses:submit", None, claim.estate_id)
        if claim.submitted_by != actor.user_id:
            actor.require(
                "expenses:manage",
                None,
                claim.estate_id,
                refused="only the submitter or an expense manager withdraws a claim",
            )
        claim.withdraw(actor.user_id, cmd.reason, self._now)
        approval = self.approvals.get(claim.approval_id)
        if approval.is_final:
            return self._save(claim)
        return self.approvals.withdraw(approval, claim.submitted_by, cmd.reason, along_with=[claim])

    def pay_claim(self, cmd: PayClaim) -> int:
        """Pay the vendor of an approved claim (refused if not approved, or already paid)."""
        claim = self.claim(cmd.claim_id)
        cmd.actor.check("expenses:manage", None, claim.estate_id)
        claim.pay(
            payment_ref=cmd.payment_ref,
            method=cmd.method,
            paid_by=cmd.actor.user_id,
            booked_on=self._today,
            at=self._now,
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
        # Through ``load`` alone: the budget is read once, and is the copy
        # saved with the decision if the command already holds it.
        try:
            budget = load(ex.budget_id(claim.estate_id, ex.check_year(claim.year)))
        except AggregateNotFoundError:
            budget = Budget.set(
                estate_id=claim.estate_id,
                year=claim.year,
                lines={},
                currency=claim.currency,
                set_by=None,
                at=self._now,
            )
        if not isinstance(budget, Budget):
            raise TypeError(f"{budget.id} is not a budget")
        budget.commit(claim.id, claim.category, claim.amount, self._now)
        return [claim, budget]
