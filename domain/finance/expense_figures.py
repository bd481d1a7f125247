"""The arithmetic of a budget and of the expense analysis (R5.2).

Pure functions over rows of the expense read model, so the rule "remaining
is the budget less what approved claims committed" and the analysis's shares
are written once and tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from domain.finance.expense_rules import CATEGORIES
from domain.finance.money import allocate

ZERO = Decimal(0)
PERCENT = Decimal("0.01")


def budget_lines(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A budget's lines in the order of :data:`CATEGORIES`, each with what remains
    (budget - committed), and the totals over them."""
    by_category = {r["category"]: r for r in rows}
    lines = [
        {
            "category": category,
            "budget": r["budget"],
            "has_line": r["has_line"],
            "committed": r["committed"],
            "paid": r["paid"],
            "remaining": r["budget"] - r["committed"],
        }
        for category in CATEGORIES
        if (r := by_category.get(category)) is not None
    ]
    return {
        "lines": lines,
        **{
            f"total_{key}": sum((line[key] for line in lines), ZERO)
            for key in ("budget", "committed", "paid", "remaining")
        },
    }


def expense_analysis(
    spending: Iterable[tuple[int, str, Decimal, Decimal | None]],
    budgets: Mapping[str, Decimal],
) -> dict[str, Any]:
    """Trend, structure and budget vs actual of one year in one currency.

    ``spending`` is (month, category, approved amount, paid amount) per month
    and category; ``budgets`` the year's line per category. The shares are
    percents at two places that add up to exactly 100 (largest remainders).
    """
    months = {m: dict.fromkeys(CATEGORIES, ZERO) for m in range(1, 13)}
    actual = dict.fromkeys(CATEGORIES, ZERO)
    paid = dict.fromkeys(CATEGORIES, ZERO)
    for month, category, amount, paid_amount in spending:
        months[month][category] += amount
        actual[category] += amount
        paid[category] += paid_amount or ZERO
    total = sum(actual.values(), ZERO)
    weights = [actual[c] for c in CATEGORIES]
    shares = (
        allocate(Decimal("100.00"), weights, "CNY") if total > 0 else [ZERO for _ in CATEGORIES]
    )
    categories = []
    for category, share in zip(CATEGORIES, shares, strict=True):
        budget = budgets.get(category, ZERO)
        categories.append(
            {
                "category": category,
                "actual": actual[category],
                "paid": paid[category],
                "share": share,
                "budget": budget,
                "remaining": budget - actual[category],
                "used_percent": (actual[category] * 100 / budget).quantize(PERCENT)
                if budget > 0
                else None,
            }
        )
    return {
        "total": total,
        "total_paid": sum(paid.values(), ZERO),
        "total_budget": sum(budgets.values(), ZERO),
        "months": [
            {"month": m, "total": sum(by.values(), ZERO), "by_category": by}
            for m, by in months.items()
        ],
        "categories": categories,
    }
