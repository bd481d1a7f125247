"""What online payment providers still owe an estate: 1012's balance in the ledger read model.

Online payments post to 1012 其他货币资金—第三方支付 and the provider's
settlements clear it (decision 0027); its balance is the money the provider
holds for the estate. The online-payment service asks before it records a
settlement, so a payout never clears more than was received.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.finance.accounts import ONLINE_CLEARING


class OnlineClearingBalances:
    """``application.finance.online.ports.OnlineClearing``, from ``finance_ledger_lines``."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def unsettled(self, estate_id: UUID, currency: str) -> Decimal:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT COALESCE(SUM(debit - credit), 0) FROM finance_ledger_lines "
                "WHERE estate_id = %s AND account = %s AND currency = %s",
                [estate_id, ONLINE_CLEARING, currency],
            ).fetchone()
        return Decimal(row[0])
