"""A read model that stopped: reads say so at once, and an operator resumes it without a rebuild."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

from domain.identity.policy import Role
from domain.identity.user import user_id_for
from infrastructure.bootstrap import Container
from infrastructure.settings import Settings
from tests.faults.test_projector_outage import eventually
from tests.replay.test_backup_restore import _cli


def _squat(container: Container, username: str) -> None:
    """A row already there for the user about to register: the directory's insert fails,
    as it would on every try (a bug, say, that a fix deployed later removes)."""
    with container.pool.connection() as conn:
        conn.execute(
            "INSERT INTO user_directory (user_id, username, display_name, roles, status, "
            "registered_at, updated_at, version) VALUES (%s, 'squatter', 'S', '{}', 'normal', "
            "now(), now(), 1)",
            [user_id_for(username)],
        )


def _stopped(container: Container, name: str) -> bool:
    return any(s.name == name and s.state == "failed" for s in container.projector.status())


def test_reads_of_a_stopped_read_model_answer_503_at_once_and_resume_brings_it_back(
    client: TestClient, admin: dict[str, str], running: Container, settings: Settings
) -> None:
    _squat(running, "newcomer")
    _, position = running.identity.register(
        username="newcomer",
        password="a-long-enough-secret",
        display_name="Newcomer",
        roles=[Role.OWNER],
    )
    eventually(lambda: _stopped(running, "user_directory"), 20, "the directory stopped")

    started = time.monotonic()
    waited = client.get(f"/api/v1/users?after={position}", headers=admin)
    assert time.monotonic() - started < 3  # not the 10 s wait and a 504
    assert waited.status_code == 503
    assert waited.headers["content-type"].startswith("application/problem+json")
    problem = waited.json()
    assert problem["read_model"] == "user_directory"
    assert problem["failed_position"] == position
    assert "error" not in problem  # for operators only (GET /api/v1/projections)
    assert client.get("/api/v1/users", headers=admin).status_code == 503
    assert client.get("/api/v1/audit/events", headers=admin).status_code == 200  # the others serve

    with running.pool.connection() as conn:  # the fix
        conn.execute("DELETE FROM user_directory WHERE username = 'squatter'")
    resumed = _cli(settings, "replay", "resume", "user_directory")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == {
        "resumed": "user_directory",
        "from_failed_position": position,
    }

    eventually(
        lambda: client.get(f"/api/v1/users?after={position}", headers=admin).status_code == 200,
        10,
        "the directory serves again",
    )
    names = [u["username"] for u in client.get("/api/v1/users", headers=admin).json()["items"]]
    assert "newcomer" in names
    again = _cli(settings, "replay", "resume", "user_directory")
    assert again.returncode == 1 and "had not stopped" in again.stderr


def test_a_command_that_checks_against_a_stopped_read_model_answers_503_at_once(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    """Addressing a message reads the user directory (whom may the sender
    address?): a stopped directory's rows are stale, so the check says so
    rather than deciding on them."""
    _squat(running, "addressee")
    user_id, _ = running.identity.register(
        username="addressee",
        password="a-long-enough-secret",
        display_name="Addressee",
        roles=[Role.OWNER],
    )
    eventually(lambda: _stopped(running, "user_directory"), 20, "the directory stopped")
    head = running.event_log.head()

    started = time.monotonic()
    sent = client.post(
        "/api/v1/notifications/messages",
        json={"recipient_id": str(user_id), "subject": "Hello", "body": "Water off at noon"},
        headers=admin,
    )
    assert time.monotonic() - started < 3
    assert sent.status_code == 503, sent.text
    assert sent.headers["content-type"].startswith("application/problem+json")
    assert sent.json()["read_model"] == "user_directory"
    assert running.event_log.head() == head
