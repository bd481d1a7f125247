"""What a cell of a report shows, in either format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def as_utc_naive(value: datetime) -> datetime:
    """Excel has no time zones: aware datetimes are written as naive UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def format_cell(value: Any, kind: str) -> str:
    """The text a cell shows in the PDF (and the basis of xlsx column widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money" and isinstance(value, Decimal | int):
        amount = Decimal(value)
        if not amount.is_finite():
            return str(amount)
        exponent = amount.as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
        return f"{amount:,.{places}f}"
    if kind == "number" and isinstance(value, Decimal | int) and Decimal(value).is_finite():
        return f"{value:,}"
    if isinstance(value, datetime):
        return as_utc_naive(value).strftime("%Y-%m-%d %H:%M") + (
            " UTC" if value.tzinfo is not None else ""
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
