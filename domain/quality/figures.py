"""The arithmetic of the estate dashboard's figures (docs/quality.md, "The dashboard")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PLACES = Decimal("0.0001")


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` to four places, half up (0.9234 is 92.34 %); None when
    ``whole`` is zero: a rate of nothing is no rate, not 0 or 100 %."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(PLACES, rounding=ROUND_HALF_UP)


def collection_rate(collected: Decimal, billed: Decimal, waived: Decimal) -> Decimal | None:
    """收缴率: what was paid of what is due. Due is what was billed (principal and
    late fees) less what was waived (a waiver is no longer due); written-off
    debt stays due (it was not collected)."""
    return ratio(collected, billed - waived)


def year_months(month: str) -> tuple[str, str]:
    """The first and last month of the year to date that ends with ``month``."""
    return f"{month[:4]}-01", month
