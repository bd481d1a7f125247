"""HTTP routes of the finance context, one module per part."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.finance import (
    accounts,
    bad_debts,
    bank,
    billing,
    compliance,
    expenses,
    fund,
    fund_bank,
    fund_first_deposit,
    fund_interest,
    invoices,
    ledger,
    online,
    owners,
    rates,
    receipts,
    renovation,
    tax,
)

ROUTERS: list[APIRouter] = [
    m.router
    for m in (
        rates,
        tax,
        billing,
        accounts,
        owners,
        expenses,
        fund,
        fund_interest,
        fund_bank,
        fund_first_deposit,
        renovation,
        ledger,
        compliance,
        online,
        bad_debts,
        receipts,
        bank,
        invoices,
    )
]
