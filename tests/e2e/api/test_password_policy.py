"""Which passwords may be set, by every path that sets one, and rehashing at login (R2.1).

Each refusal is a 422 problem naming the broken rule, and appends nothing.
"""

from __future__ import annotations

from typing import Any

import argon2
import pytest
import typer
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bootstrap import Container
from domain.identity.passwords import WeakPassword
from domain.identity.user import user_id_for
from infrastructure.passwords import MEMORY_COST, TIME_COST, Argon2Passwords
from interfaces.cli.main import ensure_first_admin
from tests.conftest import bearer, login

PASSWORD = "plum-blossom-courtyard-42"
NEW_PASSWORD = "lotus-pond-gatehouse-77"

# (password, rule): one example of each class of refusal.
REFUSED = [
    ("short-1!", "length"),
    ("Password2024!", "common"),
    ("p4ssw0rd-2024", "common"),
    ("iloveyou123456", "common"),
    ("monkeymonkey", "common"),
    ("correct-horse-battery-staple", "common"),
    ("aaaaaaaaaaaaaaa7", "repeated"),
    ("abab1abab1abab1", "repeated"),
    ("abcdefghijklmn", "sequence"),
    ("qwertyuiop123", "sequence"),
    ("98765432109876", "sequence"),
    ("my-name-is-LI.WEI-ok", "personal"),
    ("xq-liwei-harbour-7", "personal"),
    ("Zhangsan-harbour-7", "personal"),
]


def assert_refused(response: Any, rule: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    assert body["rule"] == rule, body
    assert body["title"] == "Invalid value"
    assert body["detail"].startswith("password: ")


def new_user(username: str, password: str) -> dict[str, Any]:
    return {
        "username": username,
        "password": password,
        "display_name": "Zhangsan Li",
        "roles": ["owner"],
    }


@pytest.mark.parametrize(("password", "rule"), REFUSED)
def test_registration_refuses_each_kind_of_weak_password_and_appends_nothing(
    client: TestClient, running: Container, admin: dict[str, str], password: str, rule: str
) -> None:
    head = running.event_log.head()
    response = client.post("/api/v1/users", json=new_user("li.wei", password), headers=admin)
    assert_refused(response, rule)
    assert running.event_log.head() == head
    assert running.identity.find("li.wei") is None


def test_a_change_and_an_admin_reset_apply_the_same_rules(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    created = client.post("/api/v1/users", json=new_user("li.wei", PASSWORD), headers=admin)
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    tokens = login(client, "li.wei", PASSWORD)
    head = running.event_log.head()
    for password, rule in REFUSED:
        changed = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": password},
            headers=bearer(tokens),
        )
        assert_refused(changed, rule)
        reset = client.post(
            f"/api/v1/users/{uid}/password", json={"new_password": password}, headers=admin
        )
        assert_refused(reset, rule)
    assert running.event_log.head() == head
    # The name the rule compares with is the sealed one, read back with the key.
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
    fine = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(tokens),
    )
    assert fine.status_code == 200, fine.text


def test_the_first_administrator_from_the_environment_obeys_the_rules(
    running: Container, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(running.settings, "admin_username", "root.admin")
    monkeypatch.setattr(running.settings, "admin_password", SecretStr("password123456"))
    with pytest.raises(typer.Exit):
        ensure_first_admin(running)
    assert "common or breached" in capsys.readouterr().err
    assert running.identity.find("root.admin") is None
    with pytest.raises(WeakPassword) as refused:
        running.identity.ensure_admin("root.admin", "root.admin-harbour-7")
    assert refused.value.rule == "personal"


def test_a_login_rehashes_a_hash_made_with_older_parameters_and_keeps_the_sessions(
    client: TestClient, running: Container, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An older release hashed with weaker parameters.
    monkeypatch.setattr(
        running.identity, "passwords", Argon2Passwords(time_cost=1, memory_cost=8192)
    )
    created = client.post("/api/v1/users", json=new_user("li.wei", PASSWORD), headers=admin)
    assert created.status_code == 201, created.text
    uid = user_id_for("li.wei")
    before = login(client, "li.wei", PASSWORD)  # same parameters: nothing to rehash
    old_hash = running.identity.get(uid).password_hash
    assert argon2.extract_parameters(old_hash).memory_cost == 8192
    version = running.identity.get(uid).version

    # The new release: the next good login stores a stronger hash.
    monkeypatch.setattr(running.identity, "passwords", Argon2Passwords())
    after = login(client, "li.wei", PASSWORD)
    user = running.identity.get(uid)
    params = argon2.extract_parameters(user.password_hash)
    assert (params.time_cost, params.memory_cost) == (TIME_COST, MEMORY_COST)
    assert user.password_hash != old_hash
    assert argon2.PasswordHasher().verify(user.password_hash, PASSWORD)
    events = [type(e).__name__ for e in running.event_log.repository.event_store.get(uid)]
    assert events[version:] == ["LoginSucceeded", "PasswordRehashed"]

    # Both sessions stay, and the password works as before.
    for tokens in (before, after):
        assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
    again = login(client, "li.wei", PASSWORD)
    assert running.identity.get(uid).password_hash == user.password_hash  # no second rehash
    assert client.get("/api/v1/auth/me", headers=bearer(again)).status_code == 200


def test_a_wrong_password_never_rehashes(
    client: TestClient, running: Container, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        running.identity, "passwords", Argon2Passwords(time_cost=1, memory_cost=8192)
    )
    created = client.post("/api/v1/users", json=new_user("li.wei", PASSWORD), headers=admin)
    assert created.status_code == 201, created.text
    old_hash = running.identity.get(user_id_for("li.wei")).password_hash
    monkeypatch.setattr(running.identity, "passwords", Argon2Passwords())
    wrong = client.post(
        "/api/v1/auth/login", json={"username": "li.wei", "password": "not-the-password-9"}
    )
    assert wrong.status_code == 401
    assert running.identity.get(user_id_for("li.wei")).password_hash == old_hash
