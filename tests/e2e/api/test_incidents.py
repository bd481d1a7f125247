"""Incidents in four levels and the administrators' alert inbox, over HTTP (R6.2, issue 16).

A route that raises is a level-4 incident, its count growing with each
repeat and nothing of the request in it; a read model that stops is a
level-2 incident whose one alert reaches the administrators' inbox; a broken
hash chain is a level-1 incident; administrators acknowledge and resolve
incidents and acknowledge alerts, auditors only read, others are refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from dramatiq import Worker
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from domain.operations.incidents import Level, Source
from infrastructure.eventstore.store import EVENTS_TABLE
from interfaces.http.app import create_app
from tests.conftest import ADMIN_PASSWORD, bearer, login
from tests.integration.faults.test_projector_outage import eventually
from tests.integration.faults.test_stopped_read_model import _squat, _stopped
from tests.integration.store.test_tamper_evidence import as_superuser_behind_the_triggers
from tests.support.world import world

PASSWORD = "a-long-enough-secret"
SECRET_NAME = "li.na-13800138000"


@pytest.fixture
def app_client(running: Container) -> Iterator[TestClient]:
    """The service's app with one more route that fails as a bug would, quoting
    the request in its message (an unexpected error answers 500, not raised)."""
    running.identity.ensure_admin("admin", ADMIN_PASSWORD)
    app = create_app(running)

    @app.get("/api/v1/broken/{name}")
    def broken(name: str) -> None:
        raise KeyError(f"no profile for {name}")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _as(client: TestClient, running: Container, username: str, role: Role) -> dict[str, str]:
    world(running, PASSWORD).account(username, role, display_name=username.title())
    return bearer(login(client, username, PASSWORD))


def _incidents(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/incidents", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_a_failing_route_is_a_level_4_incident_counted_without_the_request_in_it(
    app_client: TestClient, running: Container
) -> None:
    admin = bearer(login(app_client, "admin", ADMIN_PASSWORD))
    answer = app_client.get(f"/api/v1/broken/{SECRET_NAME}", headers=admin)
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert running.incidents.flush()

    [incident] = _incidents(app_client, admin, level=4, after=running.event_log.head())
    assert incident["level"] == 4 and incident["level_name"] == "minor_error"
    assert (incident["source"], incident["kind"]) == ("api", "KeyError")
    assert incident["where"] == "GET /api/v1/broken/{name}"
    assert (incident["status"], incident["occurrences"]) == ("recorded", 1)

    for _ in range(3):
        assert app_client.get(f"/api/v1/broken/{SECRET_NAME}", headers=admin).status_code == 500
    assert running.incidents.flush()
    after = running.event_log.head()
    one = app_client.get(f"/api/v1/incidents/{incident['id']}?after={after}", headers=admin)
    assert one.status_code == 200
    assert one.json()["occurrences"] == 4 and one.json()["total_occurrences"] == 4
    assert "li.na" not in one.text and "13800138000" not in one.text
    # Nor in the log: the stored events carry the type and the template only.
    with running.pool.connection() as conn:
        stored = conn.execute(
            f"SELECT count(*) FROM {EVENTS_TABLE} WHERE topic LIKE '%%Incident%%' "
            "AND position('13800138000' in encode(state, 'escape')) > 0"
        ).fetchone()
    assert stored == (0,)
    # A level-4 incident does not page the administrators.
    assert not any("AdminAlert" in n.topic for n in running.event_log.read(after=0, limit=1000))


def test_acknowledge_resolve_and_reopen_through_http(
    app_client: TestClient, running: Container
) -> None:
    admin = bearer(login(app_client, "admin", ADMIN_PASSWORD))
    auditor = _as(app_client, running, "auditor", Role.AUDITOR)
    clerk = _as(app_client, running, "clerk", Role.CUSTOMER_SERVICE)
    running.incidents.record(
        Level.DATA_ANOMALY, Source.SCHEDULER, "ValueError", "billing_run", "ValueError in a job"
    )
    assert running.incidents.flush()
    head = running.event_log.head()
    [incident] = _incidents(app_client, auditor, status="open", after=head)
    url = f"/api/v1/incidents/{incident['id']}"

    assert app_client.get("/api/v1/incidents", headers=clerk).status_code == 403
    assert app_client.get(url, headers=clerk).status_code == 403
    assert app_client.post(f"{url}/acknowledge", headers=auditor).status_code == 403
    missing = "/api/v1/incidents/00000000-0000-4000-8000-00000000dead/acknowledge"
    assert app_client.post(missing, headers=admin).status_code == 404
    assert app_client.post(f"{url}/acknowledge", headers=admin).status_code == 200
    again = app_client.post(f"{url}/acknowledge", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    for body in ({}, {"cause": "a bad rate"}, {"cause": " ", "action": "fixed"}):
        refused = app_client.post(f"{url}/resolve", json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.text)
    resolution = {"cause": "a rate without its end date", "action": "dated the rate"}
    resolved = app_client.post(f"{url}/resolve", json=resolution, headers=admin)
    assert resolved.status_code == 200
    assert app_client.post(f"{url}/resolve", json=resolution, headers=admin).status_code == 409
    view = app_client.get(f"{url}?after={resolved.json()['position']}", headers=auditor).json()
    assert (view["status"], view["cause"], view["action"]) == ("resolved", *resolution.values())
    assert view["acknowledged_by"] and view["resolved_by"]

    running.incidents.record(
        Level.DATA_ANOMALY, Source.SCHEDULER, "ValueError", "billing_run", "ValueError in a job"
    )
    assert running.incidents.flush()
    head = running.event_log.head()
    reopened = app_client.get(f"{url}?after={head}", headers=admin).json()
    assert (reopened["status"], reopened["episode"], reopened["occurrences"]) == ("recorded", 2, 1)
    assert reopened["total_occurrences"] == 2 and reopened["cause"] is None
    assert [i["id"] for i in _incidents(app_client, admin, status="resolved")] == []
    assert _incidents(app_client, admin, level=1) == []


def _inbox(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/alerts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_a_stopped_read_model_is_a_level_2_incident_with_one_alert_in_the_inbox(
    app_client: TestClient, running: Container
) -> None:
    admin = bearer(login(app_client, "admin", ADMIN_PASSWORD))
    auditor = _as(app_client, running, "auditor", Role.AUDITOR)
    _squat(running, "newcomer")
    world(running, PASSWORD).account("newcomer", Role.OWNER, display_name="Newcomer")
    eventually(lambda: _stopped(running, "user_directory"), 20, "the directory stopped")
    eventually(lambda: bool(_incidents(app_client, admin, level=2)), 20, "the incident is recorded")
    [incident] = _incidents(app_client, admin, level=2)
    assert (incident["source"], incident["kind"]) == ("projector", "read_model_stopped")
    assert incident["where"] == "user_directory"
    assert "squatter" not in str(incident) and "newcomer" not in str(incident)

    worker = Worker(running.broker, worker_threads=1)
    worker.start()
    try:
        eventually(lambda: bool(_inbox(app_client, admin)), 20, "the alert is delivered")
        time.sleep(0.5)  # had the incident raised a second alert, it would be here too
    finally:
        worker.stop()
    [alert] = _inbox(app_client, admin)
    assert alert["kind"] == "projection_failed" and alert["acknowledged_at"] is None
    assert app_client.get("/api/v1/alerts", headers=auditor).status_code == 403

    url = f"/api/v1/alerts/{alert['id']}/acknowledge"
    assert app_client.post(url, headers=auditor).status_code == 403
    done = app_client.post(url, headers=admin)
    assert done.status_code == 200
    assert app_client.post(url, headers=admin).status_code == 409
    after = done.json()["position"]
    assert _inbox(app_client, admin, acknowledged="false", after=after) == []
    [seen] = _inbox(app_client, admin, acknowledged="true", after=after)
    assert seen["acknowledged_by"] is not None


def test_a_broken_hash_chain_found_over_http_is_a_level_1_incident_with_an_alert(
    app_client: TestClient, running: Container
) -> None:
    admin = bearer(login(app_client, "admin", ADMIN_PASSWORD))
    as_superuser_behind_the_triggers(
        running.database_url,
        (f"UPDATE {EVENTS_TABLE} SET chain_hash = %s WHERE notification_id = 1", [bytes(32)]),
    )
    report = app_client.get("/api/v1/audit/integrity?full=true", headers=admin).json()
    assert report["ok"] is False
    assert running.incidents.flush()
    head = running.event_log.head()
    [incident] = _incidents(app_client, admin, level=1, after=head)
    assert (incident["kind"], incident["where"]) == ("hash_chain_broken", "event_log")
    assert "position 1" in incident["summary"]
    raised = [n for n in running.event_log.read(after=0, limit=1000) if "AdminAlert" in n.topic]
    [note] = raised
    event, _ = running.event_log.mapper_with_metadata.decode(note)
    assert str(event.subject_id) == incident["id"] and event.kind == "incident_hash_chain_broken"
