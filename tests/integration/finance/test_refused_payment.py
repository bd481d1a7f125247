"""A refused payment leaves the cached account as it was (decision 0054).

A payment decides on a copy of this process's cached account (``recall``,
then a fresh ``get`` on the retry), and that copy shares with the cached one
everything a command cannot change. This one is refused after its copy took
the payment (the receipt's number is another unit's, found only when the
claim is read), so a copy that shared what it changed would leave the
payment in the cache for the next one to see."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from domain.finance.account import UnitAccount, account_id_for
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay
from tests.support.aggregates import typed


def _cached(fw: FinanceWorld, unit: str) -> UnitAccount:
    cache = fw.container.event_log.repository.cache
    assert cache is not None
    account = cache.get(account_id_for(UUID(unit)))
    assert isinstance(account, UnitAccount)
    return account


def test_a_payment_refused_after_its_copy_took_it_leaves_the_cached_account_unchanged(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    bill(fw, "2026-01")
    mine, other = fw.units[1], fw.units[0]
    assert pay(fw, other, "10.00", reference="SJ-0001").status_code == 201
    assert pay(fw, mine, "10.00", reference="SJ-0002").status_code == 201
    cached = _cached(fw, mine)
    as_it_was = typed(vars(cached))

    refused = pay(fw, mine, "30.00", reference="SJ-0001")  # the other unit's receipt

    assert refused.status_code == 409, refused.text
    assert _cached(fw, mine) is cached
    assert typed(vars(cached)) == as_it_was
    assert not cached.pending_events
    assert pay(fw, mine, "20.00", reference="SJ-0003").status_code == 201
    account = fw.container.finance.accounts.account(UUID(mine))
    assert account is not None and account.version == cached.version + 1
    assert sorted(p["amount"] for p in account.payments.values()) == [
        Decimal("10.00"),
        Decimal("20.00"),
    ]
