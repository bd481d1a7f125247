"""What the car park's money means in the books (decision 0060).

* ``ParkingSession.Paid`` (a temporary stay paid at the exit): Dr 1001 cash
  or 1012 online clearing / Cr 6001.20 主营业务收入—临时停车费, net of VAT,
  and 2221.01 output VAT.
* ``Vehicle.PassIssued`` of a prepaid pass (N months bought at once, before
  decision 0063): Dr 1001 or 1012 / Cr 6001.02 主营业务收入—停车费 (the
  parking fee item's own revenue account), net of VAT, and 2221.01.
* ``Vehicle.PrepaidPassSold`` (since decision 0063): Dr 1001 or 1012 / Cr
  2204 合同负债, net of VAT, and 2221.01 (VAT on a lease is due when the
  advance is received); ``Vehicle.PassRevenueRecognised``, as each month of
  the pass is over: Dr 2204 / Cr 6001.02, that month's share of the net.

Prices include VAT at the estate's rate for parking on the day
(``domain/finance/tax.py``; an estate that set none: no VAT). A pass billed
to the unit's account posts nothing here: finance's billing run bills the
unit's space (fee item ``parking``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.finance.accounts import (
    CONTRACT_LIABILITIES,
    FEE_REVENUE,
    OUTPUT_VAT,
    PAYMENT_ACCOUNTS,
    TEMPORARY_PARKING,
)
from domain.finance.journal import Entry, Line, PostingFunction, lines_without_zeros


def _received(payload: Mapping[str, Any], revenue: str, memo: str) -> Entry | None:
    amount = Decimal(payload["amount"])
    if amount == 0:
        return None
    currency, tax = payload["currency"], Decimal(payload.get("tax") or 0)
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=memo,
        lines=lines_without_zeros(
            [
                Line.dr(PAYMENT_ACCOUNTS[payload["method"]], amount, currency),
                Line.cr(revenue, amount - tax, currency, memo=payload["plate"]),
                Line.cr(OUTPUT_VAT, tax, currency, memo=payload["plate"]),
            ]
        ),
    ).check()


def post_session(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    if event_name != "Paid":
        return None
    return _received(payload, TEMPORARY_PARKING, f"temporary parking {payload['plate']}")


def post_vehicle(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    if event_name == "PassRevenueRecognised":
        return _recognised(payload)
    memo = f"parking pass {payload.get('plate')} {payload.get('months')} month(s)"
    if event_name == "PrepaidPassSold":
        return _received(payload, CONTRACT_LIABILITIES, memo)
    if event_name != "PassIssued" or payload.get("billing") != "prepaid":
        return None
    return _received(payload, FEE_REVENUE["parking"], memo)


def _recognised(payload: Mapping[str, Any]) -> Entry | None:
    amount, currency = Decimal(payload["amount"]), payload["currency"]
    if amount == 0:
        return None
    memo = f"parking pass {payload['plate']} month {payload['month']} of {payload['months']}"
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=memo,
        lines=(
            Line.dr(CONTRACT_LIABILITIES, amount, currency, memo=payload["plate"]),
            Line.cr(FEE_REVENUE["parking"], amount, currency, memo=payload["plate"]),
        ),
    ).check()


POSTINGS: dict[str, PostingFunction] = {
    "ParkingSession": post_session,
    "Vehicle": post_vehicle,
}
