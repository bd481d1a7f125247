"""The car park through the HTTP API, as each of its people uses it (docs/parking.md):
the manager sets it up, the gate lets cars in and out and takes the fee, the
owner reads their own car, finance reads the revenue, other estates find nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.support.clock import Clock
from tests.support.estate_world import Builder, Estate, settle

API = "/api/v1"
TARIFF = {
    "free_minutes": 15,
    "per_hour": "5.00",
    "daily_cap": "40.00",
    "night_per_hour": "1.00",
    "night_from": "22:00",
    "night_until": "07:00",
}


def call(client: TestClient, method: str, path: str, who: Any, body: Any = None, **q: Any) -> Any:
    return client.request(method, f"{API}{path}", json=body, params=q, headers=who.headers)


def test_a_day_at_the_gate_for_each_of_its_people(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    clock = running.clock
    assert isinstance(clock, Clock)
    b = Builder(client, admin, running)
    e: Estate = b.estate("P")
    other: Estate = b.estate("Q")
    manager, gate, owner = e.manager, e.gate_guard, e.resident
    settle(running)

    # The manager opens the car park; a bad tariff is 422 naming the field, and nothing is kept.
    head = running.event_log.head()
    bad = {
        "estate_id": e["estate"],
        "temporary_spaces": 5,
        "tariff": {**TARIFF, "per_hour": "1.234"},
    }
    r = call(client, "POST", "/car-parks", manager, bad)
    assert r.status_code == 422 and "per_hour" in r.text, r.text
    assert running.event_log.head() == head
    r = call(client, "POST", "/car-parks", gate, {**bad, "tariff": TARIFF})
    assert r.status_code == 403, r.text  # the gate does not keep the car park
    r = call(client, "POST", "/car-parks", manager, {**bad, "tariff": TARIFF})
    assert r.status_code == 201, r.text
    car_park = r.json()["id"]

    # The owner's car, registered to their unit with a pass on its space.
    r = call(
        client,
        "POST",
        f"/car-parks/{car_park}/vehicles",
        manager,
        {"plate": "ABC", "unit_id": e["unit"]},
    )
    assert r.status_code == 422 and "plate" in r.text, r.text
    r = call(
        client,
        "POST",
        f"/car-parks/{car_park}/vehicles",
        manager,
        {"plate": "沪p·12345", "unit_id": e["unit"]},
    )
    assert r.status_code == 201, r.text
    car = r.json()["id"]
    on_space = {"billing": "unit_account", "starts_on": "2026-01-01", "space_id": e["parking"]}
    r = call(client, "POST", f"/vehicles/{car}/passes", manager, on_space)
    assert r.status_code == 201, r.text
    r = call(
        client,
        "POST",
        f"/car-parks/{car_park}/blocklist",
        manager,
        {"plate": "沪K66666", "reason": "rammed the barrier"},
    )
    assert r.status_code == 201, r.text

    # The day at the gate, on a fixed clock (10:00 in Beijing).
    start = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    clock.fix(start)
    try:

        def at_gate(plate: str, direction: str) -> dict[str, Any]:
            r = call(
                client,
                "POST",
                f"/car-parks/{car_park}/gate",
                gate,
                {"plate": plate, "gate": "East", "direction": direction},
            )
            assert r.status_code == 200, r.text
            return r.json()  # type: ignore[no-any-return]

        assert at_gate("沪P12345", "in")["open"] is True
        refused = at_gate("沪K66666", "in")
        assert (refused["open"], refused["status"], refused["refused"]) == (
            False,
            "refused",
            "rammed the barrier",
        )
        visitor = at_gate("苏E54321", "in")
        assert visitor["open"] and visitor["pass_id"] is None
        r = call(
            client,
            "POST",
            f"/car-parks/{car_park}/gate",
            manager,
            {"plate": "苏E54321", "gate": "East", "direction": "out"},
        )
        assert r.status_code == 403, r.text  # a manager is not the gate
        clock.fix(start + timedelta(hours=2, minutes=5))
        owed = at_gate("苏E54321", "out")
        assert (owed["open"], owed["status"], owed["fee"]) == (False, "awaiting_payment", "15.00")
        r = call(
            client,
            "POST",
            f"/parking-sessions/{owed['session_id']}/payment",
            gate,
            {"method": "online"},
        )
        assert r.status_code == 422 and "reference" in r.text, r.text
        r = call(
            client,
            "POST",
            f"/parking-sessions/{owed['session_id']}/payment",
            gate,
            {"method": "online", "reference": "WX-1"},
        )
        assert r.status_code == 200 and r.json()["status"] == "paid", r.text
        assert at_gate("苏E54321", "out")["status"] == "left"
        r = call(
            client,
            "POST",
            f"/car-parks/{car_park}/gate",
            gate,
            {"plate": "苏E54321", "gate": "East", "direction": "out"},
        )
        assert r.status_code == 200 and r.json()["status"] == "no_entry", r.text  # never twice
        assert r.json()["open"] is False
        free = at_gate("沪P12345", "out")
        assert (free["open"], free["fee"]) == (True, "0")
        # The camera misses a car's exit: the guard releases its session, saying why.
        lost = at_gate("沪E77777", "in")
        release = f"/parking-sessions/{lost['session_id']}/release"
        r = call(client, "POST", release, gate, {"reason": "camera missed the exit"})
        assert r.status_code == 200, r.text
        r = call(client, "POST", release, gate, {"reason": "again"})
        assert r.status_code == 409, r.text
        # A car the camera never saw come in: the barrier stays down (recorded) until the
        # guard lets it out with a reason and a charge, paid at the booth.
        assert at_gate("沪G24680", "out")["status"] == "no_entry"
        exits = f"/car-parks/{car_park}/exits-without-entry"
        let_out = {"plate": "沪G24680", "gate": "East", "reason": "entry not recorded"}
        r = call(client, "POST", exits, gate, {**let_out, "charge": "lost_ticket"})
        assert r.status_code == 409 and "lost_ticket_fee" in r.text, r.text
        r = call(client, "POST", exits, gate, {**let_out, "charge": "daily_cap"})
        assert r.status_code == 422 and "method" in r.text, r.text
        r = call(client, "POST", exits, manager, {**let_out, "charge": "daily_cap"})
        assert r.status_code == 403, r.text
        r = call(client, "POST", exits, gate, {**let_out, "charge": "daily_cap", "method": "cash"})
        assert r.status_code == 201, r.text
        no_entry = r.json()["id"]
    finally:
        clock.release()
    settle(running)

    # The board, the sessions, the blocklist: the gate's and the manager's reads.
    board = call(client, "GET", f"/car-parks/{car_park}/board", gate).json()
    assert (board["pass_spaces"], board["temporary_spaces"], board["free"]) == (1, 5, 6)
    spaces = f"/car-parks/{car_park}/temporary-spaces"
    assert call(client, "POST", spaces, gate, {"temporary_spaces": 8}).status_code == 403
    assert call(client, "POST", spaces, manager, {"temporary_spaces": -1}).status_code == 422
    r = call(client, "POST", spaces, manager, {"temporary_spaces": 8})
    assert r.status_code == 200, r.text
    q = {"after": r.json()["position"]}
    board = call(client, "GET", f"/car-parks/{car_park}/board", gate, **q).json()
    assert (board["temporary_spaces"], board["capacity"], board["free"]) == (8, 9, 9)
    sessions = call(client, "GET", "/parking-sessions", manager, estate_id=e["estate"]).json()
    assert sorted(s["status"] for s in sessions["items"]) == ["left"] * 4
    [unseen] = [s for s in sessions["items"] if s["id"] == no_entry]
    assert (unseen["entry_recorded"], unseen["exit_charge"], unseen["fee"]) == (
        False,
        "daily_cap",
        "40.00",
    )
    day = {"day": "2026-06-01"}  # the gate's day, in Beijing
    listed = call(client, "GET", f"/car-parks/{car_park}/exceptions", gate, **day).json()
    assert [(x["kind"], x["plate"]) for x in listed["items"]] == [
        ("entry_refused", "沪K66666"),
        ("exit_refused", "苏E54321"),
        ("released", "沪E77777"),
        ("exit_refused", "沪G24680"),
        ("exit_without_entry", "沪G24680"),
    ]
    elsewhere = call(client, "GET", f"/car-parks/{car_park}/exceptions", other.manager, **day)
    assert elsewhere.status_code == 404, elsewhere.text
    [lost_row] = [s for s in sessions["items"] if s["plate"] == "沪E77777"]
    assert (lost_row["release_reason"], lost_row["fee"]) == ("camera missed the exit", None)
    assert sessions["next_cursor"] is None
    r = call(client, "GET", "/parking-sessions", manager, status="gone")
    assert r.status_code == 422, r.text  # an unknown status
    blocked = call(client, "GET", "/vehicles", manager, blocked="true").json()["items"]
    assert [(v["plate"], v["refusals"]) for v in blocked] == [("沪K66666", 1)]

    # The owner reads their own car and its pass, not the visitor's stay.
    mine = call(client, "GET", "/vehicles", owner).json()["items"]
    assert [v["plate"] for v in mine] == ["沪P12345"]
    assert (
        call(client, "GET", f"/vehicles/{car}", owner).json()["passes"][0]["billing"]
        == "unit_account"
    )
    stays = call(client, "GET", "/parking-sessions", owner).json()["items"]
    assert [s["plate"] for s in stays] == ["沪P12345"]
    assert call(client, "GET", f"/parking-sessions/{owed['session_id']}", owner).status_code == 404

    # Another estate's staff find nothing; finance of this one reads the stays.
    assert call(client, "GET", f"/car-parks/{car_park}", other.manager).status_code == 404
    assert call(client, "GET", f"/vehicles/{car}", other.manager).status_code == 404
    assert call(client, "GET", "/parking-sessions", other.manager).json()["items"] == []
    paid = call(client, "GET", f"/parking-sessions/{owed['session_id']}", e.finance).json()
    assert (paid["fee"], paid["method"], paid["reference"]) == ("15.00", "online", "WX-1")
