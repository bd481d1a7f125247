"""The optional SMS one-time code after the password (R3.1).

The code goes out through a dramatiq job to an SMS gateway (here a fake one:
the gateway is the outside world); the challenge and the code's HMAC live in
Redis, never in the event log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dramatiq import Worker
from fastapi.testclient import TestClient

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.sms import SmsMessage
from tests.conftest import bearer, login

PASSWORD = "a-long-enough-password-1"
PHONE = "+86 138 0013 8000"


class FakeGateway:
    """Stands in for the SMS provider's API."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.arrived = threading.Condition()

    def send(self, phone: str, message: SmsMessage) -> None:
        with self.arrived:
            self.sent.append((phone, message.text))
            self.arrived.notify_all()

    def code_for(self, phone: str, nth: int = 1, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                mine = [t for p, t in self.sent if p == phone]
                if len(mine) >= nth:
                    return next(w for w in mine[nth - 1].split() if w.rstrip(";").isdigit())[:6]
                left = deadline - time.monotonic()
                assert left > 0, f"no SMS to {phone}: {self.sent}"
                self.arrived.wait(left)


@pytest.fixture
def gateway(running: Container) -> Iterator[FakeGateway]:
    fake = FakeGateway()
    running.code_sender.sms = fake
    worker = Worker(running.broker, worker_threads=1)
    worker.start()
    try:
        yield fake
    finally:
        worker.stop(timeout=5000)


def create(client: TestClient, admin: dict[str, str], username: str, phone: str | None) -> str:
    body: dict[str, Any] = {
        "username": username,
        "password": PASSWORD,
        "display_name": username.title(),
        "roles": ["owner"],
    }
    if phone:
        body["phone"] = phone
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def turn_on(client: TestClient, username: str) -> None:
    tokens = login(client, username, PASSWORD)
    response = client.post(
        "/api/v1/auth/second-factor",
        json={"enabled": True, "password": PASSWORD},
        headers=bearer(tokens),
    )
    assert response.status_code == 200, response.text


def first_step(client: TestClient, username: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["title"] == "Second factor required"
    assert body["second_factor"] == "sms"
    return body  # type: ignore[no-any-return]


def second_step(client: TestClient, challenge: str, code: str) -> Any:
    return client.post("/api/v1/auth/login/code", json={"challenge_id": challenge, "code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_with_the_code_from_the_phone_the_login_completes(
    client: TestClient, admin: dict[str, str], gateway: FakeGateway, running: Container
) -> None:
    create(client, admin, "kim", PHONE)
    turn_on(client, "kim")

    challenge = first_step(client, "kim")
    code = gateway.code_for(PHONE)
    tokens = second_step(client, challenge["challenge_id"], code)

    assert tokens.status_code == 200, tokens.text
    me = client.get("/api/v1/auth/me", headers=bearer(tokens.json()))
    assert me.json()["username"] == "kim"
    assert me.json()["second_factor"] == "sms"
    # Single use: the same code again is refused.
    again = second_step(client, challenge["challenge_id"], code)
    assert again.status_code == 401
    assert "expired" in again.json()["detail"]
    # The code is nowhere in the log; the challenge is an audited event.
    with running.pool.connection() as conn:
        (hits,) = conn.execute(
            f"SELECT count(*) FROM {EVENTS_TABLE} WHERE convert_from(state, 'UTF8') LIKE %s",
            [f"%{code}%"],
        ).fetchone()  # type: ignore[misc]
        topics = [
            r[0]
            for r in conn.execute(
                f"SELECT topic FROM {EVENTS_TABLE} ORDER BY notification_id"
            ).fetchall()
        ]
    assert hits == 0
    assert any(t.endswith("SecondFactorChallenged") for t in topics)


def test_wrong_codes_count_towards_the_lockout(
    client: TestClient, admin: dict[str, str], gateway: FakeGateway
) -> None:
    create(client, admin, "lee", PHONE)
    turn_on(client, "lee")
    challenge = first_step(client, "lee")["challenge_id"]
    code = gateway.code_for(PHONE)

    answers = [second_step(client, challenge, wrong(code)) for _ in range(5)]

    assert [a.status_code for a in answers] == [401] * 5
    assert answers[0].json()["detail"] == "wrong one-time code"
    # Five wrong codes end the challenge, and the fifth failure locked the account.
    assert "expired" in second_step(client, challenge, code).json()["detail"]
    relogin = client.post("/api/v1/auth/login", json={"username": "lee", "password": PASSWORD})
    assert "locked" in relogin.json()["detail"]
    history = client.get(
        "/api/v1/audit/events",
        params={"event_type": "LoginFailed", "after": answers[-1].json()["position"]},
        headers=admin,
    ).json()["items"]
    reasons = [e["details"]["reason"] for e in history]
    assert reasons.count("wrong one-time code") == 5


def test_turning_it_on_needs_a_phone_and_the_password(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    create(client, admin, "max", None)
    tokens = login(client, "max", PASSWORD)
    head = running.event_log.head()

    no_phone = client.post(
        "/api/v1/auth/second-factor",
        json={"enabled": True, "password": PASSWORD},
        headers=bearer(tokens),
    )
    assert no_phone.status_code == 422
    assert "phone" in no_phone.json()["detail"]
    assert running.event_log.head() == head

    bad_password = client.post(
        "/api/v1/auth/second-factor",
        json={"enabled": True, "password": "not-my-password-at-all"},
        headers=bearer(tokens),
    )
    assert bad_password.status_code == 422
    # A wrong password counts as a failed login, like changing the password.
    assert running.event_log.head() == head + 1


def test_turning_it_off_and_erasing_the_phone_both_end_it(
    client: TestClient, admin: dict[str, str], gateway: FakeGateway
) -> None:
    user_id = create(client, admin, "ned", PHONE)
    turn_on(client, "ned")
    challenge = first_step(client, "ned")["challenge_id"]
    tokens = second_step(client, challenge, gateway.code_for(PHONE)).json()

    off = client.post(
        "/api/v1/auth/second-factor",
        json={"enabled": False, "password": PASSWORD},
        headers=bearer(tokens),
    )
    assert off.status_code == 200, off.text
    assert login(client, "ned", PASSWORD)["access_token"]

    turn_on(client, "ned")
    first_step(client, "ned")
    erased = client.post(
        f"/api/v1/users/{user_id}/erase-personal-data",
        json={"reason": "asked to be forgotten"},
        headers=admin,
    )
    assert erased.status_code == 200, erased.text
    assert login(client, "ned", PASSWORD)["access_token"]
