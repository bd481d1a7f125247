from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD


def test_admin_logs_in_and_the_login_is_in_the_audit_trail_with_its_ip(client: TestClient) -> None:
    tokens = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == "admin"
    page = client.get(
        "/api/v1/audit/events",
        params={"event_type": "LoginSucceeded", "after": tokens["position"]},
        headers=headers,
    ).json()
    [event] = page["items"]
    assert event["position"] == tokens["position"]
    assert event["client_ip"] == "203.0.113.7"
    assert event["details"]["client_ip"] == "203.0.113.7"
