"""Expenses (R5.2): vendors, budgets per estate and year, expense claims, payment.

* A :class:`Vendor` is company-wide: registered with its unified social
  credit code (统一社会信用代码, 18 digits or upper-case letters), bank
  account and the expense categories it supplies.
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
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.approvals.rules import Level, Outcome, PolicyTerms, Rule
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import EXPENSE_ACCOUNTS, PAYABLES, PAYMENT_ACCOUNTS
from domain.finance.journal import Entry, Line, PostingFunction
from domain.finance.money import currency_of, exact_money

CATEGORIES: tuple[str, ...] = tuple(EXPENSE_ACCOUNTS)
PAYMENT_METHODS = ("bank_transfer", "cash")

APPROVAL_KIND = "expense"
OVER_BUDGET_KIND = "expense_over_budget"
CLERK_LIMIT = Decimal("5000")
CLERK_LIMIT_CURRENCY = "CNY"

BUDGET_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/budgets")
TAX_ID_PATTERN = re.compile(r"^[0-9A-Z]{18}$")
BANK_ACCOUNT_PATTERN = re.compile(r"^[0-9A-Za-z -]{4,40}$")


def expense_terms() -> PolicyTerms:
    """Default policy of ``expense``: the clerk's authority below 5000 CNY, else three levels."""
    return PolicyTerms(
        levels=(
            Level("finance", "finance"),
            Level("department", "property_manager"),
            Level("manager", "admin"),
        ),
        rules=(
            Rule(
                then=Outcome.APPROVE,
                reason="within the clerk's authority",
                amount_below=CLERK_LIMIT,
                currency=CLERK_LIMIT_CURRENCY,
            ),
        ),
    )


def over_budget_terms() -> PolicyTerms:
    """Default policy of ``expense_over_budget``: always the department, then the manager."""
    return PolicyTerms(
        levels=(Level("department", "property_manager"), Level("manager", "admin")),
        rules=(),
    )


def budget_id(estate_id: UUID, year: int) -> UUID:
    """One budget per estate and year."""
    return uuid5(BUDGET_NAMESPACE, f"{estate_id}:{year}")


def category_of(value: str) -> str:
    value = str(value)
    if value not in EXPENSE_ACCOUNTS:
        raise ValidationFailed(f"category: {value!r} is not one of {', '.join(CATEGORIES)}")
    return value


def check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed("year: 2000-2100")
    return year


def _text(value: str | None, field: str, longest: int) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return value


def _optional_text(value: str | None, field: str, longest: int) -> str | None:
    value = (value or "").strip()
    if len(value) > longest:
        raise ValidationFailed(f"{field}: at most {longest} characters")
    return value or None


def _positive(value: object, currency: str, what: str = "amount") -> Decimal:
    amount = exact_money(value, currency_of(currency), what)
    if amount <= 0:
        raise ValidationFailed(f"{what}: must be more than zero")
    return amount


def mask_bank_account(value: str | None) -> str | None:
    """``6222 0212 3456 7890`` -> ``************7890``: only the last 4 digits show."""
    if not value:
        return None
    digits = re.sub(r"[^0-9A-Za-z]", "", value)
    return "*" * max(len(digits) - 4, 4) + digits[-4:]


# ---- vendors -----------------------------------------------------------------------


class Vendor(Aggregate):
    """A supplier the company pays (company-wide, not per estate)."""

    @classmethod
    def register(
        cls,
        *,
        name: str,
        tax_id: str,
        bank_account: str,
        contact: str | None,
        categories: list[str],
        at: datetime,
    ) -> Vendor:
        return cls(
            name=_text(name, "name", 200),
            tax_id=check_tax_id(tax_id),
            bank_account=check_bank_account(bank_account),
            contact=_optional_text(contact, "contact", 200),
            categories=check_categories(categories),
            at=at,
        )

    @event("Registered")
    def __init__(
        self,
        name: str,
        tax_id: str,
        bank_account: str,
        contact: str | None,
        categories: list[str],
        at: datetime,
    ) -> None:
        self.name = name
        self.tax_id = tax_id
        self.bank_account = bank_account
        self.contact = contact
        self.categories = list(categories)
        self.active = True

    def change(self, changes: Mapping[str, Any], by: UUID, at: datetime) -> None:
        """Change some of name, bank_account, contact, categories."""
        if not self.active:
            raise InvalidTransition("the vendor is deactivated")
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "name":
                checked[key] = _text(value, "name", 200)
            elif key == "bank_account":
                checked[key] = check_bank_account(value)
            elif key == "contact":
                checked[key] = _optional_text(value, "contact", 200)
            elif key == "categories":
                checked[key] = check_categories(value)
            else:
                raise ValidationFailed(f"{key}: cannot be changed")
        checked = {k: v for k, v in checked.items() if getattr(self, k) != v}
        if not checked:
            raise ValidationFailed("nothing to change")
        self._details_changed(changes=checked, by=by, at=at)

    @event("DetailsChanged")
    def _details_changed(self, changes: dict[str, Any], by: UUID, at: datetime) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def deactivate(self, reason: str, by: UUID, at: datetime) -> None:
        if not self.active:
            raise InvalidTransition("the vendor is already deactivated")
        self._deactivated(reason=_text(reason, "reason", 500), by=by, at=at)

    @event("Deactivated")
    def _deactivated(self, reason: str, by: UUID, at: datetime) -> None:
        self.active = False


def check_tax_id(value: str) -> str:
    value = (value or "").strip()
    if not TAX_ID_PATTERN.match(value):
        raise ValidationFailed("tax_id: a unified social credit code, 18 digits or capitals")
    return value


def check_bank_account(value: str) -> str:
    value = (value or "").strip()
    if not BANK_ACCOUNT_PATTERN.match(value) or sum(c.isdigit() for c in value) < 4:
        raise ValidationFailed("bank_account: 4-40 digits, letters, spaces or dashes")
    return value


def check_categories(values: list[str]) -> list[str]:
    checked = sorted({category_of(v) for v in values})
    if not checked:
        raise ValidationFailed("categories: name at least one expense category")
    return checked


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
            category=category, amount=value, reason=_text(reason, "reason", 500), by=by, at=at
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
            reason=_text(reason, "reason", 500),
            at=at,
        )

    @event("Released")
    def _released(
        self, claim_id: UUID, category: str, amount: Decimal, reason: str, at: datetime
    ) -> None:
        self.committed[category] = self.committed_to(category) - amount
        del self.claims[claim_id]


def check_lines(lines: Mapping[str, object], currency: str) -> dict[str, Decimal]:
    checked: dict[str, Decimal] = {}
    for category, amount in lines.items():
        category = category_of(category)
        value = exact_money(amount, currency, f"lines.{category}")
        if value < 0:
            raise ValidationFailed(f"lines.{category}: must not be negative")
        checked[category] = value
    return checked


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
        at: datetime,
    ) -> ExpenseClaim:
        """A claim, screened against the budget of its category and year.

        Over budget when the amount exceeds what is left of the line (no
        budget, or no line for the category, leaves nothing): it then takes
        the approval kind ``expense_over_budget``.
        """
        category = category_of(category)
        currency = currency_of(currency)
        value = _positive(amount, currency)
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
            estate_id=estate_id,
            vendor_id=vendor_id,
            category=category,
            amount=value,
            currency=currency,
            description=_text(description, "description", 2000),
            incurred_on=incurred_on,
            invoice_ref=_text(invoice_ref, "invoice_ref", 100),
            submitted_by=submitted_by,
            year=year,
            remaining_before=remaining_before,
            over_budget=over_budget,
            approval_id=uuid4(),
            approval_kind=OVER_BUDGET_KIND if over_budget else APPROVAL_KIND,
            at=at,
        )

    @event("Submitted")
    def __init__(
        self,
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
        self._withdrawn(by=by, reason=_text(reason, "reason", 500), at=at)

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
            payment_ref=_text(payment_ref, "payment_ref", 100),
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


# ---- postings -------------------------------------------------------------------------


def post(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """The journal entry of an ExpenseClaim event (R5.3); None for events that move no money.

    ``Approved``: Dr the category's expense account / Cr payables (the vendor).
    ``Paid``: Dr payables (the vendor) / Cr bank (bank_transfer) or cash.
    """
    if event_name == "Approved":
        amount, currency, vendor = payload["amount"], payload["currency"], payload["vendor_id"]
        category = payload["category"]
        return Entry(
            estate_id=payload["estate_id"],
            booked_on=payload["booked_on"],
            memo=f"expense approved: {category}",
            lines=(
                Line.dr(EXPENSE_ACCOUNTS[category], amount, currency, party_id=vendor),
                Line.cr(PAYABLES, amount, currency, party_id=vendor),
            ),
        ).check()
    if event_name == "Paid":
        amount, currency, vendor = payload["amount"], payload["currency"], payload["vendor_id"]
        return Entry(
            estate_id=payload["estate_id"],
            booked_on=payload["booked_on"],
            memo=f"expense paid: {payload['payment_ref']}",
            lines=(
                Line.dr(PAYABLES, amount, currency, party_id=vendor),
                Line.cr(PAYMENT_ACCOUNTS[payload["method"]], amount, currency),
            ),
        ).check()
    return None


# Aggregate class name -> its posting function (see domain/finance/journal.py).
POSTINGS: dict[str, PostingFunction] = {"ExpenseClaim": post}
