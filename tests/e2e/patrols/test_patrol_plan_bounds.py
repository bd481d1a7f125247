"""A plan's first shift is a day near today (found by an adversarial tester):
9999-12-31 made the scheduler raise OverflowError for every plan of the
company, 0001-01-01 made one run walk two thousand years. Both are refused
with a problem and nothing appended; a bad plan already stored is logged and
passed over, so the other plans still get their tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from domain.patrols.plan import PatrolPlan
from tests.conftest import bearer, login
from tests.e2e.patrols.test_patrol_story import ROUTE, ok, settle
from tests.support.clock import Clock
from tests.support.world import PASSWORD, world

API = "/api/v1"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _plan(client: TestClient, running: Container, clock: Clock) -> tuple[dict[str, Any], Any]:
    clock.fix(NOW)
    w = world(running, PASSWORD)
    estate = w.estate("PB", "Bound Gardens", "1 Bound Rd")
    w.user("pm.pb", Role.PROPERTY_MANAGER, estate)
    tech = w.user("tech.pb", Role.TECHNICIAN, estate)
    manager = bearer(login(client, "pm.pb", PASSWORD))
    route = ok(
        client.post(
            f"{API}/patrol-routes", json={**ROUTE, "estate_id": str(estate)}, headers=manager
        ),
        201,
    )
    plan = {
        "route_id": route["id"],
        "name": "Night",
        "assignee_id": str(tech),
        "shift_starts": "23:59",
        "shift_minutes": 1440,
        "first_shift_on": "2026-03-02",
    }
    return plan, manager


@pytest.mark.parametrize(
    "day", ["9999-12-31", "0001-01-01", "2999-12-31", "1900-01-01", "2024-12-31", "2030-01-01"]
)
def test_a_first_shift_far_from_today_is_refused(
    client: TestClient, running: Container, clock: Clock, day: str
) -> None:
    plan, manager = _plan(client, running, clock)
    head = running.event_log.head()
    refused = client.post(
        f"{API}/patrol-plans", json={**plan, "first_shift_on": day}, headers=manager
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "first_shift_on" in refused.text
    assert running.event_log.head() == head


def test_a_bad_stored_plan_does_not_stop_the_others(
    client: TestClient, running: Container, clock: Clock
) -> None:
    plan, manager = _plan(client, running, clock)
    good = ok(client.post(f"{API}/patrol-plans", json=plan, headers=manager), 201)
    stored = running.patrols.get(PatrolPlan, good["id"])
    # One written before the bound: its first shift at the end of the calendar.
    bad = PatrolPlan(
        id=running.ids(),
        estate_id=stored.estate_id,
        route_id=stored.route_id,
        name="Broken",
        assignee_id=stored.assignee_id,
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        shift_starts="23:59",
        shift_minutes=1440,
        timezone="Asia/Shanghai",
        first_shift_on=date(9999, 12, 31),
        at=NOW,
    )
    running.event_log.save_and_position(bad)
    settle(running)
    assert running.patrols.generate_tasks(NOW + timedelta(hours=14)) == 1
