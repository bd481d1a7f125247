"""Every request leaves one JSON log line an operator can find by the request id
the client saw, and no line carries a password or a phone number."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
import structlog
from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.cli.logs import configure_logging

PASSWORD = "Correct-Horse-Battery-9"
PHONE = "13912345678"


@pytest.fixture
def captured(running: Container) -> Iterator[io.StringIO]:
    """The service's log as ``estatelog serve`` writes it, into a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(running.settings, stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_logs_one_json_line_with_its_id_actor_route_status_and_duration(
    client: TestClient, admin: dict[str, str], captured: io.StringIO
) -> None:
    me = client.get("/api/v1/auth/me", headers={**admin, "X-Request-Id": "trace-me-1"})
    assert me.headers["x-request-id"] == "trace-me-1"
    client.get("/health")

    requests = [line for line in lines(captured) if line["event"] == "request"]
    [mine] = [line for line in requests if line.get("request_id") == "trace-me-1"]
    assert mine["actor"] == me.json()["id"]
    assert mine["route"] == "/api/v1/auth/me"
    assert mine["method"] == "GET"
    assert mine["status"] == 200
    assert isinstance(mine["duration_ms"], float) and mine["duration_ms"] > 0
    assert mine["level"] == "info" and mine["logger"] == "estatelog.requests"
    assert datetime.fromisoformat(str(mine["timestamp"])).utcoffset() is not None
    [health] = [line for line in requests if line["route"] == "/health"]
    assert health["actor"] is None and len(str(health["request_id"])) == 32


def test_no_password_or_phone_number_reaches_the_log(
    client: TestClient, admin: dict[str, str], captured: io.StringIO
) -> None:
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "resident9",
            "password": PASSWORD,
            "display_name": "Resident Nine",
            "roles": ["owner"],
            "phone": PHONE,
        },
    )
    assert created.status_code == 201, created.text
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "resident9", "password": PASSWORD}
        ).status_code
        == 200
    )
    for username, password in (("resident9", PASSWORD + "x"), (PHONE, PASSWORD)):
        assert (
            client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            ).status_code
            == 401
        )
    refused = client.post(  # refused input: the answer may quote it, the log may not
        "/api/v1/users",
        headers=admin,
        json={"username": "r10", "password": PASSWORD, "display_name": "R", "roles": ["owner"],
              "phone": PHONE + "#!"},
    )  # fmt: skip
    assert refused.status_code == 422

    text = captured.getvalue()
    assert sum(1 for line in lines(captured) if line["event"] == "request") >= 5
    assert PASSWORD not in text
    assert PHONE not in text


def test_a_field_named_like_a_secret_is_withheld_from_any_line(captured: io.StringIO) -> None:
    logging.getLogger("estatelog.anything").warning(
        "careless %s", "caller", extra={"password": PASSWORD, "phone": PHONE, "unit": "3-101"}
    )
    [line] = [line for line in lines(captured) if line["logger"] == "estatelog.anything"]
    assert line["event"] == "careless caller" and line["level"] == "warning"
    assert line["password"] == line["phone"] == "[withheld]"
    assert line["unit"] == "3-101"
