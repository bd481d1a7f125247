"""The journal entries of the maintenance fund (R5.3): deposits and disbursements.

A deposit is Dr 1002.02 / Cr 2241 (the unit on the 2241 line); a disbursement
is one entry, Dr 2241 per unit / Cr 1002.02 for the total; interest allocated
is one entry, Dr 1002.02 for the interest / Cr 2241 per unit. A unit's
``Charged`` and ``InterestCredited`` events only keep its sub-ledger and post
nothing, so the money is never posted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.finance.accounts import FUND_BANK, FUND_PAYABLE
from domain.finance.journal import Entry, Line, PostingFunction, lines_without_zeros


def post_account(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """A deposit: Dr the fund's bank account / Cr the fund held for the unit."""
    if event_name != "Deposited":
        return None  # Opened, Charged and the threshold events move no money themselves
    amount, currency = payload["amount"], payload["currency"]
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=f"maintenance fund deposit {payload['reference']}",
        lines=(
            Line.dr(FUND_BANK, amount, currency),
            Line.cr(FUND_PAYABLE, amount, currency, unit_id=payload["unit_id"]),
        ),
    ).check()


def post_spending(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """A disbursement: Dr the fund held for each unit / Cr the fund's bank account."""
    if event_name != "Disbursed":
        return None
    currency = payload["currency"]
    splits = payload["splits"]
    total = sum((Decimal(s["amount"]) for s in splits), Decimal(0))
    lines = [
        Line.dr(FUND_PAYABLE, Decimal(s["amount"]), currency, unit_id=s["unit_id"]) for s in splits
    ]
    lines.append(Line.cr(FUND_BANK, total, currency))
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=f"maintenance fund spending {payload['reference']}",
        lines=lines_without_zeros(lines),
    ).check()


def post_interest(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """Interest allocated (增值分摊): Dr the fund's bank account / Cr the fund held per unit."""
    if event_name != "Allocated":
        return None
    currency = payload["currency"]
    lines = [Line.dr(FUND_BANK, Decimal(payload["amount"]), currency)]
    lines += [
        Line.cr(FUND_PAYABLE, Decimal(s["amount"]), currency, unit_id=s["unit_id"])
        for s in payload["splits"]
    ]
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=f"maintenance fund interest {payload['reference']}",
        lines=lines_without_zeros(lines),
    ).check()


# Aggregate class name -> its posting function (see domain/finance/journal.py).
POSTINGS: dict[str, PostingFunction] = {
    "FundAccount": post_account,
    "FundSpending": post_spending,
    "FundInterest": post_interest,
}
