"""Logging in and out over HTTP (R2.4, R2.5, R3.1), against real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import ROLE_PERMISSIONS, Role
from infrastructure.secrets import jwt_secret
from tests.conftest import ADMIN_PASSWORD, bearer, login
from tests.support.clock import Clock
from tests.support.pages import items

PASSWORD = "plum-blossom-courtyard-42"
NEW_PASSWORD = "lotus-pond-gatehouse-77"
AGENT = "EstatelogTestAgent/2.1 (pytest)"
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def clock(clock: Clock) -> Clock:
    """The container's clock, stopped now and moved by hand."""
    clock.fix(datetime.now(UTC))
    return clock


def create_user(
    client: TestClient, admin: dict[str, str], username: str, roles: list[str] | None = None
) -> str:
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": username.title(),
            "roles": roles or ["owner"],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def attempt(client: TestClient, username: str, password: str) -> Any:
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"User-Agent": AGENT},
    )


def me(client: TestClient, tokens: dict[str, Any]) -> Any:
    return client.get("/api/v1/auth/me", headers=bearer(tokens))


def refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert response.json()["status"] == 401


# ---- logging in -------------------------------------------------------------------


def test_login_returns_a_bearer_access_token_and_a_refresh_token(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "dora")

    response = attempt(client, "dora", PASSWORD)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].count(".") == 2  # a JWT
    assert body["refresh_token"]
    assert body["expires_in"] > 0
    assert body["position"] > 0
    assert me(client, body).json()["username"] == "dora"


def test_wrong_password_is_401_problem_json(client: TestClient, admin: dict[str, str]) -> None:
    create_user(client, admin, "dora")

    response = attempt(client, "dora", "not-the-password-at-all")

    assert_unauthenticated(response)
    assert response.json()["detail"] == "wrong username or password"
    assert "access_token" not in response.json()


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(
    client: TestClient,
) -> None:
    response = attempt(client, "nobody-here", "whatever-password-1")

    assert_unauthenticated(response)
    assert response.json()["detail"] == "wrong username or password"


def test_a_request_without_a_token_is_401(client: TestClient) -> None:
    assert_unauthenticated(client.get("/api/v1/auth/me"))


# ---- lockout ------------------------------------------------------------------------


def test_fifth_wrong_password_locks_the_account_alerts_admins_and_is_audited(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "erin")
    failures = [attempt(client, "erin", f"wrong-guess-number-{i}") for i in range(5)]
    for response in failures:
        assert_unauthenticated(response)

    sixth = attempt(client, "erin", PASSWORD)

    assert_unauthenticated(sixth)
    assert "locked" in sixth.json()["detail"]
    position = sixth.json()["position"]

    locks = client.get(
        "/api/v1/audit/events",
        params={"event_type": "AccountLocked", "aggregate_id": user_id, "after": position},
        headers=admin,
    ).json()["items"]
    [locked] = locks
    assert locked["aggregate_type"] == "User"
    assert locked["details"]["by"] is None  # automatic
    assert locked["details"]["until"] is not None
    assert locked["client_ip"] == "203.0.113.7"
    assert locked["user_agent"] == AGENT

    alerts = client.get(
        "/api/v1/audit/events",
        params={"aggregate_type": "AdminAlert", "event_type": "Raised", "after": position},
        headers=admin,
    ).json()["items"]
    [alert] = alerts
    assert alert["details"]["kind"] == "account_locked"
    assert alert["details"]["subject_id"] == user_id

    history = items(
        client.get(f"/api/v1/users/{user_id}/logins", params={"after": position}, headers=admin)
    )
    assert [row["outcome"] for row in history] == ["failed"] * 6  # newest first
    assert [row["reason"] for row in history] == ["locked"] + ["wrong password"] * 5
    for row in history:
        assert row["client_ip"] == "203.0.113.7"
        assert row["user_agent"] == AGENT


def test_four_wrong_passwords_still_let_the_right_one_in(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "erin")
    for i in range(4):
        assert_unauthenticated(attempt(client, "erin", f"wrong-guess-number-{i}"))

    assert attempt(client, "erin", PASSWORD).status_code == 200


def test_the_directory_shows_an_automatic_lock_ended_once_its_cool_down_has(
    client: TestClient, admin: dict[str, str], clock: Clock, running: Container
) -> None:
    user_id = create_user(client, admin, "erin")
    cooldown = timedelta(seconds=running.settings.lockout_cooldown_seconds)
    # Fail five times, as if a cool-down and a minute ago: the lock has ended
    # by now, though nobody has tried to log in since.
    clock.now = datetime.now(UTC) - cooldown - timedelta(minutes=1)
    for i in range(5):
        last = attempt(client, "erin", f"wrong-guess-number-{i}")

    def status(*filter_: str) -> list[str]:
        response = client.get(
            "/api/v1/users",
            params={"after": last.json()["position"], **dict([filter_] if filter_ else [])},
            headers=admin,
        )
        return [u["status"] for u in response.json()["items"] if u["id"] == user_id]

    assert status() == ["normal"]
    assert status("status", "locked") == []
    assert status("status", "normal") == ["normal"]


def test_after_the_cool_down_the_right_password_logs_in_again(
    client: TestClient, admin: dict[str, str], clock: Clock, running: Container
) -> None:
    create_user(client, admin, "erin")
    for i in range(5):
        attempt(client, "erin", f"wrong-guess-number-{i}")
    clock.advance(timedelta(seconds=running.settings.lockout_cooldown_seconds - 1))
    assert "locked" in attempt(client, "erin", PASSWORD).json()["detail"]

    clock.advance(timedelta(seconds=1))
    tokens = login(client, "erin", PASSWORD)

    assert me(client, tokens).status_code == 200
    unlocks = client.get(
        "/api/v1/audit/events",
        params={"event_type": "AccountUnlocked", "after": tokens["position"]},
        headers=admin,
    ).json()["items"]
    assert [(e["details"]["reason"], e["details"]["by"]) for e in unlocks] == [
        ("cool-down elapsed", None)
    ]


def test_wrong_passwords_spread_over_more_than_the_window_do_not_lock(
    client: TestClient, admin: dict[str, str], clock: Clock
) -> None:
    create_user(client, admin, "erin")

    for i in range(8):
        assert_unauthenticated(attempt(client, "erin", f"wrong-guess-number-{i}"))
        clock.advance(timedelta(minutes=4))

    assert attempt(client, "erin", PASSWORD).status_code == 200


def test_an_administrators_unlock_lets_a_locked_user_log_in(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "erin")
    for i in range(5):
        attempt(client, "erin", f"wrong-guess-number-{i}")
    assert "locked" in attempt(client, "erin", PASSWORD).json()["detail"]

    unlocked = client.post(f"/api/v1/users/{user_id}/unlock", headers=admin)

    assert unlocked.status_code == 200, unlocked.text
    tokens = login(client, "erin", PASSWORD)
    assert me(client, tokens).status_code == 200
    view = client.get(
        f"/api/v1/users/{user_id}", params={"after": tokens["position"]}, headers=admin
    ).json()
    assert view["status"] == "normal"


def test_an_automatic_lock_leaves_the_real_users_session_working(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "erin")
    tokens = login(client, "erin", PASSWORD)

    for i in range(5):
        attempt(client, "erin", f"wrong-guess-number-{i}")

    assert "locked" in attempt(client, "erin", PASSWORD).json()["detail"]
    assert me(client, tokens).status_code == 200


def test_an_administrators_lock_ends_the_users_session_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "erin")
    tokens = login(client, "erin", PASSWORD)

    locked = client.post(
        f"/api/v1/users/{user_id}/lock", json={"reason": "lost laptop"}, headers=admin
    )

    assert locked.status_code == 200, locked.text
    assert_unauthenticated(me(client, tokens))
    assert "locked" in attempt(client, "erin", PASSWORD).json()["detail"]


def test_an_administrator_can_harden_an_automatic_lock_and_end_the_kept_session(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "erin")
    kept = login(client, "erin", PASSWORD)
    for i in range(5):
        attempt(client, "erin", f"wrong-guess-number-{i}")
    assert me(client, kept).status_code == 200

    locked = client.post(
        f"/api/v1/users/{user_id}/lock", json={"reason": "looks like an attack"}, headers=admin
    )

    assert locked.status_code == 200, locked.text
    assert_unauthenticated(me(client, kept))


# ---- sessions -------------------------------------------------------------------------


def test_logout_ends_the_access_token_and_its_refresh_token(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "fay")
    tokens = login(client, "fay", PASSWORD)
    assert me(client, tokens).status_code == 200

    out = client.post("/api/v1/auth/logout", headers={**bearer(tokens), "User-Agent": AGENT})

    assert out.status_code == 200, out.text
    assert_unauthenticated(me(client, tokens))
    assert_unauthenticated(refresh(client, tokens["refresh_token"]))
    history = items(
        client.get(
            f"/api/v1/users/{user_id}/logins",
            params={"after": out.json()["position"]},
            headers=admin,
        )
    )
    assert history[0]["outcome"] == "logged_out"
    assert history[0]["user_agent"] == AGENT


def test_logout_leaves_the_users_other_sessions_alone(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "fay")
    phone = login(client, "fay", PASSWORD)
    laptop = login(client, "fay", PASSWORD)

    client.post("/api/v1/auth/logout", headers=bearer(phone))

    assert_unauthenticated(me(client, phone))
    assert me(client, laptop).status_code == 200


def test_a_password_change_ends_the_session_and_only_the_new_password_works(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "gus")
    tokens = login(client, "gus", PASSWORD)
    other = login(client, "gus", PASSWORD)

    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(tokens),
    )

    assert changed.status_code == 200, changed.text
    assert_unauthenticated(me(client, tokens))
    assert_unauthenticated(me(client, other))
    assert_unauthenticated(refresh(client, tokens["refresh_token"]))
    assert_unauthenticated(attempt(client, "gus", PASSWORD))
    assert me(client, login(client, "gus", NEW_PASSWORD)).status_code == 200


def test_a_password_change_with_the_wrong_current_password_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "gus")
    tokens = login(client, "gus", PASSWORD)

    refused = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-my-password-1", "new_password": NEW_PASSWORD},
        headers=bearer(tokens),
    )

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert me(client, tokens).status_code == 200
    assert login(client, "gus", PASSWORD)["access_token"]


def test_a_too_short_new_password_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    create_user(client, admin, "gus")
    tokens = login(client, "gus", PASSWORD)

    refused = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "short1"},
        headers=bearer(tokens),
    )

    assert refused.status_code == 422
    assert me(client, tokens).status_code == 200


def test_disabling_a_user_makes_their_token_401_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "hal")
    tokens = login(client, "hal", PASSWORD)
    assert me(client, tokens).status_code == 200

    disabled = client.post(
        f"/api/v1/users/{user_id}/disable", json={"reason": "left the company"}, headers=admin
    )

    assert disabled.status_code == 200, disabled.text
    assert_unauthenticated(me(client, tokens))
    assert_unauthenticated(refresh(client, tokens["refresh_token"]))
    refused = attempt(client, "hal", PASSWORD)
    assert_unauthenticated(refused)
    assert "disabled" in refused.json()["detail"]


def test_a_wrong_password_never_learns_that_an_account_is_locked_or_disabled(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "ivy")
    for i in range(5):
        attempt(client, "ivy", f"wrong-guess-number-{i}")
    disabled_id = create_user(client, admin, "jon")
    client.post(f"/api/v1/users/{disabled_id}/disable", json={"reason": "left"}, headers=admin)

    unknown = attempt(client, "nobody-here", "some-wrong-password").json()["detail"]
    assert attempt(client, "ivy", "another-wrong-guess").json()["detail"] == unknown
    assert attempt(client, "jon", "another-wrong-guess").json()["detail"] == unknown
    assert "locked" in attempt(client, "ivy", PASSWORD).json()["detail"]


# ---- refresh tokens ------------------------------------------------------------------------


def test_a_refresh_token_rotates_into_a_new_working_pair(
    client: TestClient, admin: dict[str, str]
) -> None:
    create_user(client, admin, "ivy")
    first = login(client, "ivy", PASSWORD)

    rotated = refresh(client, first["refresh_token"])

    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert me(client, second).json()["username"] == "ivy"
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200, third.text


def test_reusing_a_spent_refresh_token_revokes_the_whole_session(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "ivy")
    first = login(client, "ivy", PASSWORD)
    second = refresh(client, first["refresh_token"]).json()

    reused = refresh(client, first["refresh_token"])

    assert_unauthenticated(reused)
    assert "revoked" in reused.json()["detail"]
    assert_unauthenticated(refresh(client, second["refresh_token"]))
    assert_unauthenticated(me(client, second))
    revoked = client.get(
        "/api/v1/audit/events",
        params={
            "event_type": "SessionRevoked",
            "aggregate_id": user_id,
            "after": reused.json()["position"],
        },
        headers=admin,
    ).json()["items"]
    assert [e["details"]["reason"] for e in revoked] == ["refresh token reused"]


def test_a_tampered_refresh_token_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    create_user(client, admin, "ivy")
    tokens = login(client, "ivy", PASSWORD)
    user_hex, session_id, generation, mac = tokens["refresh_token"].split(".")

    forged = f"{user_hex}.{session_id}.{int(generation) + 1}.{mac}"

    assert_unauthenticated(refresh(client, forged))
    assert_unauthenticated(refresh(client, "not-a-refresh-token"))
    assert refresh(client, tokens["refresh_token"]).status_code == 200  # the real one still works


# ---- access tokens ---------------------------------------------------------------------------


def claims_of(running: Container, tokens: dict[str, Any]) -> dict[str, Any]:
    return jwt.decode(
        tokens["access_token"],
        jwt_secret(running.settings),
        algorithms=["HS256"],
        audience=running.settings.jwt_audience,
    )


def with_token(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_signed_like_the_server_signs_is_accepted(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    """The control for the forgeries below: the forging itself is sound."""
    claims = claims_of(running, login(client, "admin", ADMIN_PASSWORD))

    token = jwt.encode(claims, jwt_secret(running.settings), algorithm="HS256")

    assert client.get("/api/v1/auth/me", headers=with_token(token)).status_code == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda claims, secret: jwt.encode(claims, "", algorithm="none"), id="none"),
        pytest.param(
            lambda claims, secret: jwt.encode(claims, secret, algorithm="HS512"), id="HS512"
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(claims, b"x" * 32, algorithm="HS256"),
            id="other-secret",
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(
                {**claims, "aud": "someone-else"}, secret, algorithm="HS256"
            ),
            id="wrong-audience",
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(
                {**claims, "iss": "someone-else"}, secret, algorithm="HS256"
            ),
            id="wrong-issuer",
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(
                {**claims, "exp": datetime.now(UTC) - timedelta(seconds=1)},
                secret,
                algorithm="HS256",
            ),
            id="expired",
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(
                {k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256"
            ),
            id="no-expiry",
        ),
        pytest.param(
            lambda claims, secret: jwt.encode(
                {**claims, "sid": "a-session-never-opened"}, secret, algorithm="HS256"
            ),
            id="unknown-session",
        ),
    ],
)
def test_a_forged_or_stale_access_token_is_refused(
    client: TestClient, admin: dict[str, str], running: Container, forge: Any
) -> None:
    claims = claims_of(running, login(client, "admin", ADMIN_PASSWORD))

    token = forge(claims, jwt_secret(running.settings))

    assert_unauthenticated(client.get("/api/v1/auth/me", headers=with_token(token)))


# ---- roles take effect on the next request ------------------------------------------------------


def test_a_revoked_role_stops_working_on_the_next_request(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "jan", roles=["owner"])
    tokens = login(client, "jan", PASSWORD)
    assert client.get("/api/v1/audit/events", headers=bearer(tokens)).status_code == 403

    granted = client.post(f"/api/v1/users/{user_id}/roles", json={"role": "auditor"}, headers=admin)
    assert granted.status_code == 200, granted.text
    assert client.get("/api/v1/audit/events", headers=bearer(tokens)).status_code == 200

    revoked = client.delete(f"/api/v1/users/{user_id}/roles/auditor", headers=admin)

    assert revoked.status_code == 200, revoked.text
    denied = client.get("/api/v1/audit/events", headers=bearer(tokens))
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith(PROBLEM_JSON)
    assert me(client, tokens).json()["permissions"] == sorted(
        {str(p) for p in ROLE_PERMISSIONS[Role.OWNER]} | {"session:manage:own"}
    )


def test_granting_a_role_the_user_already_has_is_a_conflict(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "jan", roles=["owner"])

    again = client.post(f"/api/v1/users/{user_id}/roles", json={"role": "owner"}, headers=admin)

    assert again.status_code == 409
    assert again.headers["content-type"].startswith(PROBLEM_JSON)


def test_guessing_the_current_password_counts_towards_the_lockout(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "hal")
    tokens = login(client, "hal", PASSWORD)
    for _ in range(5):
        refused = client.post(
            "/api/v1/auth/password",
            json={"current_password": "a-guess-at-it-123", "new_password": NEW_PASSWORD},
            headers=bearer(tokens),
        )
        assert refused.status_code == 422
    locked = client.post("/api/v1/auth/login", json={"username": "hal", "password": PASSWORD})
    assert locked.status_code == 401
    assert "locked" in locked.json()["detail"]
    history = items(
        client.get(
            f"/api/v1/users/{user_id}/logins",
            params={"after": locked.json()["position"]},
            headers=admin,
        )
    )
    assert [h["reason"] for h in history[:6]] == ["locked"] + ["wrong password"] * 5


def test_a_password_keeps_its_spaces(client: TestClient, admin: dict[str, str]) -> None:
    spaced = "  spaces at both ends  "
    response = client.post(
        "/api/v1/users",
        json={"username": "ivy", "password": spaced, "display_name": "Ivy", "roles": ["owner"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "ivy", "password": spaced.strip()}
        ).status_code
        == 401
    )
    assert login(client, "ivy", spaced)["access_token"]


def test_a_user_with_every_role_revoked_can_still_log_out(
    client: TestClient, admin: dict[str, str]
) -> None:
    user_id = create_user(client, admin, "jay")
    tokens = login(client, "jay", PASSWORD)
    assert client.delete(f"/api/v1/users/{user_id}/roles/owner", headers=admin).status_code == 200
    assert client.get(f"/api/v1/users/{user_id}", headers=bearer(tokens)).status_code == 403
    assert me(client, tokens).json()["permissions"] == ["session:manage:own"]
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 200
    assert me(client, tokens).status_code == 401
