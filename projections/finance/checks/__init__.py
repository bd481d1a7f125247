"""The compliance checks (R5.5) as queries over the finance read models.

:class:`LedgerChecks` answers the application's
:class:`~application.finance.ports.ComplianceChecks` port: each check reads
the read models at or before the run's position and yields one finding per
offending record. The checks are SQL over tables the finance read models own,
so they live beside them; the service only decides when to run them and
records the outcome as a review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from application.finance.compliance.scope import CheckResult, Scope
from projections.finance.checks.books import (
    accounting_equation,
    aging_equals_control,
    closed_periods_unchanged,
    entries_balance,
    event_chain_verifies,
    trial_balance_zero,
)
from projections.finance.checks.controls import (
    EventsAt,
    approvals_present,
    budgets_within,
    payments_matched,
)
from projections.finance.checks.subledgers import (
    fund_bank_reconciled,
    reversals_by_a_second_person,
    subledgers_equal_control,
)

CHECKS: tuple[Callable[[psycopg.Connection[Any], Scope, Any], CheckResult], ...] = (
    entries_balance,
    trial_balance_zero,
    accounting_equation,
    aging_equals_control,
    subledgers_equal_control,
    payments_matched,
    reversals_by_a_second_person,
    approvals_present,
    budgets_within,
    fund_bank_reconciled,
)


class LedgerChecks:
    """Every check, in the order a review lists them, the chain's last.

    ``event_log`` gives the stored events a check must read (a refund's
    approval, a budget as it stood); ``verify_chain`` is replay's verifier of
    the log's hash chain, injected because replay sits above the projections.
    """

    def __init__(self, pool: Any, event_log: Any, verify_chain: Callable[[], Any]) -> None:
        self.pool = pool
        self.event_log = event_log
        self.verify_chain = verify_chain

    def run(self, scope: Scope) -> list[CheckResult]:
        results: list[CheckResult] = []
        events = EventsAt(self.event_log)
        with self.pool.connection() as conn:
            for check in CHECKS:
                results.append(check(conn, scope, events))
            results.append(closed_periods_unchanged(conn, scope, self.event_log))
        results.append(event_chain_verifies(self.verify_chain))
        return results
