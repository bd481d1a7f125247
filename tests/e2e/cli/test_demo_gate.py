"""The demo estate's gate (issue 17): a pass used in and out, one revoked, a
visitor still inside, and a forced door raising an alarm, seen through the API."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from application.estate_time import local_day
from bootstrap import Container
from interfaces.cli.demo import load_demo
from tests.conftest import bearer, login
from tests.e2e.cli.test_demo import PASSWORD, _get, _settled


def test_the_demo_gate_has_a_day_of_visitors_and_a_forced_door(
    client: TestClient, running: Container
) -> None:
    now = datetime.now(UTC)
    summary = load_demo(running, password=PASSWORD, now=now)
    assert summary.counts["visitor_passes"] == 3 and summary.counts["door_alarms"] == 1
    _settled(running)
    estate = str(summary.estate_id)
    guard = bearer(login(client, "hvg.gate", PASSWORD))

    passes = _get(client, guard, "/api/v1/visitor-passes", estate_id=estate)
    statuses = Counter(p["status"] for p in passes)
    assert statuses == {"used_up": 1, "revoked": 1, "inside": 1}, statuses
    assert all(p["visitor_name"] and "*" in p["visitor_name"] for p in passes)
    inside = _get(client, guard, f"/api/v1/estates/{estate}/visitors/inside")
    assert [p["visitor_name"] for p in inside] == ["C****** X*** L**"]

    # the estate's days the movements of the last eight hours fall on (its clock, not UTC's)
    days = sorted({local_day(now - timedelta(hours=h)).isoformat() for h in range(9)})
    log = [
        m
        for day in days
        for m in _get(client, guard, f"/api/v1/estates/{estate}/visitors/log", day=day)
    ]
    assert Counter(m["movement"] for m in log) == {"in": 2, "out": 1, "door": 1}

    alarms = _get(client, guard, "/api/v1/alarms", estate_id=estate, code="forced_open")
    assert [(a["severity"], a["status"]) for a in alarms] == [("major", "cleared")]

    owner = bearer(login(client, "hvg.linyu", PASSWORD))
    [mine] = _get(client, owner, "/api/v1/visitor-passes")
    assert (mine["status"], mine["entries_used"], mine["inside"]) == ("used_up", 1, False)
