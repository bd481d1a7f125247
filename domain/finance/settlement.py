"""In which order a payment settles the bills it may settle (decision 0022).

Civil Code art. 561: a payment that does not cover the whole debt settles,
unless the parties agreed otherwise, first the costs of enforcing the claim,
then the interest (here the late fees, 违约金), then the principal. The
service contract may say otherwise: the billing terms' ``settlement_order``
is ``art_561`` (the default) or ``principal_first``.

Both functions are pure: they take the bills a payment may settle, in the
order it takes them (a named bill first, then the oldest), and leave which
bills those are to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from domain.errors import ValidationFailed
from domain.finance.bills import ZERO, Bill

ART_561 = "art_561"
PRINCIPAL_FIRST = "principal_first"
SETTLEMENT_ORDERS = (ART_561, PRINCIPAL_FIRST)

LATE_FEE = "late_fee"
PRINCIPAL = "principal"


def settlement_order_of(order: str) -> str:
    """``order`` if it is one of :data:`SETTLEMENT_ORDERS` (else 422)."""
    if order not in SETTLEMENT_ORDERS:
        raise ValidationFailed(f"settlement_order: one of {', '.join(SETTLEMENT_ORDERS)}")
    return order


def settlement_order(bills: Sequence[Bill], order: str) -> list[tuple[Bill, str]]:
    """The parts of ``bills`` a payment settles, in turn: (bill, ``late_fee`` | ``principal``).

    ``art_561``: costs (none are billed), then every bill's late fee, then every
    bill's principal, each in the order of ``bills``. ``principal_first``: every
    principal, then every late fee.
    """
    fees = [(bill, LATE_FEE) for bill in bills]
    principals = [(bill, PRINCIPAL) for bill in bills]
    return principals + fees if settlement_order_of(order) == PRINCIPAL_FIRST else fees + principals


def allocate(
    amount: Decimal, parts: Sequence[tuple[Bill, str]]
) -> tuple[list[dict[str, Any]], Decimal]:
    """Spread ``amount`` over ``parts`` in turn: one allocation per bill touched, in the
    order first touched, naming its ``late_fee`` and ``principal``; and what is left."""
    allocations: dict[Any, dict[str, Any]] = {}
    left = amount
    for bill, part in parts:
        due = bill.late_fee_due if part == LATE_FEE else bill.principal_due
        take = min(left, due)
        if take <= 0:
            continue
        row = allocations.setdefault(
            bill.bill_id,
            {"bill_id": bill.bill_id, "amount": ZERO, LATE_FEE: ZERO, PRINCIPAL: ZERO},
        )
        row["amount"] += take
        row[part] += take
        left -= take
    return list(allocations.values()), left
