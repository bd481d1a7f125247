"""HTTP routes of the finance context, one module per part."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.finance import (
    accounts,
    bad_debts,
    compliance,
    expenses,
    fund,
    ledger,
    online,
    owners,
    rates,
)

ROUTERS: list[APIRouter] = [
    m.router
    for m in (rates, accounts, owners, expenses, fund, ledger, compliance, online, bad_debts)
]
