"""Alibaba Cloud SMS as the gateway: the adapter against a local stand-in of the provider."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from infrastructure.aliyun_sms import AliyunSms
from infrastructure.settings import Settings
from infrastructure.sms import DevelopmentSmsOutbox, SmsDeferred, SmsMessage, SmsRefused
from tests.support import fake_aliyun_sms as fake_module
from tests.support.fake_aliyun_sms import FakeAliyunSms, fake_aliyun_sms


def gateway(fake: FakeAliyunSms, secret: str = fake_module.SECRET) -> AliyunSms:
    return AliyunSms(
        access_key_id=fake_module.KEY_ID,
        access_key_secret=secret,
        sign_name=fake_module.SIGN_NAME,
        templates={"login_code": "SMS_100001", "notice": "SMS_100002"},
        endpoint=fake.endpoint,
        timeout=5.0,
    )


def test_a_message_goes_out_signed_with_its_template_and_variables() -> None:
    with fake_aliyun_sms() as fake:
        sms = gateway(fake)
        sms.send("+86 138 1234 5678", SmsMessage.login_code("042137"))
        sms.send("13812345678", SmsMessage.notice("停水通知", "明天 9:00-12:00 停水"))
        first, second = fake.wait_for(2)
    assert first["PhoneNumbers"] == "13812345678"
    assert first["TemplateCode"] == "SMS_100001"
    assert first["TemplateParam"] == {"code": "042137"}
    assert second["TemplateParam"] == {"title": "停水通知", "body": "明天 9:00-12:00 停水"}
    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert fake.refused == []


def test_a_wrong_secret_or_number_is_refused_for_good() -> None:
    with fake_aliyun_sms() as fake:
        with pytest.raises(SmsRefused, match="SignatureDoesNotMatch"):
            gateway(fake, secret="not-the-secret").send("13812345678", SmsMessage.login_code("1"))
        with pytest.raises(SmsRefused, match="MOBILE_NUMBER_ILLEGAL"):
            gateway(fake).send(fake_module.UNREACHABLE_NUMBER, SmsMessage.login_code("1"))
        assert fake.accepted == []


def test_throttling_and_an_unreachable_gateway_are_worth_another_try() -> None:
    with fake_aliyun_sms() as fake:
        fake.throttle_next = 1
        with pytest.raises(SmsDeferred, match="BUSINESS_LIMIT_CONTROL"):
            gateway(fake).send("13812345678", SmsMessage.login_code("1"))
        gateway(fake).send("13812345678", SmsMessage.login_code("1"))
        assert len(fake.wait_for(1)) == 1
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    nowhere = AliyunSms(
        access_key_id="id",
        access_key_secret="s",
        sign_name="n",
        templates={"login_code": "SMS_1"},
        endpoint=f"http://127.0.0.1:{port}",
        timeout=2.0,
    )
    with pytest.raises(SmsDeferred, match="did not answer"):
        nowhere.send("13812345678", SmsMessage.login_code("1"))


def test_the_aliyun_provider_needs_every_one_of_its_settings(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(data_dir=tmp_path, sms_provider="aliyun", sms_aliyun_access_key_id="id")
    message = str(refused.value)
    assert "ESTATELOG_SMS_ALIYUN_ACCESS_KEY_SECRET" in message
    assert "ESTATELOG_SMS_ALIYUN_TEMPLATE_LOGIN_CODE" in message
    assert "ESTATELOG_SMS_ALIYUN_ACCESS_KEY_ID" not in message


def test_the_development_outbox_keeps_no_number(tmp_path: Path) -> None:
    outbox = DevelopmentSmsOutbox(tmp_path / "dev-sms.log")
    outbox.send("13812345678", SmsMessage.login_code("042137"))
    written = (tmp_path / "dev-sms.log").read_text()
    assert "138****5678" in written
    assert "042137" in written
    assert "13812345678" not in written
