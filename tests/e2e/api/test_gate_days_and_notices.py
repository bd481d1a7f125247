"""The gate as a resident, a guard and an auditor expect it (issue 17's gaps):
the resident who issued a pass is told when their visitor checks in (the front
desk's pass tells the unit's residents); the day's log is the estate's local
day; a pass read as of a position is judged at that position's moment."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_as_of_reads import _ready
from tests.e2e.api.test_gate import gate, issue
from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.notifications.support import working
from tests.support.clock import Clock
from tests.support.estate_world import Actor, World, ok, settle

API = "/api/v1"
ARRIVED = "Your visitor has arrived"


def _arrivals(client: TestClient, who: Actor, expected: int) -> list[dict[str, Any]]:
    """The arrival notices in ``who``'s inbox, once ``expected`` of them are there."""
    deadline = time.monotonic() + 20
    while True:
        inbox = ok(client.get(f"{API}/notifications/inbox", headers=who.headers))
        found = [n for n in inbox if n["title"] == ARRIVED]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_visitor_checking_in_tells_the_resident_who_asked_for_them(
    client: TestClient, running: Container, world: World
) -> None:
    a = world.a
    with working(running):
        mine = issue(client, world)  # the owner of unit 101, for their own visitor
        ok(gate(client, "check-in", a.gate_guard, mine["token"]))
        [told] = _arrivals(client, a.resident, 1)
        assert "entry 1 of 2" in told["body"] and "沪A12345" in told["body"]
        # The front desk's pass for unit 101 tells its owner, not the clerk.
        desks = issue(client, world, who=a.customer_service, plate=None)
        entered = ok(gate(client, "check-in", a.gate_guard, desks["token"]))
        assert len(_arrivals(client, a.resident, 2)) == 2
        settle(running)
    clerk = ok(client.get(f"{API}/notifications/inbox", headers=a.customer_service.headers))
    assert ARRIVED not in {n["title"] for n in clerk}
    # The neighbour lives in another unit: their visitor's arrival is not theirs to hear of.
    neighbour = ok(client.get(f"{API}/notifications/inbox", headers=world.neighbour.headers))
    assert ARRIVED not in {n["title"] for n in neighbour}
    assert entered["position"] <= running.event_log.head()


def test_the_days_log_is_the_estates_local_day_and_defaults_to_today(
    client: TestClient, running: Container, world: World
) -> None:
    a = world.a
    clock = running.clock
    assert isinstance(clock, Clock)
    # 17:30 UTC is 01:30 the next morning at the gate (China Standard Time).
    late = datetime.now(UTC).replace(hour=17, minute=30, second=0, microsecond=0)
    clock.fix(late)
    try:
        issued = issue(
            client,
            world,
            valid_from=(late - timedelta(hours=1)).isoformat(),
            valid_until=(late + timedelta(hours=3)).isoformat(),
        )
        entered = ok(gate(client, "check-in", a.gate_guard, issued["token"]))
        log = f"{API}/estates/{a['estate']}/visitors/log"

        def day(**params: Any) -> list[str]:
            params["after"] = entered["position"]
            found = ok(client.get(log, params=params, headers=a.gate_guard.headers))
            return [m["pass_id"] for m in found]

        local = (late + timedelta(hours=8)).date()
        assert day(day=local.isoformat()) == [issued["id"]]
        assert day(day=late.date().isoformat()) == []  # the UTC date is the day before there
        assert day() == [issued["id"]]  # today, the estate's
    finally:
        clock.release()


def test_a_pass_read_as_of_a_position_is_judged_at_that_positions_moment(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.gate", ["auditor"])
    issued = issue(client, world)  # valid for four hours from now
    settle(running)
    position = running.event_log.head()
    url = f"{API}/visitor-passes/{issued['id']}"
    assert ok(client.get(url, headers=auditor))["status"] == "valid"
    clock = running.clock
    assert isinstance(clock, Clock)
    clock.advance(timedelta(hours=5))
    try:
        assert ok(client.get(url, headers=auditor))["status"] == "expired"  # the service's now
        client.get(url, params={"as_of": str(position)}, headers=auditor)
        assert _ready(client, auditor, position)["state"] == "ready"
        then = ok(client.get(url, params={"as_of": str(position)}, headers=auditor))
        assert then["status"] == "valid"  # as it stood then, not expired by today's clock
        listed = ok(
            client.get(
                f"{API}/visitor-passes",
                params={"as_of": str(position), "status": "valid"},
                headers=auditor,
            )
        )
        assert issued["id"] in [p["id"] for p in listed]
    finally:
        clock.release()
