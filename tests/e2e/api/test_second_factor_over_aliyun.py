"""A second-factor login whose code goes out through Alibaba Cloud SMS, as settings choose.

The service is built from settings that name the provider (``ESTATELOG_SMS_PROVIDER=aliyun``)
and point it at a local stand-in of the provider's endpoint; the code the
stand-in received completes the login over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dramatiq import Worker
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bootstrap import Container
from infrastructure.aliyun_sms import AliyunSms
from infrastructure.settings import Settings
from tests.conftest import bearer
from tests.e2e.api.test_second_factor import PHONE, create, first_step, second_step, turn_on
from tests.support import fake_aliyun_sms as fake_module
from tests.support.fake_aliyun_sms import FakeAliyunSms, fake_aliyun_sms


@pytest.fixture
def provider() -> Iterator[FakeAliyunSms]:
    with fake_aliyun_sms() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, provider: FakeAliyunSms) -> Settings:
    return settings.model_copy(
        update={
            "sms_provider": "aliyun",
            "sms_aliyun_access_key_id": fake_module.KEY_ID,
            "sms_aliyun_access_key_secret": SecretStr(fake_module.SECRET),
            "sms_aliyun_sign_name": fake_module.SIGN_NAME,
            "sms_aliyun_template_login_code": "SMS_100001",
            "sms_aliyun_template_notice": "SMS_100002",
            "sms_aliyun_endpoint": provider.endpoint,
        }
    )


def test_the_code_arrives_through_the_provider_and_completes_the_login(
    client: TestClient, admin: dict[str, str], running: Container, provider: FakeAliyunSms
) -> None:
    assert isinstance(running.code_sender.sms, AliyunSms)
    create(client, admin, "kim", PHONE)
    turn_on(client, "kim")
    challenge = first_step(client, "kim")
    worker = Worker(running.broker, worker_threads=1)
    worker.start()
    try:
        (sent,) = provider.wait_for(1)
    finally:
        worker.stop(timeout=5000)

    assert sent["PhoneNumbers"] == "13800138000"
    assert sent["SignName"] == fake_module.SIGN_NAME
    tokens = second_step(client, challenge["challenge_id"], sent["TemplateParam"]["code"])
    assert tokens.status_code == 200, tokens.text
    me = client.get("/api/v1/auth/me", headers=bearer(tokens.json()))
    assert me.json()["username"] == "kim"
    # In the data directory no development outbox was written: the provider had it.
    assert not (running.settings.data_dir / "dev-sms.log").exists()
