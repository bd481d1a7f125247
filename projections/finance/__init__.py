"""Read models of the finance context: bills and payments, rates, expenses, the fund, the ledger."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.finance import (
    accounts,
    bank,
    compliance,
    expenses,
    fund,
    fund_bank,
    fund_first_deposit,
    invoices,
    ledger,
    rates,
    receipts,
    renovation,
)
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [
        *accounts.read_models(deps),
        *rates.read_models(deps),
        *expenses.read_models(deps),
        *fund.read_models(deps),
        *ledger.read_models(deps),
        *compliance.read_models(deps),
        *renovation.read_models(deps),
        *fund_bank.read_models(deps),
        *fund_first_deposit.read_models(deps),
        *receipts.read_models(deps),
        *bank.read_models(deps),
        *invoices.read_models(deps),
    ]
