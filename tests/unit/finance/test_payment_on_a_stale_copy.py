"""A payment decides first on this process's last saved copy of the account
(no round trip); a copy that is behind must never refuse what the account
allows now. Told with a log that recalls copies as the store's cache does."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.finance.accounts import AccountService
from application.finance.accounts.commands import RecordPayment, ReversePayment
from application.finance.rates import RateService
from domain.finance.account import Method, UnitAccount
from domain.finance.bills import BillLine
from domain.finance.money import Money
from domain.identity.policy import Permission
from tests.support.memory import MemoryEventLog, NoArrears, memory_deps
from tests.support.vote_totals import FixedTotals
from tests.unit.finance.actors import reversed_by_two


class CachingLog(MemoryEventLog):
    """recall/remember as the PostgreSQL log's: a copy of what was last remembered."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[UUID, Any] = {}

    def recall(self, aggregate_id: UUID) -> Any | None:
        return deepcopy(self.kept[aggregate_id]) if aggregate_id in self.kept else None

    def remember(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self.kept[aggregate.id] = deepcopy(aggregate)


def test_a_bill_paid_reversed_and_paid_again_is_paid() -> None:
    deps = memory_deps()
    deps.event_log = CachingLog()
    approvals = ApprovalService(deps)
    accounts = AccountService(
        deps, approvals, RateService(deps, approvals, FixedTotals()), NoArrears()
    )
    estate, unit, bill_id, owner = uuid4(), uuid4(), uuid4(), uuid4()
    account = UnitAccount.open(estate, unit, "CNY", deps.clock())
    account.issue_bill(
        bill_id=bill_id,
        period="2026-01",
        run_id=uuid4(),
        lines=[BillLine("property_fee", "fee", Decimal(1), "m2", Decimal(100), Decimal("100.00"))],
        payer_ids=[owner],
        days=31,
        days_in_period=31,
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 31),
        at=deps.clock(),
    )
    deps.event_log.save_and_position(account)
    clerk = Actor(
        uuid4(),
        "clerk",
        "finance",
        frozenset({Permission.FINANCE_MANAGE_ESTATE, Permission.PAYMENTS_RECORD_ESTATE}),
        "s",
        frozenset({estate}),
    )

    def pay() -> UUID:
        payment = RecordPayment(
            clerk,
            unit,
            Money.of("100.00", "CNY"),
            Method.CASH,
            reference=f"SJ-{uuid4().hex[:8]}",  # a new receipt each time
            bill_id=bill_id,
            payer_id=owner,
        )
        return accounts.pay(payment)[0]

    first = pay()
    reversed_by_two(
        accounts, deps.event_log, ReversePayment(clerk, unit, first, "keyed on the wrong unit")
    )
    second = pay()  # the remembered copy still shows the bill paid

    fresh = accounts.account(unit)
    assert fresh is not None
    assert second != first
    assert fresh.bills[bill_id].outstanding == Decimal("0.00")
