"""HTTP routes of the finance context, one module per part."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.finance import (
    accounts,
    bank,
    compliance,
    expenses,
    fund,
    invoices,
    ledger,
    rates,
    receipts,
)

ROUTERS: list[APIRouter] = [
    m.router
    for m in (rates, accounts, expenses, fund, ledger, compliance, receipts, bank, invoices)
]
