"""A payment's cost in database round trips, counted where psycopg waits for
the server (``tests/support/round_trips.py``)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from domain.finance.account import account_id_for
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay, reverse
from tests.support.round_trips import counting

#: Issue 13's bound for one payment (ten before it).
MAX_ROUND_TRIPS = 5
#: What a payment naming its payer costs now: the caller kept from the last
#: request while Redis says their user is unchanged (decision 0035: no round
#: trip to PostgreSQL), the account read in one statement (snapshot and events)
#: when it is not cached, and the append with its commit in one pipeline. A
#: keyed payment adds the key's look-up and its answer, one statement each in
#: autocommit; its claim rides in the append's pipeline.
WARM, COLD, KEYED = 1, 2, 3
#: A payment naming no payer reads the unit's owners now from the unit's events
#: (decision 0021): one statement more.
OWNERS_NOW = 1


@pytest.fixture
def paid(fw: FinanceWorld) -> FinanceWorld:
    """Month 1 billed and unit 1 paid once: the first payment warms the
    connections (prepared statements) and the caches (the caller, unit 1's account)."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    bill(fw, "2026-01")
    fw.settle("finance_accounts")
    assert pay(fw, fw.units[0], "10.00").status_code == 201
    fw.settle("registry")
    return fw


def test_a_payment_makes_at_most_five_round_trips(
    paid: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = paid
    with counting(monkeypatch) as sent:
        response = pay(fw, fw.units[0], "20.00", payer_id=fw.people[0])
    assert response.status_code == 201, response.text
    assert sum(sent.values()) <= MAX_ROUND_TRIPS, dict(sent)
    assert sum(sent.values()) == WARM, dict(sent)
    assert sent["PIPELINE"] == 1, dict(sent)  # the append and its commit
    # The caller's user version and session's position (one read), then the
    # session's new written position after the commit (decision 0045).
    assert sent.redis == 2, sent.log


def test_a_payment_naming_no_payer_reads_the_units_owners_in_one_round_trip_more(
    paid: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = paid
    with counting(monkeypatch) as sent:
        response = pay(fw, fw.units[0], "20.00")
    assert response.status_code == 201, response.text
    # The owners' statement is prepared on its fifth run on a connection, which
    # may be this one: a round trip more, once per connection.
    assert sum(sent.values()) - sent["PREPARE"] == WARM + OWNERS_NOW <= MAX_ROUND_TRIPS, sent.log
    assert sent["PREPARE"] <= 1, sent.log


def test_a_payment_on_an_account_not_cached_reads_it_in_one_round_trip(
    paid: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = paid
    account_id = account_id_for(UUID(fw.units[1]))
    assert fw.container.event_log.recall(account_id) is None  # never loaded in this process
    with counting(monkeypatch) as sent:
        response = pay(fw, fw.units[1], "20.00", payer_id=fw.people[1])
    assert response.status_code == 201, response.text
    # The account's statement is prepared on the first connection that runs
    # it, which this one may be: a round trip more, once per connection.
    assert sum(sent.values()) - sent["PREPARE"] == COLD, sent.log
    assert sent["PREPARE"] <= 1, sent.log


def test_a_keyed_payment_claims_its_key_in_the_appends_round_trip(
    paid: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = paid
    headers = {**fw.finance.headers, "Idempotency-Key": "pay-unit-1-twenty"}
    path = f"/api/v1/finance/units/{fw.units[0]}/payments"
    body = {"amount": "20.00", "method": "cash", "reference": "SJ-0020", "payer_id": fw.people[0]}
    with counting(monkeypatch) as sent:
        response = fw.client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert sum(sent.values()) == KEYED, sent.log
    head = fw.container.event_log.head()
    retried = fw.client.post(path, json=body, headers=headers)
    assert retried.json() == response.json()  # the claim was committed with the payment
    assert fw.container.event_log.head() == head


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
    reverse(fw, fw.units[0], str(first), reason="keyed twice")
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
