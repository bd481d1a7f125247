"""The operator's view (docs/operations.md): /metrics a scraper reads and the
numbers move with what happens; /ready says whether to send traffic, and why
only to operators."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bootstrap import Container
from domain.identity.policy import Role
from infrastructure.metrics import StoreReadings, dramatiq_queue_depths
from infrastructure.tasks import make_broker
from interfaces.http.app import create_app
from tests.conftest import ADMIN_PASSWORD
from tests.e2e.api.conftest import SCRAPER, TOKEN
from tests.integration.faults.test_projector_outage import append_users, eventually
from tests.integration.faults.test_stopped_read_model import _squat, _stopped
from tests.support.world import world


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed as Prometheus parses it."""
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


EXPECTED_FAMILIES = {
    "estatelog_http_requests",
    "estatelog_http_request_duration_seconds",
    "estatelog_events_appended",
    "estatelog_login_failures",
    "estatelog_lockouts",
    "estatelog_db_pool_connections",
    "estatelog_db_pool_idle_connections",
    "estatelog_db_pool_max_connections",
    "estatelog_db_pool_waiting_requests",
    "estatelog_log_head_position",
    "estatelog_projection_lag_events",
    "estatelog_projection_lag_seconds",
    "estatelog_projection_failed",
    "estatelog_projection_retrying",
    "estatelog_outbox_pending_events",
    "estatelog_queue_depth",
    "estatelog_queue_dead_letters",
    "estatelog_store_up",
}


def test_metrics_answer_the_scrapers_token_or_an_operator_and_no_one_else(
    operated: TestClient,
) -> None:
    assert operated.get("/metrics").status_code == 401
    assert (
        operated.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    )
    assert operated.get("/metrics", headers=SCRAPER).status_code == 200
    admin = operated.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    operator = {"Authorization": f"Bearer {admin.json()['access_token']}"}
    assert operated.get("/metrics", headers=operator).status_code == 200


def test_metrics_parse_with_every_family_and_label_by_route_template(operated: TestClient) -> None:
    response = operated.get("/metrics", headers=SCRAPER)
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert families >= EXPECTED_FAMILIES, EXPECTED_FAMILIES - families

    before = scrape(operated)
    for _ in range(3):
        assert operated.get("/health").status_code == 200
    record = uuid.uuid4()
    assert operated.get(f"/api/v1/users/{record}").status_code == 401
    assert operated.get(f"/no/such/{record}").status_code == 404
    after = scrape(operated)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("estatelog_http_requests_total", method="GET", route="/health", status="200") == 3
    assert (
        moved("estatelog_http_request_duration_seconds_count", method="GET", route="/health") == 3
    )
    assert (
        moved(
            "estatelog_http_requests_total",
            method="GET",
            route="/api/v1/users/{user_id}",
            status="401",
        )
        == 1
    )
    assert (
        moved("estatelog_http_requests_total", method="GET", route="unmatched", status="404") == 1
    )
    assert str(record) not in operated.get("/metrics", headers=SCRAPER).text  # no ID is a label
    assert value(after, "estatelog_db_pool_max_connections", pool="read") == 4
    assert value(after, "estatelog_store_up", store="postgres") == 1
    assert value(after, "estatelog_store_up", store="redis") == 1
    assert ("estatelog_queue_depth", (("queue", "estatelog-alerts"),)) in after
    assert ("estatelog_outbox_pending_events", (("outbox", "alert_outbox"),)) in after


def test_appends_login_failures_and_a_lockout_move_their_counters(
    operated: TestClient, running: Container
) -> None:
    before = scrape(operated)
    head = running.event_log.head()
    append = operated.post(
        "/api/v1/auth/login", json={"username": "nobody-here", "password": "x" * 12}
    )
    assert append.status_code == 401
    for _ in range(running.settings.lockout_threshold):
        operated.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong" * 3})
    eventually(
        lambda: running.projector.position("user_directory") >= running.event_log.head(),
        10,
        "caught up",
    )
    after = scrape(operated)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    appended = sum(
        v - value(before, n, **dict(labels))
        for (n, labels), v in after.items()
        if n == "estatelog_events_appended_total"
    )
    assert appended == running.event_log.head() - head >= 1 + running.settings.lockout_threshold
    assert moved("estatelog_login_failures_total", user="unknown") == 1
    assert (
        moved("estatelog_login_failures_total", user="known") == running.settings.lockout_threshold
    )
    assert moved("estatelog_lockouts_total", by="policy") == 1
    assert value(after, "estatelog_log_head_position") == running.event_log.head()
    assert value(after, "estatelog_projection_lag_events", read_model="user_directory") == 0


def test_ready_says_only_ready_to_anyone_and_what_it_checked_to_an_operator(
    operated: TestClient, running: Container
) -> None:
    anonymous = operated.get("/ready")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ready"}
    world(running, "a-long-enough-secret").account("owner1", Role.OWNER)
    owner = operated.post(
        "/api/v1/auth/login", json={"username": "owner1", "password": "a-long-enough-secret"}
    )
    resident = {"Authorization": f"Bearer {owner.json()['access_token']}"}
    assert operated.get("/ready", headers=resident).json() == {"status": "ready"}
    assert operated.get("/metrics", headers=resident).status_code == 403
    detailed = operated.get("/ready", headers=SCRAPER).json()
    assert detailed["status"] == "ready"
    assert detailed["postgres"] == detailed["redis"] == detailed["read_models"] == "ok"
    assert "user_directory" in detailed["projections"]


def test_ready_fails_while_a_read_model_has_failed(
    operated: TestClient, running: Container
) -> None:
    _squat(running, "newcomer")
    world(running, "a-long-enough-secret").account("newcomer", Role.OWNER, display_name="N")
    eventually(lambda: _stopped(running, "user_directory"), 20, "the directory stopped")
    anonymous = operated.get("/ready")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "not ready"}  # no internals to anyone
    detailed = operated.get("/ready", headers=SCRAPER)
    assert detailed.status_code == 503
    assert detailed.json()["read_models"] == {"failed_or_lagging": ["user_directory"]}
    samples = scrape(operated)
    assert value(samples, "estatelog_projection_failed", read_model="user_directory") == 1


def test_ready_fails_while_a_read_model_lags_past_the_threshold(container: Container) -> None:
    """No projector runs here: the event waits, and its age passes the limit."""
    container.settings.ready_max_lag_seconds = 0.3
    container.projector.catch_up()
    with TestClient(create_app(container)) as client:
        assert client.get("/ready").status_code == 200
        append_users(container, 1)
        time.sleep(0.4)
        lagging = client.get("/ready")
        assert lagging.status_code == 503
        assert lagging.json() == {"status": "not ready"}
        container.projector.catch_up()
        assert client.get("/ready").status_code == 200


def test_a_store_the_scrape_cannot_reach_is_reported_not_a_failed_scrape(
    operated: TestClient, running: Container
) -> None:
    nowhere = make_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    nowhere.declare_queue("estatelog-alerts")
    readings = running.metrics.readings
    assert isinstance(readings, StoreReadings)
    readings.queue_depths = lambda: dramatiq_queue_depths(nowhere)
    samples = scrape(operated)
    assert value(samples, "estatelog_store_up", store="redis") == 0
    assert value(samples, "estatelog_store_up", store="postgres") == 1
    assert not any(name == "estatelog_queue_depth" for name, _ in samples)
    assert value(samples, "estatelog_projection_failed", read_model="user_directory") == 0
