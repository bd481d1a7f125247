"""Telemetry through HTTP: crossings become alarms, readings stay readings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.equipment.conftest import T0, alarm_events, reading, register, send
from tests.support.pages import items


def test_a_crossing_raises_one_alarm_and_a_return_to_normal_clears_it_once_acknowledged(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    pump, _ = register(client, headers, estate_a, "pump")
    # Three readings above the 1.00 MPa limit: one crossing, one alarm.
    first = send(
        client,
        headers,
        reading(pump, T0, "water_pressure", 0.5),
        reading(pump, T0 + timedelta(seconds=10), "water_pressure", 1.3),
        reading(pump, T0 + timedelta(seconds=20), "water_pressure", 1.4),
        reading(pump, T0 + timedelta(seconds=30), "water_pressure", 1.35),
    )
    assert first["stored"] == 4 and len(first["alarms_raised"]) == 1
    alarm_id = first["alarms_raised"][0]
    again = send(client, headers, reading(pump, T0 + timedelta(seconds=40), "water_pressure", 1.5))
    assert again["alarms_raised"] == [] and again["events"] == 0
    assert alarm_events(running) == [("Raised", alarm_id)]

    ack = client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=headers)
    assert ack.status_code == 200, ack.text
    # 0.99 is inside the band but not by the 0.02 dead band: still active.
    hovering = send(
        client, headers, reading(pump, T0 + timedelta(seconds=50), "water_pressure", 0.99)
    )
    assert hovering["alarms_returned_to_normal"] == []
    back = send(client, headers, reading(pump, T0 + timedelta(seconds=60), "water_pressure", 0.6))
    assert back["alarms_returned_to_normal"] == [alarm_id]
    assert [name for name, _ in alarm_events(running)] == [
        "Raised",
        "Acknowledged",
        "ReturnedToNormal",
        "Cleared",
    ]
    view = client.get(
        f"/api/v1/alarms/{alarm_id}", params={"after": back["position"]}, headers=headers
    )
    assert view.json()["status"] == "cleared"
    assert view.json()["cleared_by"] is None  # the equipment cleared it

    # A second crossing is a second alarm.
    second = send(
        client, headers, reading(pump, T0 + timedelta(seconds=70), "water_pressure", 0.05)
    )
    assert len(second["alarms_raised"]) == 1 and second["alarms_raised"] != [alarm_id]


def test_an_unacknowledged_alarm_stays_open_after_returning_to_normal(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    lift, _ = register(client, headers, estate_a, "elevator", name="Lift 3")
    raised = send(client, headers, reading(lift, T0, "state", "trapped_passenger"))
    alarm_id = raised["alarms_raised"][0]
    normal = send(client, headers, reading(lift, T0 + timedelta(minutes=2), "state", "normal"))
    assert normal["alarms_returned_to_normal"] == [alarm_id]
    view = client.get(
        f"/api/v1/alarms/{alarm_id}", params={"after": normal["position"]}, headers=headers
    )
    body = view.json()
    assert (body["status"], body["condition_active"], body["severity"]) == (
        "raised",
        False,
        "critical",
    )
    # Acknowledging it now clears it: somebody has seen it and it is over.
    ack = client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=headers)
    view = client.get(
        f"/api/v1/alarms/{alarm_id}", params={"after": ack.json()["position"]}, headers=headers
    )
    assert view.json()["status"] == "cleared"


def test_state_codes_change_state_and_switch_conditions(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    lift, _ = register(client, headers, estate_a, "elevator")
    out = send(
        client,
        headers,
        reading(lift, T0, "state", "normal"),
        reading(lift, T0 + timedelta(seconds=1), "state", "power_loss"),
        reading(lift, T0 + timedelta(seconds=2), "state", "trapped_passenger"),
    )
    assert len(out["alarms_raised"]) == 2
    assert len(out["alarms_returned_to_normal"]) == 1  # power_loss ended when trapped began
    listed = client.get(
        "/api/v1/alarms",
        params={"equipment_id": lift, "status": "open", "after": out["position"]},
        headers=headers,
    ).json()["items"]
    assert sorted((a["code"], a["condition_active"]) for a in listed) == [
        ("power_loss", False),
        ("trapped_passenger", True),
    ]
    equipment = client.get(
        f"/api/v1/equipment/{lift}", params={"after": out["position"]}, headers=headers
    )
    assert equipment.json()["state"] == "trapped_passenger"
    assert equipment.json()["active_conditions"] == ["trapped_passenger"]


def test_duplicates_and_late_readings_decide_nothing(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    pump, _ = register(client, headers, estate_a)
    batch = [reading(pump, T0 + timedelta(seconds=10), "water_pressure", 1.5)]
    first = send(client, headers, *batch)
    assert len(first["alarms_raised"]) == 1
    head = running.event_log.head()
    resent = send(client, headers, *batch)
    assert (resent["stored"], resent["duplicates"], resent["events"]) == (0, 1, 0)
    # A reading older than the newest one may not end the condition.
    late = send(client, headers, reading(pump, T0, "water_pressure", 0.5))
    assert (late["late"], late["stored"], late["alarms_returned_to_normal"]) == (1, 1, [])
    assert running.event_log.head() == head


def test_readings_of_unknown_or_decommissioned_equipment_are_rejected_one_by_one(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    pump, _ = register(client, headers, estate_a)
    gone, _ = register(client, headers, estate_a, name="old pump")
    decommissioned = client.post(
        f"/api/v1/equipment/{gone}/status",
        json={"status": "decommissioned", "reason": "replaced"},
        headers=headers,
    )
    assert decommissioned.status_code == 200
    future = datetime.now(UTC) + timedelta(hours=1)
    out = send(
        client,
        headers,
        reading(pump, T0, "temperature", 0.1 + 0.2),
        reading("00000000-0000-0000-0000-000000000001", T0, "temperature", 20),
        reading(gone, T0, "temperature", 20),
        reading(pump, future, "temperature", 20),
    )
    assert out["stored"] == 1
    assert [(r["index"], r["reason"]) for r in out["rejected"]] == [
        (1, "no such equipment"),
        (2, "the equipment is decommissioned"),
        (3, "at: in the future"),
    ]


def test_a_malformed_reading_refuses_the_batch(
    client: TestClient, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    pump, _ = register(client, headers, estate_a)
    for bad in (
        {"equipment_id": pump, "at": T0.isoformat(), "metric": "state", "value": 1},
        {"equipment_id": pump, "at": T0.isoformat(), "metric": "voltage"},
        {"equipment_id": pump, "at": "2026-03-01T08:00:00", "metric": "voltage", "value": 1},
        {"equipment_id": pump, "at": T0.isoformat(), "metric": "voltage", "value": "NaN"},
    ):
        response = client.post("/api/v1/telemetry", json={"readings": [bad]}, headers=headers)
        assert response.status_code == 422, (bad, response.text)


def test_a_batch_of_a_thousand_readings_takes_well_under_a_second(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    meters = [register(client, headers, estate_a, "meter", name=f"meter {i}")[0] for i in range(10)]
    batch = [
        reading(meters[i % 10], T0 + timedelta(seconds=i), "voltage", 220 + (i % 7))
        for i in range(1000)
    ]
    send(client, headers, *batch[:10])  # warm up: the equipment enters the cache
    started = time.perf_counter()
    out = send(client, headers, *batch[10:])
    elapsed = time.perf_counter() - started
    assert out["stored"] == 990 and out["events"] == 0
    assert elapsed < 1.0, elapsed


def test_finished_hours_become_summary_events_and_energy_records(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    meter, _ = register(client, headers, estate_a, "meter")
    send(
        client,
        headers,
        *[reading(meter, T0 + timedelta(minutes=15 * i), "energy", "1.25") for i in range(4)],
        *[reading(meter, T0 + timedelta(minutes=15 * i), "voltage", 218 + i) for i in range(4)],
        reading(meter, T0 + timedelta(hours=1, minutes=5), "energy", "2"),
    )
    job = next(j for j in running.equipment.scheduled() if j.name == "equipment.summarise_readings")
    assert job.run(T0 + timedelta(minutes=65)) == 0  # the hour is not past its grace yet
    assert job.run(T0 + timedelta(minutes=75)) == 2  # energy and voltage of 08:00
    assert job.run(T0 + timedelta(minutes=75)) == 0  # once
    archive = client.get(
        f"/api/v1/equipment/{meter}/archive",
        params={"category": "energy", "after": running.event_log.head()},
        headers=headers,
    )
    assert archive.status_code == 200, archive.text
    [entry] = archive.json()["items"]
    assert Decimal(entry["details"]["total"]) == 5 and entry["details"]["count"] == 4
    assert entry["summary"].endswith(" kWh")


def test_the_status_board_shows_state_alarms_and_staleness(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    register(client, headers, estate_a, "pump", name="A quiet pump")
    busy, _ = register(client, headers, estate_a, "pump", name="B busy pump")
    now = datetime.now(UTC)
    out = send(
        client, headers, reading(busy, now, "water_pressure", 1.8), reading(busy, now, "level", 50)
    )
    board = items(
        client.get("/api/v1/equipment/board", params={"after": out["position"]}, headers=headers)
    )
    assert [row["name"] for row in board] == ["B busy pump", "A quiet pump"]  # worst first
    busy_row, quiet_row = board
    assert busy_row["connectivity"] == "online" and busy_row["condition"] == "alarm"
    assert busy_row["open_alarms"] == 1 and busy_row["worst_severity"] == "major"
    assert busy_row["latest"] == {"water_pressure": "1.800000", "level": "50.000000"}
    assert quiet_row["connectivity"] == "offline" and quiet_row["last_reading_at"] is None


def test_a_device_that_stops_reporting_goes_offline_with_an_alarm_and_comes_back(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    lift, _ = register(client, headers, estate_a, "elevator", name="Lift 9")
    pump, _ = register(client, headers, estate_a, "pump", name="Pump 2")
    send(client, headers, reading(lift, T0, "speed", 1.0), reading(pump, T0, "water_pressure", 0.5))
    send(client, headers, reading(pump, T0 + timedelta(minutes=14), "water_pressure", 0.5))
    job = next(j for j in running.equipment.scheduled() if j.name == "equipment.detect_silence")

    # At T0 + 16 min the lift has been silent for 16 minutes, the pump for 2.
    assert job.run(T0 + timedelta(minutes=16)) == 1
    assert job.run(T0 + timedelta(minutes=17)) == 0  # once
    [(raised, alarm_id)] = alarm_events(running)
    assert raised == "Raised"
    head = running.event_log.head()
    view = client.get(f"/api/v1/alarms/{alarm_id}", params={"after": head}, headers=headers)
    assert (view.json()["code"], view.json()["equipment_id"]) == ("offline", lift)
    board = client.get(f"/api/v1/equipment/{lift}", params={"after": head}, headers=headers)
    assert board.json()["state"] == "offline"

    back = send(client, headers, reading(lift, T0 + timedelta(minutes=20), "speed", 1.0))
    assert back["alarms_returned_to_normal"] == [alarm_id]
    again = client.get(
        f"/api/v1/equipment/{lift}", params={"after": back["position"]}, headers=headers
    )
    assert again.json()["state"] == "online"
    assert again.json()["active_conditions"] == []
