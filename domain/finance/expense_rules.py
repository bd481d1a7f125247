"""The rules of expenses (R5.2) that need no aggregate: categories, approval
terms, identifiers, and the checks of what a command brings.

They stand apart from ``domain/finance/expenses.py`` so that module holds the
aggregates (whose event classes are stored by their topic there) and reads
top to bottom; it re-exports every name here, so callers keep one import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.approvals.rules import Level, Outcome, PolicyTerms, Rule
from domain.errors import ValidationFailed
from domain.finance.accounts import EXPENSE_ACCOUNTS
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


def text(value: str | None, field: str, longest: int) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return value


def optional_text(value: str | None, field: str, longest: int) -> str | None:
    value = (value or "").strip()
    if len(value) > longest:
        raise ValidationFailed(f"{field}: at most {longest} characters")
    return value or None


def positive(value: object, currency: str, what: str = "amount") -> Decimal:
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


def check_lines(lines: Mapping[str, object], currency: str) -> dict[str, Decimal]:
    checked: dict[str, Decimal] = {}
    for category, amount in lines.items():
        category = category_of(category)
        value = exact_money(amount, currency, f"lines.{category}")
        if value < 0:
            raise ValidationFailed(f"lines.{category}: must not be negative")
        checked[category] = value
    return checked
