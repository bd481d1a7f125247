"""Budget arithmetic and the expense analysis, without a database."""

from __future__ import annotations

from decimal import Decimal as D

from domain.finance.expense_figures import budget_lines, expense_analysis


def line(category: str, budget: str, committed: str, paid: str) -> dict[str, object]:
    return {
        "category": category,
        "budget": D(budget),
        "has_line": True,
        "committed": D(committed),
        "paid": D(paid),
    }


def test_remaining_is_the_budget_less_what_approved_claims_committed() -> None:
    figures = budget_lines(
        [line("repairs", "1000.00", "400.00", "100.00"), line("cleaning", "500", "600", "0")]
    )
    assert [(x["category"], x["remaining"]) for x in figures["lines"]] == [
        ("repairs", D("600.00")),
        ("cleaning", D("-100")),
    ]
    assert figures["total_budget"] == D("1500.00")
    assert figures["total_remaining"] == D("500.00")
    assert figures["total_paid"] == D("100.00")


def test_lines_follow_the_category_table_order() -> None:
    figures = budget_lines([line("other", "1", "0", "0"), line("repairs", "1", "0", "0")])
    assert [x["category"] for x in figures["lines"]] == ["repairs", "other"]


def test_shares_add_up_to_exactly_one_hundred() -> None:
    spending = [
        (1, "repairs", D("1.00"), None),
        (2, "cleaning", D("1.00"), D("1.00")),
        (3, "greening", D("1.00"), None),
    ]
    figures = expense_analysis(spending, {})
    shares = [c["share"] for c in figures["categories"]]
    assert sum(shares) == D("100.00")
    assert sorted(s for s in shares if s) == [D("33.33"), D("33.33"), D("33.34")]
    assert figures["total"] == D("3.00")
    assert figures["total_paid"] == D("1.00")
    assert [m["total"] for m in figures["months"]][:4] == [D("1.00"), D("1.00"), D("1.00"), 0]


def test_budget_used_percent_only_where_there_is_a_budget() -> None:
    figures = expense_analysis([(5, "repairs", D("250.00"), D("250.00"))], {"repairs": D("1000")})
    by = {c["category"]: c for c in figures["categories"]}
    assert by["repairs"]["used_percent"] == D("25.00")
    assert by["repairs"]["remaining"] == D("750.00")
    assert by["cleaning"]["used_percent"] is None
    assert figures["total_budget"] == D("1000")


def test_a_year_without_spending_has_zero_shares() -> None:
    figures = expense_analysis([], {"repairs": D("10")})
    assert {c["share"] for c in figures["categories"]} == {0}
    assert len(figures["months"]) == 12
