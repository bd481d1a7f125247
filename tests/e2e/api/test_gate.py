"""Visitors and the gate through the HTTP API (issue 17), in the two-estate world:
a resident issues a pass, its visitor reads it, the gate guard checks it in and
out and is refused an expired, revoked, used-up or another estate's pass, each
with its own problem+json; a forced door raises an alarm; an opening by pass
shows in the day's log."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from application.estate_time import local_day
from bootstrap import Container
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.support.clock import Clock
from tests.support.estate_world import Actor, World, ok, settle

API = "/api/v1"


def issue(client: TestClient, w: World, who: Actor | None = None, **fields: Any) -> Any:
    now = datetime.now(UTC)
    body = {
        "estate_id": w.a["estate"],
        "unit_id": w.a["unit"],
        "visitor_name": "李建国",
        "visitor_phone": "13912345678",
        "plate": "沪A 12345",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=4)).isoformat(),
        "entries_allowed": 2,
        **fields,
    }
    headers = (who or w.a.resident).headers
    return ok(client.post(f"{API}/visitor-passes", json=body, headers=headers), 201)


def gate(client: TestClient, step: str, who: Actor, token: str, **more: Any) -> Any:
    return client.post(f"{API}/gate/{step}", json={"token": token, **more}, headers=who.headers)


def test_a_visitor_comes_in_and_goes_out_and_sees_only_their_pass(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    visitor_id, visitor, _ = make_user(client, admin, "guest.li", ["visitor"])
    issued = issue(client, world, visitor_user_id=visitor_id)
    guard = world.a.gate_guard
    assert ok(gate(client, "verify", guard, issued["token"]))["status"] == "valid"
    entered = ok(gate(client, "check-in", guard, issued["token"]))
    assert (entered["status"], entered["entries_used"], entered["plate"]) == (
        "inside",
        1,
        "沪A12345",
    )
    again = assert_problem(gate(client, "check-in", guard, issued["token"]), 409)
    assert again["title"] == "Visitor already inside"
    inside = ok(
        client.get(
            f"{API}/estates/{world.a['estate']}/visitors/inside",
            params={"after": entered["position"]},
            headers=guard.headers,
        )
    )
    assert [p["id"] for p in inside] == [issued["id"]]
    left = ok(gate(client, "check-out", guard, issued["token"]))
    mine = ok(
        client.get(f"{API}/visitor-passes", params={"after": left["position"]}, headers=visitor)
    )
    assert [p["id"] for p in mine] == [issued["id"]]
    [seen] = mine
    assert (seen["visitor_name"], seen["visitor_phone"]) == ("李**", "139****5678")
    assert (seen["status"], seen["entries_used"], seen["inside"]) == ("valid", 1, False)
    assert (
        ok(client.get(f"{API}/visitor-passes/{issued['id']}/token", headers=visitor))["token"]
        == issued["token"]
    )
    today = local_day(datetime.now(UTC)).isoformat()  # the estate's day, not UTC's
    log = ok(
        client.get(
            f"{API}/estates/{world.a['estate']}/visitors/log",
            params={"day": today, "after": left["position"]},
            headers=world.a.manager.headers,
        )
    )
    assert [(m["pass_id"], m["movement"]) for m in log][-2:] == [
        (issued["id"], "in"),
        (issued["id"], "out"),
    ]
    # The world's own pass is the resident's, not the visitor's.
    assert world.a["visitor_pass"] not in str(mine)


def test_the_gate_refuses_each_bad_pass_with_a_clear_problem(
    client: TestClient, running: Container, world: World
) -> None:
    guard = world.a.gate_guard
    token = issue(client, world)["token"]
    other = assert_problem(gate(client, "check-in", world.b.gate_guard, token), 403)
    assert other["title"] == "Pass of another estate"
    revoked = issue(client, world)
    ok(
        client.post(
            f"{API}/visitor-passes/{revoked['id']}/revoke",
            json={"reason": "改期"},
            headers=world.a.resident.headers,
        )
    )
    assert assert_problem(gate(client, "check-in", guard, revoked["token"]), 409)["title"] == (
        "Pass revoked"
    )
    once = issue(client, world, entries_allowed=1)["token"]
    ok(gate(client, "check-in", guard, once))
    ok(gate(client, "check-out", guard, once))
    assert assert_problem(gate(client, "check-in", guard, once), 409)["title"] == "Pass used up"
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert "token" in assert_problem(gate(client, "check-in", guard, forged), 422)["detail"]
    clock = running.clock
    assert isinstance(clock, Clock)
    clock.advance(timedelta(hours=5))
    try:
        expired = assert_problem(gate(client, "check-in", guard, token), 409)
        assert expired["title"] == "Pass expired"
    finally:
        clock.release()
    # Only whoever issued it, or staff, revoke it; the guard may not.
    refused = client.post(
        f"{API}/visitor-passes/{world.a['visitor_pass']}/revoke", headers=guard.headers
    )
    assert_problem(refused, 403)


def test_the_front_desk_issues_for_its_estate_and_a_device_verifies_offline(
    client: TestClient, running: Container, world: World
) -> None:
    issued = issue(client, world, who=world.a.customer_service)
    assert_problem(
        client.post(
            f"{API}/visitor-passes",
            json={
                "estate_id": world.a["estate"],
                "unit_id": world.a["unit"],
                "visitor_name": "X",
                "valid_from": "2026-03-01T09:00:00Z",
                "valid_until": "2026-03-01T08:00:00Z",
            },
            headers=world.a.customer_service.headers,
        ),
        422,
    )
    key = ok(client.get(f"{API}/gate/pass-key", headers=world.a.gate_guard.headers))
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    _, claims, signature = issued["token"].split(".")

    def unpadded(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    public.verify(unpadded(signature), unpadded(claims))  # raises if it does not verify


def test_a_forced_door_raises_an_alarm_and_a_pass_opening_is_logged(
    client: TestClient, running: Container, world: World
) -> None:
    manager = world.a.manager
    door = ok(
        client.post(
            f"{API}/equipment",
            json={"estate_id": world.a["estate"], "kind": "door", "name": "1号楼大堂门禁"},
            headers=manager.headers,
        ),
        201,
    )["id"]
    issued = issue(client, world)
    now = datetime.now(UTC).replace(microsecond=0)
    events = [
        {
            "equipment_id": door,
            "at": now.isoformat(),
            "event": "opened_by_pass",
            "token": issued["token"],
        },
        {"equipment_id": door, "at": (now + timedelta(seconds=5)).isoformat(), "event": "closed"},
        {
            "equipment_id": door,
            "at": (now + timedelta(seconds=9)).isoformat(),
            "event": "forced_open",
        },
    ]
    answer = ok(
        client.post(f"{API}/telemetry/access", json={"events": events}, headers=manager.headers)
    )
    assert (answer["rejected"], answer["passes_recorded"]) == ([], [issued["id"]])
    [alarm] = answer["alarms_raised"]
    seen = ok(
        client.get(
            f"{API}/alarms/{alarm}",
            params={"after": answer["position"]},
            headers=world.a.gate_guard.headers,
        )
    )
    assert (seen["code"], seen["severity"]) == ("forced_open", "major")
    settle(running)
    log = ok(
        client.get(
            f"{API}/estates/{world.a['estate']}/visitors/log",
            params={"day": local_day(now).isoformat()},
            headers=world.a.gate_guard.headers,
        )
    )
    assert [(m["movement"], m["controller_id"]) for m in log if m["pass_id"] == issued["id"]] == [
        ("door", door)
    ]
