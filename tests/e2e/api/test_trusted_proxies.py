"""Behind a reverse proxy, the client's address is the proxy's word only if the
proxy is trusted (``ESTATELOG_TRUSTED_PROXIES``); nobody else can name it."""

from __future__ import annotations

import httpx
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from bootstrap import Container
from domain.identity.alerts import UnknownUserLoginFailed
from interfaces.cli.proxies import proxy_options
from tests.support.served import served

TOPIC = get_topic(UnknownUserLoginFailed.Recorded)  # type: ignore[attr-defined]


def _failed_login_addresses(container: Container) -> list[str | None]:
    notes = container.event_log.recorder.select_notifications(1, 1000, topics=[TOPIC])
    mapper = container.event_log.mapper
    return [
        mapper.to_domain_event(
            StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        ).client_ip
        for n in notes
    ]


def _fail_login(base: str) -> None:
    answer = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": "nobody.here", "password": "not-the-password-1"},
        headers={"X-Forwarded-For": "203.0.113.7"},
        timeout=10,
    )
    assert answer.status_code == 401, answer.text


def test_a_trusted_proxy_names_the_client(running: Container) -> None:
    with served(running, **proxy_options("127.0.0.1, 10.0.0.0/8")) as base:
        _fail_login(base)
    assert _failed_login_addresses(running) == ["203.0.113.7"]


def test_by_default_no_one_may_name_the_client(running: Container) -> None:
    assert proxy_options("") == {"proxy_headers": False}
    with served(running, **proxy_options("")) as base:
        _fail_login(base)
    assert _failed_login_addresses(running) == ["127.0.0.1"]
