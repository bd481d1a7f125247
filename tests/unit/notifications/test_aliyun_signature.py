"""The Alibaba Cloud RPC signature against the provider's own worked example."""

from __future__ import annotations

from datetime import UTC, datetime

from infrastructure.aliyun_sms import AliyunSms, mainland_number, percent_encode, signature
from infrastructure.sms import SmsMessage


def test_the_signature_of_the_providers_documented_example() -> None:
    # The example of the provider's "signature mechanism" page: DescribeRegions
    # signed with the secret "testsecret" gives CT9X0VtwR86fNWSnsc6v8YGOjuE=.
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "TimeStamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert signature(params, "testsecret") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def test_percent_encoding_is_rfc_3986() -> None:
    assert percent_encode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff"
    assert percent_encode("悦") == "%E6%82%A6"


def test_a_request_carries_the_common_parameters_and_a_fresh_nonce() -> None:
    nonces = iter(["n-1", "n-2"])
    gateway = AliyunSms(
        access_key_id="id",
        access_key_secret="secret",
        sign_name="悦华物业",
        templates={"login_code": "SMS_1"},
        clock=lambda: datetime(2026, 12, 7, 5, 0, 1, tzinfo=UTC),
        nonce=lambda: next(nonces),
    )
    first = gateway.signed({"Action": "SendSms"})
    second = gateway.signed({"Action": "SendSms"})
    assert first["Timestamp"] == "2026-12-07T05:00:01Z"
    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert first["Signature"] != second["Signature"]
    unsigned = {k: v for k, v in first.items() if k != "Signature"}
    assert first["Signature"] == signature(unsigned, "secret")
    assert SmsMessage.login_code("123456").params == {"code": "123456"}
    gateway.close()


def test_mainland_numbers_lose_the_country_code() -> None:
    assert mainland_number("+86 138-1234-5678") == "13812345678"
    assert mainland_number("008613812345678") == "13812345678"
    assert mainland_number("13812345678") == "13812345678"
