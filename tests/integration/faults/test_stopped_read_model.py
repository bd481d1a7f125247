"""A read model that stopped: reads say so at once, and an operator resumes it without a rebuild."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from domain.identity.user import user_id_for
from domain.registry.ids import estate_id_for
from infrastructure.settings import Settings
from interfaces.http.consistency import STOPPED_CHECK_SECONDS
from tests.integration.faults.test_projector_outage import eventually
from tests.integration.replay.test_backup_restore import _cli
from tests.support.world import world


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
    _, position = world(running, "a-long-enough-secret").account(
        "newcomer", Role.OWNER, display_name="Newcomer"
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
    user_id, _ = world(running, "a-long-enough-secret").account(
        "addressee", Role.OWNER, display_name="Addressee"
    )
    eventually(lambda: _stopped(running, "user_directory"), 20, "the directory stopped")
    time.sleep(STOPPED_CHECK_SECONDS)  # the app rereads which stopped once a second
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


def test_a_resident_acting_for_their_unit_while_the_registry_is_stopped_gets_503(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    """Where a resident lives is read from the registry read model; a stopped
    one may still show a unit they left, so their requests answer 503."""
    from tests.e2e.api.test_object_scoping import make_user

    def created(path: str, body: Any) -> str:
        response = client.post(f"/api/v1/{path}", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    estate = created("estates", {"code": "EA", "name": "Estate A", "address": "A Rd"})
    building = created(f"estates/{estate}/buildings", {"code": "B1", "name": "Tower"})
    unit = created(
        f"buildings/{building}/units",
        {"number": "101", "floor": 1, "gross_area": "89.50", "internal_area": "72.30"},
    )
    login, resident, _ = make_user(client, admin, "owner.a", ["owner"])
    person = created(f"estates/{estate}/people", {"name": "Owner A", "user_id": login})
    moved = client.post(
        f"/api/v1/units/{unit}/move-in",
        json={"person_id": person, "relation": "owner", "on": "2026-01-05"},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    with running.pool.connection() as conn:  # the registry's insert of estate "EZ" fails
        conn.execute(
            "INSERT INTO registry_estates VALUES (%s, 'squat', 'S', 'x', now(), now(), 1)",
            [estate_id_for("EZ")],
        )
    created("estates", {"code": "EZ", "name": "Estate Z", "address": "Z Rd"})
    eventually(lambda: _stopped(running, "registry"), 20, "the registry stopped")
    time.sleep(STOPPED_CHECK_SECONDS)  # the app rereads which stopped once a second
    head = running.event_log.head()

    answers = [
        client.post(
            "/api/v1/workorders",
            json={"title": "Leak", "description": "kitchen", "unit_id": unit},
            headers=resident,
        ),
        client.post(
            "/api/v1/service-requests",
            json={
                "estate_id": estate,
                "unit_id": unit,
                "category": "cleaning",
                "description": "stairs",
            },
            headers=resident,
        ),
        client.get("/api/v1/announcement-board", headers=resident),
        client.get("/api/v1/finance/bills", headers=resident),
    ]
    for answer in answers:
        assert answer.status_code == 503, (answer.request.url, answer.text)
        assert answer.json()["read_model"] == "registry"
    assert running.event_log.head() == head
