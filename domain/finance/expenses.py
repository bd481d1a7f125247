"""Expenses (R5.2): vendors, budgets per estate and year, expense claims, payment.

* A :class:`Vendor` is company-wide (``domain/finance/vendors.py``).
* A :class:`Budget` belongs to one estate and one year (its ID is derived from
  both). Its lines give an amount per expense category; an approved claim
  *commits* its amount against the line, so the remaining budget is exact
  (budget - committed), whatever the read models say.
* An :class:`ExpenseClaim` is submitted with its invoice and goes through the
  approval workflow: kind ``expense`` (a clerk approves under 5000 CNY at
  once; above, finance -> department -> manager), or kind
  ``expense_over_budget`` when it exceeds what is left of its category's line
  for the year (department -> manager, never at once). Approval books the
  expense (Dr expense / Cr payables, the vendor as party); payment settles
  the payable (Dr payables / Cr bank or cash), once, and only when approved.

Categories are the keys of :data:`domain.finance.accounts.EXPENSE_ACCOUNTS`.
The rules that need no aggregate are in ``expense_rules.py``, the postings in
``expense_postings.py``. ``Vendor`` moved to ``vendors.py``: the events it
stored before name it ``domain.finance.expenses:Vendor.…``, which resolves
through the import below (``tests/unit/finance/test_event_topics.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.expense_rules import (
    APPROVAL_KIND,
    OVER_BUDGET_KIND,
    PAYMENT_METHODS,
    budget_id,
    category_of,
    check_lines,
    check_year,
    positive,
    text,
)
from domain.finance.money import currency_of, exact_money
from domain.finance.vendors import Vendor as Vendor  # the topics of events stored before 0017

# ---- budgets -----------------------------------------------------------------------


class Budget(Aggregate):
    """One estate's expense budget for one year, and what approved claims committed."""

    @classmethod
    def set(
        cls,
        *,
        estate_id: UUID,
        year: int,
        lines: Mapping[str, object],
        currency: str,
        set_by: UUID | None,
        at: datetime,
    ) -> Budget:
        """A new budget; ``set_by`` None: opened by the first commitment, without lines."""
        currency = currency_of(currency)
        return cls(
            id=budget_id(estate_id, check_year(year)),
            estate_id=estate_id,
            year=year,
            lines=check_lines(lines, currency),
            currency=currency,
            set_by=set_by,
            at=at,
        )

    @event("BudgetSet")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        year: int,
        lines: dict[str, Decimal],
        currency: str,
        set_by: UUID | None,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.year = year
        self.lines = dict(lines)
        self.currency = currency
        self.committed: dict[str, Decimal] = {}
        self.claims: dict[UUID, tuple[str, Decimal]] = {}  # claim -> (category, amount)

    def line(self, category: str) -> Decimal | None:
        """The budget of ``category``; None when the budget has no such line."""
        return self.lines.get(category)

    def committed_to(self, category: str) -> Decimal:
        return self.committed.get(category, Decimal(0))

    def remaining(self, category: str) -> Decimal:
        """Budget minus committed; a category without a line has nothing left."""
        return (self.line(category) or Decimal(0)) - self.committed_to(category)

    def revise(self, category: str, amount: object, reason: str, by: UUID, at: datetime) -> bool:
        """Set one line; False (and no event) when it already has that amount."""
        category = category_of(category)
        value = exact_money(amount, self.currency, f"lines.{category}")
        if value < 0:
            raise ValidationFailed(f"lines.{category}: must not be negative")
        if self.lines.get(category) == value:
            return False
        self._line_revised(
            category=category, amount=value, reason=text(reason, "reason", 500), by=by, at=at
        )
        return True

    @event("LineRevised")
    def _line_revised(
        self, category: str, amount: Decimal, reason: str, by: UUID, at: datetime
    ) -> None:
        self.lines[category] = amount

    def commit(self, claim_id: UUID, category: str, amount: Decimal, at: datetime) -> None:
        """An approved claim takes its amount from the line (once per claim)."""
        if claim_id in self.claims:
            return
        self._committed(claim_id=claim_id, category=category, amount=amount, at=at)

    @event("Committed")
    def _committed(self, claim_id: UUID, category: str, amount: Decimal, at: datetime) -> None:
        self.committed[category] = self.committed_to(category) + amount
        self.claims[claim_id] = (category, amount)

    def release(self, claim_id: UUID, reason: str, at: datetime) -> None:
        """Give a committed amount back (a claim cancelled after approval)."""
        if claim_id not in self.claims:
            raise InvalidTransition("nothing is committed for this claim")
        category, amount = self.claims[claim_id]
        self._released(
            claim_id=claim_id,
            category=category,
            amount=amount,
            reason=text(reason, "reason", 500),
            at=at,
        )

    @event("Released")
    def _released(
        self, claim_id: UUID, category: str, amount: Decimal, reason: str, at: datetime
    ) -> None:
        self.committed[category] = self.committed_to(category) - amount
        del self.claims[claim_id]


# ---- expense claims ------------------------------------------------------------------


class ClaimStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAID = "paid"


C = ClaimStatus


class ExpenseClaim(Aggregate):
    """A vendor's invoice claimed against an estate, through approval to payment."""

    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        vendor_id: UUID,
        category: str,
        amount: object,
        currency: str,
        description: str,
        incurred_on: date,
        invoice_ref: str,
        submitted_by: UUID,
        budget: Budget | None,
        approval_id: UUID,
        at: datetime,
    ) -> ExpenseClaim:
        """A claim, screened against the budget of its category and year.

        Over budget when the amount exceeds what is left of the line (no
        budget, or no line for the category, leaves nothing): it then takes
        the approval kind ``expense_over_budget``.
        """
        category = category_of(category)
        currency = currency_of(currency)
        value = positive(amount, currency)
        if not isinstance(incurred_on, date) or isinstance(incurred_on, datetime):
            raise ValidationFailed("incurred_on: a date")
        if incurred_on > at.date():
            raise ValidationFailed("incurred_on: not in the future")
        year = check_year(incurred_on.year)
        if budget is not None and budget.currency != currency:
            raise ValidationFailed(
                f"currency: the estate's {year} budget is kept in {budget.currency}"
            )
        line = None if budget is None else budget.line(category)
        remaining_before = None if budget is None or line is None else budget.remaining(category)
        over_budget = value > (remaining_before if remaining_before is not None else Decimal(0))
        return cls(
            id=id,
            estate_id=estate_id,
            vendor_id=vendor_id,
            category=category,
            amount=value,
            currency=currency,
            description=text(description, "description", 2000),
            incurred_on=incurred_on,
            invoice_ref=text(invoice_ref, "invoice_ref", 100),
            submitted_by=submitted_by,
            year=year,
            remaining_before=remaining_before,
            over_budget=over_budget,
            approval_id=approval_id,
            approval_kind=OVER_BUDGET_KIND if over_budget else APPROVAL_KIND,
            at=at,
        )

    @event("Submitted")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        vendor_id: UUID,
        category: str,
        amount: Decimal,
        currency: str,
        description: str,
        incurred_on: date,
        invoice_ref: str,
        submitted_by: UUID,
        year: int,
        remaining_before: Decimal | None,
        over_budget: bool,
        approval_id: UUID,
        approval_kind: str,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.vendor_id = vendor_id
        self.category = category
        self.amount = amount
        self.currency = currency
        self.description = description
        self.incurred_on = incurred_on
        self.invoice_ref = invoice_ref
        self.submitted_by = submitted_by
        self.year = year
        self.remaining_before = remaining_before
        self.over_budget = over_budget
        self.approval_id = approval_id
        self.approval_kind = approval_kind
        self.status = C.AWAITING_APPROVAL
        self.payment_ref: str | None = None

    def approval_decided(
        self, approval_id: UUID, outcome: str, booked_on: date, at: datetime
    ) -> bool:
        """The approval became final; True if the claim changed (approved or rejected)."""
        if approval_id != self.approval_id or self.status is not C.AWAITING_APPROVAL:
            return False
        if outcome == "approved":
            self._approved(
                estate_id=self.estate_id,
                approval_id=approval_id,
                amount=self.amount,
                currency=self.currency,
                category=self.category,
                vendor_id=self.vendor_id,
                booked_on=booked_on,
                at=at,
            )
        elif outcome in ("rejected", "withdrawn"):
            self._rejected(approval_id=approval_id, outcome=outcome, at=at)
        else:
            return False
        return True

    @event("Approved")
    def _approved(
        self,
        estate_id: UUID,
        approval_id: UUID,
        amount: Decimal,
        currency: str,
        category: str,
        vendor_id: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.status = C.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, outcome: str, at: datetime) -> None:
        self.status = C.REJECTED if outcome == "rejected" else C.WITHDRAWN

    def withdraw(self, by: UUID, reason: str, at: datetime) -> None:
        """Take back a claim still awaiting approval."""
        if self.status is not C.AWAITING_APPROVAL:
            raise InvalidTransition(
                f"only a claim awaiting approval is withdrawn (it is {self.status})"
            )
        self._withdrawn(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Withdrawn")
    def _withdrawn(self, by: UUID, reason: str, at: datetime) -> None:
        self.status = C.WITHDRAWN

    def pay(
        self, *, payment_ref: str, method: str, paid_by: UUID, booked_on: date, at: datetime
    ) -> None:
        """Pay the vendor: once, and only an approved claim."""
        if self.status is C.PAID:
            raise InvalidTransition("the claim is already paid")
        if self.status is not C.APPROVED:
            raise InvalidTransition(f"only an approved claim is paid (it is {self.status})")
        if method not in PAYMENT_METHODS:
            raise ValidationFailed(f"method: one of {', '.join(PAYMENT_METHODS)}")
        self._paid(
            estate_id=self.estate_id,
            payment_ref=text(payment_ref, "payment_ref", 100),
            method=method,
            amount=self.amount,
            currency=self.currency,
            vendor_id=self.vendor_id,
            booked_on=booked_on,
            paid_by=paid_by,
            at=at,
        )

    @event("Paid")
    def _paid(
        self,
        estate_id: UUID,
        payment_ref: str,
        method: str,
        amount: Decimal,
        currency: str,
        vendor_id: UUID,
        booked_on: date,
        paid_by: UUID,
        at: datetime,
    ) -> None:
        self.status = C.PAID
        self.payment_ref = payment_ref
