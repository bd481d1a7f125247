"""A payment's cost in database round trips, counted where psycopg sends them.

Every statement a request's threads (the route's worker, the group-commit
writer) hand to PostgreSQL is one round trip; the projector's threads
(``estatelog-*``) follow the log on their own and are not the request's cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.actor import system_acting_for
from application.finance.accounts.commands import ReversePayment
from domain.finance.account import account_id_for
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay

#: Issue 13's bound for one payment (ten before it).
MAX_ROUND_TRIPS = 5


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Statements sent by non-background threads while the body runs, by first word."""
    sent: Counter[str] = Counter()
    lock = threading.Lock()
    execute = psycopg.Cursor.execute

    def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if not threading.current_thread().name.startswith("estatelog-"):
            text = query if isinstance(query, str) else repr(query)
            with lock:
                sent[text.split()[0].upper() if text.split() else "?"] += 1
        return execute(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", counted)
        yield sent


def test_a_payment_makes_at_most_five_round_trips(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    bill(fw, "2026-01")
    fw.settle("finance_accounts")
    # The first payment warms the connections (prepared statements, the caches).
    assert pay(fw, fw.units[0], "10.00").status_code == 201
    fw.settle("registry")
    with counting(monkeypatch) as sent:
        response = pay(fw, fw.units[0], "20.00")
    assert response.status_code == 201, response.text
    assert sum(sent.values()) <= MAX_ROUND_TRIPS, dict(sent)


def test_a_payment_on_a_stale_recalled_account_is_retried_on_the_fresh_one(
    fw: FinanceWorld,
) -> None:
    """Another writer appended since this process last saved the account: the
    recalled copy is behind, the append's version check refuses it, and the
    retry decides on the account as it is."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    bill(fw, "2026-01")
    accounts = fw.container.finance.accounts
    unit = UUID(fw.units[0])
    assert pay(fw, fw.units[0], "30.00").status_code == 201  # remembered
    first = next(iter(accounts.account(unit).payments))  # type: ignore[union-attr]
    # A reversal saves without remembering: the cached copy stays one behind.
    clerk = system_acting_for(UUID(fw.finance.id))
    accounts.reverse(ReversePayment(clerk, unit, first, "keyed twice"))
    recalled = fw.container.event_log.recall(account_id_for(unit))
    current = accounts.account(unit)
    assert recalled is not None and current is not None
    assert recalled.version < current.version
    assert pay(fw, fw.units[0], "50.00").status_code == 201
    account = accounts.account(unit)
    assert account is not None and account.version == current.version + 1
    assert account.payments[first]["reversed"] is True
    assert sum(p["amount"] for p in account.payments.values() if not p["reversed"]) == Decimal(
        "50.00"
    )
