"""The bad-debt provision (计提坏账准备) by the aging method (账龄分析法).

At a date, the allowance for doubtful accounts (坏账准备, 1231) should hold a
share of every receivable by how long it is past due: a rate per aging bucket,
set by finance in the request (the defaults are a common policy of property
companies: 5% within the first year, not-yet-due included; 10% 1-2 years; 30%
2-3 years; all over three years). The provision is the difference between what
the allowance should hold and what it holds: Dr 6702 信用减值损失 / Cr 1231 when
it must grow, the reverse (转回) when it may shrink. It is booked as a manual
journal, so a second person approves it (kind ``journal``, decision 0024).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import ValidationFailed
from domain.finance.accounts import BAD_DEBT_ALLOWANCE, CREDIT_IMPAIRMENT
from domain.finance.money import round_money

# The aging buckets of the receivables aging (应收账款账龄), in its order.
BUCKETS = (
    "not yet due",
    "0-30",
    "31-90",
    "91-180",
    "181-365",
    "1-2 years",
    "2-3 years",
    "over 3 years",
)
DEFAULT_RATES: dict[str, Decimal] = {
    **{b: Decimal("0.05") for b in BUCKETS[:5]},
    "1-2 years": Decimal("0.10"),
    "2-3 years": Decimal("0.30"),
    "over 3 years": Decimal("1"),
}


def provision_rates(given: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """The rates in force: the defaults, with finance's rates per bucket over them."""
    rates = dict(DEFAULT_RATES)
    for bucket, raw in (given or {}).items():
        if bucket not in rates:
            raise ValidationFailed(
                f"rates: {bucket!r} is not an aging bucket ({', '.join(BUCKETS)})"
            )
        rate = Decimal(str(raw))
        if not Decimal(0) <= rate <= 1:
            raise ValidationFailed(f"rates.{bucket}: a rate from 0 to 1")
        rates[bucket] = rate
    return rates


@dataclass(frozen=True)
class Provision:
    """What the allowance should hold per bucket and in all, what it holds, and the
    journal lines that bring it there (none when it already does)."""

    currency: str
    required: dict[str, Decimal]
    required_total: Decimal
    allowance: Decimal  # the credit balance of 1231 before this provision
    amount: Decimal  # > 0 provided, < 0 released
    lines: list[dict[str, Any]]


def provision(
    aging: Mapping[str, Decimal],
    allowance: Decimal,
    rates: Mapping[str, Decimal],
    currency: str,
) -> Provision:
    """The provision for one currency from the aging totals per bucket and the
    allowance's credit balance; each bucket's share is rounded to the minor unit."""
    required = {b: round_money(aging.get(b, Decimal(0)) * rates[b], currency) for b in BUCKETS}
    total = sum(required.values(), Decimal(0))
    allowance = round_money(allowance, currency)
    amount = total - allowance
    zero = Decimal(0)
    if amount > 0:
        lines = [(CREDIT_IMPAIRMENT, amount, zero), (BAD_DEBT_ALLOWANCE, zero, amount)]
    elif amount < 0:
        lines = [(BAD_DEBT_ALLOWANCE, -amount, zero), (CREDIT_IMPAIRMENT, zero, -amount)]
    else:
        lines = []
    return Provision(
        currency=currency,
        required=required,
        required_total=total,
        allowance=allowance,
        amount=amount,
        lines=[{"account": a, "debit": d, "credit": c, "currency": currency} for a, d, c in lines],
    )
