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
from typing import Any

import psycopg
import pytest

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
