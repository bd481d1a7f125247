"""Issue 14, online payments: an owner's online payment exists only when WeChat Pay's
verified notification arrives (decision 0027).

The service is configured with a merchant whose keys the test makes
(:class:`~tests.support.wechatpay.FakeWechatPay`): the platform's RSA key
pair and the APIv3 key. An owner places an order through the API; the fake
provider then POSTs the encrypted, signed notification exactly as API v3
does. Success records one payment on the owner's account (method
``online``, reference the transaction ID) and posts Dr 1012 / Cr 1122; a
repeat or a concurrent copy records nothing more; every forgery, an unknown
order and a wrong amount answer a 4xx ``FAIL`` problem and record nothing.
A settlement clears 1012 to the bank less the provider's fee.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from domain.finance.accounts import BANK, ONLINE_CLEARING, PAYMENT_FEES, RECEIVABLES
from infrastructure.settings import Settings
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, pay
from tests.support.wechatpay import FakeWechatPay, Notification

NOTIFY = "/api/v1/finance/online-payments/wechatpay/notifications"
FAKE = FakeWechatPay()  # one RSA key pair for the module: making one takes a while


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with this merchant configured."""
    return Settings(**{**settings.model_dump(), **FAKE.settings()})


def billed(fw: FinanceWorld) -> dict[str, Any]:
    """January billed at 2.50/m² gross: unit 0 (100 m²) owes 250.00."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    [january] = account(fw, fw.units[0])["bills"]
    return january  # type: ignore[no-any-return]


def place(fw: FinanceWorld, body: dict[str, Any], unit: int = 0, status: int = 201) -> Any:
    response = fw.post(f"/finance/units/{fw.units[unit]}/payment-orders", fw.owners[unit], body)
    assert response.status_code == status, response.text
    return response.json()


def notify(fw: FinanceWorld, n: Notification) -> Any:
    return fw.client.post(NOTIFY, content=n.body, headers=n.headers)


def closing(fw: FinanceWorld) -> dict[str, D]:
    head = fw.container.event_log.head()
    trial = fw.get(
        "/finance/statements/trial-balance", fw.auditor, estate_id=fw.estate_id, after=head
    ).json()
    assert trial["totals"]["CNY"]["debit"] == trial["totals"]["CNY"]["credit"]
    return {r["account"]: D(str(r["closing"])) for r in trial["rows"]}


def refused(fw: FinanceWorld, n: Notification, status: int) -> dict[str, Any]:
    """The notification answers ``status`` with a FAIL problem and records nothing."""
    head = fw.container.event_log.head()
    body = assert_problem(notify(fw, n), status)
    assert body["code"] == "FAIL" and body["message"]
    assert fw.container.event_log.head() == head
    return body


def test_the_owners_paid_order_records_one_online_payment_dr_1012_cr_1122(
    fw: FinanceWorld,
) -> None:
    january = billed(fw)
    order = place(fw, {"bill_ids": [january["id"]]})
    assert D(order["amount"]) == D("250.00") and order["currency"] == "CNY"
    assert order["client"]["package"] == f"prepay_id={order['prepay_id']}"
    # Asking is not paying: the bill is still owed.
    assert D(str(account(fw, fw.units[0])["outstanding"])) == D("250.00")
    before = closing(fw)

    fw.clock.advance(timedelta(minutes=2))
    n = FAKE.notification(order["out_trade_no"], 25000, fw.clock(), transaction_id="4200000001")
    answer = notify(fw, n)
    assert answer.status_code == 204, answer.text

    after = account(fw, fw.units[0])
    [payment] = after["payments"]
    assert (payment["method"], payment["reference"]) == ("online", "4200000001")
    assert payment["payer_id"] == fw.people[0]  # the order's payer pays their own debt
    assert D(str(payment["amount"])) == D("250.00")
    assert D(str(after["outstanding"])) == 0
    books = closing(fw)
    assert books[ONLINE_CLEARING] == D("250.00")
    assert books[RECEIVABLES] == before[RECEIVABLES] - D("250.00")


def test_the_money_arrived_on_the_day_wechat_took_it_not_the_day_its_notice_came(
    fw: FinanceWorld,
) -> None:
    """到账日 is WeChat's success_time: paid late on 1 February (UTC), the notice
    retried until the 3rd, the payment is booked on the 3rd as received on the 1st."""
    billed(fw)
    order = place(fw, {"amount": "100.00"})
    paid_at = fw.clock() + timedelta(hours=14)
    fw.clock.advance(timedelta(days=2))
    resource = FAKE.transaction(
        order["out_trade_no"], 10000, transaction_id="4200000009", success_time=paid_at
    )
    answer = notify(fw, FAKE.signed(FAKE.envelope(resource), fw.clock()))
    assert answer.status_code == 204, answer.text
    [payment] = account(fw, fw.units[0])["payments"]
    assert (payment["booked_on"], payment["received_on"]) == ("2026-02-03", "2026-02-01")


def test_a_repeated_or_concurrent_notification_records_the_payment_once(
    fw: FinanceWorld,
) -> None:
    billed(fw)
    order = place(fw, {"amount": "100.00"})
    n = FAKE.notification(order["out_trade_no"], 10000, fw.clock(), transaction_id="4200000002")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: notify(fw, n), range(4)))
    assert [a.status_code for a in answers] == [204] * 4, [a.text for a in answers]
    head = fw.container.event_log.head()
    # The provider retries a notification it saw no answer to: success, nothing new.
    assert notify(fw, n).status_code == 204
    assert fw.container.event_log.head() == head
    payments = account(fw, fw.units[0])["payments"]
    assert [(p["reference"], D(str(p["amount"]))) for p in payments] == [
        ("4200000002", D("100.00"))
    ]
    assert closing(fw)[ONLINE_CLEARING] == D("100.00")


def test_every_kind_of_forgery_is_refused_and_records_nothing(
    fw: FinanceWorld, caplog: pytest.LogCaptureFixture
) -> None:
    billed(fw)
    order = place(fw, {"amount": "250.00"})
    now, no = fw.clock(), order["out_trade_no"]
    genuine = FAKE.notification(no, 25000, now, transaction_id="4200000003")
    envelope = json.loads(genuine.body)
    caplog.set_level(logging.WARNING)

    refused(fw, FAKE.signed(envelope, now, key=FAKE.other_key()), 401)  # a forger's key
    refused(fw, FAKE.signed(envelope, now, serial="FFFF"), 401)  # a key we do not hold
    stale = FAKE.notification(no, 25000, now - timedelta(minutes=6))
    refused(fw, stale, 401)  # old: replay protection
    tampered = Notification(genuine.headers, genuine.body.replace(b'"id":"EV', b'"id":"EX'))
    refused(fw, tampered, 401)
    unsigned = {k: v for k, v in genuine.headers.items() if not k.endswith("Signature")}
    refused(fw, Notification(unsigned, genuine.body), 401)
    other_merchant = FAKE.envelope(FAKE.transaction(no, 25000, mchid="1900000999"))
    refused(fw, FAKE.signed(other_merchant, now), 422)
    not_json = FAKE.signed({"event_type": "TRANSACTION.SUCCESS"}, now)
    refused(fw, not_json, 400)

    assert account(fw, fw.units[0])["payments"] == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "notification refused (BadSignature)" in logged
    assert "notification refused (MerchantMismatch)" in logged
    assert FAKE.apiv3_key not in logged and envelope["resource"]["ciphertext"] not in logged
    # The genuine one still pays afterwards.
    assert notify(fw, genuine).status_code == 204


def test_an_unknown_order_or_another_amount_is_refused(fw: FinanceWorld) -> None:
    billed(fw)
    order = place(fw, {"amount": "250.00"})
    now = fw.clock()
    body = refused(fw, FAKE.notification("EL" + "0" * 30, 25000, now), 404)
    assert "EL" + "0" * 30 in body["detail"]
    refused(fw, FAKE.notification(order["out_trade_no"], 24999, now), 422)
    refused(fw, FAKE.notification(order["out_trade_no"], 25001, now), 422)
    assert account(fw, fw.units[0])["payments"] == []
    # The order is paid once: a second transaction for it is a conflict.
    assert notify(fw, FAKE.notification(order["out_trade_no"], 25000, now)).status_code == 204
    refused(fw, FAKE.notification(order["out_trade_no"], 25000, now), 409)


def test_money_received_is_never_refused_when_the_bill_was_paid_meanwhile_or_the_order_expired(
    fw: FinanceWorld,
) -> None:
    january = billed(fw)
    order = place(fw, {"bill_ids": [january["id"]]})
    assert pay(fw, fw.units[0], "250.00").status_code == 201  # cash at the desk meanwhile
    fw.clock.advance(timedelta(hours=2))  # past the order's expiry, too
    n = FAKE.notification(order["out_trade_no"], 25000, fw.clock(), transaction_id="4200000009")
    assert notify(fw, n).status_code == 204
    after = account(fw, fw.units[0])
    assert D(str(after["credit"])) == D("250.00")  # the owner's money, kept as credit
    assert [p["method"] for p in after["payments"]] == ["cash", "online"]


def test_only_the_units_occupants_or_its_finance_staff_place_an_order(fw: FinanceWorld) -> None:
    january = billed(fw)
    head = fw.container.event_log.head()
    stranger = fw.post(
        f"/finance/units/{fw.units[0]}/payment-orders", fw.owners[1], {"amount": "1.00"}
    )
    assert_problem(stranger, 404)
    assert_problem(
        fw.post(f"/finance/units/{fw.units[0]}/payment-orders", fw.auditor, {"amount": "1.00"}), 403
    )
    other = fw.post(
        f"/finance/units/{fw.units[0]}/payment-orders", fw.other_finance, {"amount": "1.00"}
    )
    assert_problem(other, 404)
    # Bills of another unit, nothing to pay, part of a fen: refused.
    [theirs] = account(fw, fw.units[1])["bills"]
    assert_problem(
        fw.post(
            f"/finance/units/{fw.units[0]}/payment-orders",
            fw.owners[0],
            {"bill_ids": [theirs["id"]]},
        ),
        422,
    )
    assert_problem(fw.post(f"/finance/units/{fw.units[0]}/payment-orders", fw.owners[0], {}), 422)
    assert_problem(
        fw.post(f"/finance/units/{fw.units[0]}/payment-orders", fw.owners[0], {"amount": "0.001"}),
        422,
    )
    assert fw.container.event_log.head() == head
    at_the_counter = fw.post(
        f"/finance/units/{fw.units[0]}/payment-orders",
        fw.finance,
        {"bill_ids": [january["id"]]},
    )
    assert at_the_counter.status_code == 201, at_the_counter.text


def test_a_settlement_clears_1012_to_the_bank_less_the_providers_fee(fw: FinanceWorld) -> None:
    billed(fw)
    order = place(fw, {"amount": "250.00"})
    notified = notify(fw, FAKE.notification(order["out_trade_no"], 25000, fw.clock()))
    assert notified.status_code == 204
    path = f"/finance/estates/{fw.estate_id}/online-settlements"
    body = {"reference": "WXSETTLE-20260202", "settled_on": "2026-02-02", "gross": "250.00"}
    head = fw.container.event_log.head()
    assert_problem(fw.post(path, fw.owners[0], body), 403)
    assert_problem(fw.post(path, fw.other_finance, body), 404)
    assert_problem(fw.post(path, fw.finance, {**body, "fee": "250.00"}), 422)
    # A payout never clears more than the provider holds for the estate.
    more = assert_problem(fw.post(path, fw.finance, {**body, "gross": "250.01"}), 409)
    assert "250.00" in more["detail"]
    assert fw.container.event_log.head() == head

    fw.post(path, fw.finance, body, status=201)
    books = closing(fw)
    assert books[ONLINE_CLEARING] == 0  # nothing unsettled
    assert books[BANK] == D("248.50")  # 250.00 less 0.6%
    assert books[PAYMENT_FEES] == D("1.50")
    # In the cash flow the payout is a transfer between cash accounts; the fee alone is paid.
    head = fw.container.event_log.head()
    flow = fw.get(
        "/finance/statements/cash-flow", fw.auditor, estate_id=fw.estate_id, after=head
    ).json()["totals"]["CNY"]
    categories = {c["category"]: D(str(c["amount"])) for c in flow["categories"]}
    assert categories["other payments"] == D("-1.50")
    assert categories["transfers between cash accounts"] == 0
    assert "other receipts" not in categories
    # The same batch twice is one settlement.
    assert_problem(fw.post(path, fw.finance, {**body, "fee": "1.50"}), 409)


def test_two_settlements_at_once_never_clear_more_than_1012_holds(fw: FinanceWorld) -> None:
    """250.00 unsettled, and two payouts of 200.00 recorded at the same moment: each
    alone fits, both together would take 1012 below zero. One is recorded, the
    other is refused naming what is left, whichever thread comes first."""
    billed(fw)
    order = place(fw, {"amount": "250.00"})
    assert (
        notify(fw, FAKE.notification(order["out_trade_no"], 25000, fw.clock())).status_code == 204
    )
    path = f"/finance/estates/{fw.estate_id}/online-settlements"

    def settle(n: int) -> Any:
        body = {"reference": f"WXSETTLE-RACE-{n}", "settled_on": "2026-02-02", "gross": "200.00"}
        return fw.post(path, fw.finance, body)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(settle, range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert "50.00" in refused["detail"]  # what the first payout left unsettled
    books = closing(fw)
    assert books[ONLINE_CLEARING] == D("50.00")  # 250.00 less the one payout of 200.00
