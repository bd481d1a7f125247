"""The expense rules that need no aggregate: categories, identifiers, and the
checks of what a vendor or a budget command brings."""

from __future__ import annotations

from decimal import Decimal as D
from uuid import uuid4

import pytest

from domain.errors import ValidationFailed
from domain.finance.expense_rules import (
    budget_id,
    category_of,
    check_bank_account,
    check_categories,
    check_lines,
    check_tax_id,
    check_year,
    mask_bank_account,
)


def test_a_bank_account_shows_only_its_last_four_digits() -> None:
    assert mask_bank_account("6222 0212 3456 7890") == "************7890"
    assert mask_bank_account("12345") == "****2345"
    assert mask_bank_account(None) is None


def test_a_tax_id_is_a_unified_social_credit_code() -> None:
    assert check_tax_id(" 91310115MA1H8LFT02 ") == "91310115MA1H8LFT02"
    for wrong in ("91310115ma1h8lft02", "91310115MA1H8LFT0", ""):
        with pytest.raises(ValidationFailed):
            check_tax_id(wrong)


def test_a_bank_account_has_at_least_four_digits() -> None:
    assert check_bank_account("6222-0202-0011") == "6222-0202-0011"
    with pytest.raises(ValidationFailed):
        check_bank_account("ABC-DEF")


def test_categories_are_the_expense_accounts_sorted_and_unique() -> None:
    assert check_categories(["repairs", "cleaning", "repairs"]) == ["cleaning", "repairs"]
    with pytest.raises(ValidationFailed):
        check_categories([])
    with pytest.raises(ValidationFailed):
        category_of("parties")


def test_budget_lines_are_exact_money_and_never_negative() -> None:
    assert check_lines({"repairs": "100.50"}, "CNY") == {"repairs": D("100.50")}
    with pytest.raises(ValidationFailed):
        check_lines({"repairs": "-1"}, "CNY")
    with pytest.raises(ValidationFailed):
        check_lines({"repairs": "1.001"}, "CNY")


def test_one_budget_per_estate_and_year() -> None:
    estate = uuid4()
    assert budget_id(estate, 2026) == budget_id(estate, 2026)
    assert budget_id(estate, 2026) != budget_id(estate, 2027)
    with pytest.raises(ValidationFailed):
        check_year(1999)
