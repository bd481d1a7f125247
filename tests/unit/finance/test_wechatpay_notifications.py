"""The WeChat Pay API v3 adapter verifies a notification the way the documentation says.

Against :class:`tests.support.wechatpay.FakeWechatPay`, whose keys are made
here: a genuine notification gives its transaction; every forgery, replay or
merchant mix-up is refused with the status the provider should see.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.finance.online.ports import BadNotification, BadSignature, MerchantMismatch
from infrastructure.settings import Settings
from infrastructure.wechatpay import WechatPayV3
from tests.support.wechatpay import FakeWechatPay

NOW = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
FAKE = FakeWechatPay()
ADAPTER = WechatPayV3.from_settings(Settings(**FAKE.settings()))
GENUINE = FAKE.notification("EL0001", 33600, NOW, transaction_id="4200000001202602031234567890")


def verify(headers: dict[str, str], body: bytes, now: datetime = NOW) -> object:
    assert ADAPTER is not None
    return ADAPTER.verify(headers, body, now)


def test_a_genuine_notification_gives_its_transaction() -> None:
    tx = verify(GENUINE.headers, GENUINE.body)
    assert tx.out_trade_no == "EL0001"  # type: ignore[attr-defined]
    assert tx.transaction_id == "4200000001202602031234567890"  # type: ignore[attr-defined]
    assert (tx.total, tx.currency, tx.success_time) == (33600, "CNY", NOW)  # type: ignore[attr-defined]


def test_header_names_are_case_insensitive_as_http_says() -> None:
    lowered = {k.lower(): v for k, v in GENUINE.headers.items()}
    assert verify(lowered, GENUINE.body).total == 33600  # type: ignore[attr-defined]


def test_without_any_part_of_the_configuration_online_payments_are_off() -> None:
    for missing in FAKE.settings():
        partial = {k: v for k, v in FAKE.settings().items() if k != missing}
        assert WechatPayV3.from_settings(Settings(**partial)) is None


@pytest.mark.parametrize("skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
def test_a_notification_older_or_newer_than_five_minutes_is_refused(skew: timedelta) -> None:
    with pytest.raises(BadSignature, match="Wechatpay-Timestamp"):
        verify(GENUINE.headers, GENUINE.body, NOW + skew)
    assert verify(GENUINE.headers, GENUINE.body, NOW + timedelta(minutes=5))


def test_a_replay_with_a_fresh_timestamp_no_longer_verifies() -> None:
    later = NOW + timedelta(hours=1)
    replayed = {**GENUINE.headers, "Wechatpay-Timestamp": str(int(later.timestamp()))}
    with pytest.raises(BadSignature, match="does not verify"):
        verify(replayed, GENUINE.body, later)


@pytest.mark.parametrize("header", ["Wechatpay-Signature", "Wechatpay-Serial", "Wechatpay-Nonce"])
def test_a_missing_signed_header_is_refused(header: str) -> None:
    headers = {k: v for k, v in GENUINE.headers.items() if k != header}
    with pytest.raises(BadSignature, match=header.lower()):
        verify(headers, GENUINE.body)


def test_a_forgers_key_or_an_unknown_serial_is_refused() -> None:
    forged = FAKE.signed(json.loads(GENUINE.body), NOW, key=FAKE.other_key())
    with pytest.raises(BadSignature, match="does not verify"):
        verify(forged.headers, forged.body)
    unknown = FAKE.signed(json.loads(GENUINE.body), NOW, serial="0000")
    with pytest.raises(BadSignature, match="not a configured key"):
        verify(unknown.headers, unknown.body)
    other_type = {**GENUINE.headers, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-SM2"}
    with pytest.raises(BadSignature, match="signature type"):
        verify(other_type, GENUINE.body)


def test_another_merchants_or_apps_payment_is_refused() -> None:
    for change in ({"mchid": "1900000999"}, {"appid": "wx0000000000000000"}):
        n = FAKE.signed(FAKE.envelope(FAKE.transaction("EL0001", 100, **change)), NOW)
        with pytest.raises(MerchantMismatch):
            verify(n.headers, n.body)


def test_signed_but_not_a_successful_decryptable_transaction_is_refused() -> None:
    resource = FAKE.transaction("EL0001", 100)
    cases = [
        FAKE.envelope(resource, event_type="REFUND.SUCCESS"),
        FAKE.envelope(resource, resource={**FAKE.encrypt(resource), "algorithm": "AES_128_CBC"}),
        FAKE.envelope(resource, resource=FAKE.encrypt(resource, key="k" * 32)),
        FAKE.envelope(FAKE.transaction("EL0001", 100, trade_state="NOTPAY")),
        FAKE.envelope(FAKE.transaction("EL0001", 100, amount={"total": "100"})),
        FAKE.envelope(FAKE.transaction("EL0001", 100, amount={"total": 0})),
        FAKE.envelope({"out_trade_no": "EL0001"}),
    ]
    for envelope in cases:
        n = FAKE.signed(envelope, NOW)
        with pytest.raises(BadNotification):
            verify(n.headers, n.body)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_tampered_byte_of_the_body_or_the_signature_is_refused(data: st.DataObject) -> None:
    signature = base64.b64decode(GENUINE.headers["Wechatpay-Signature"])
    target = data.draw(st.sampled_from(["body", "signature"]))
    raw = GENUINE.body if target == "body" else signature
    at = data.draw(st.integers(0, len(raw) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = raw[:at] + bytes([raw[at] ^ flip]) + raw[at + 1 :]
    headers, body = dict(GENUINE.headers), GENUINE.body
    if target == "body":
        body = tampered
    else:
        headers["Wechatpay-Signature"] = base64.b64encode(tampered).decode()
    with pytest.raises(BadSignature):
        verify(headers, body)


def test_the_local_order_call_answers_a_prepay_id_for_the_client() -> None:
    assert ADAPTER is not None
    prepay = ADAPTER.prepay("EL0001", 33600, "物业费", NOW)
    assert prepay.prepay_id.startswith("wx") and len(prepay.prepay_id) == 32
    assert prepay.client["package"] == f"prepay_id={prepay.prepay_id}"
    assert prepay.client["appId"] == FAKE.appid
