"""The status board as of a position (decision 0055): as it stood then, with
the last readings the log kept, whatever the devices reported since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.http.asof import HEADER
from tests.e2e.api.test_as_of_reads import _ready
from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.equipment.conftest import T0, reading, register, send
from tests.support.estate_world import settle
from tests.support.pages import items

BOARD = "/api/v1/equipment/board"
WEEK = {"offline_after_minutes": 10080}


def _row(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = client.get(BOARD, params={**WEEK, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    [row] = items(answer)
    return row


def test_the_board_as_of_a_position_shows_the_last_readings_the_log_kept(
    client: TestClient,
    admin: dict[str, str],
    running: Container,
    manager_a: tuple[str, dict[str, str]],
    estate_a: UUID,
) -> None:
    _, manager = manager_a
    _, auditor, _ = make_user(client, admin, "auditor.board", ["auditor"])
    meter, _ = register(client, manager, estate_a, "meter")
    send(
        client,
        manager,
        reading(meter, T0, "state", "online"),
        *[reading(meter, T0 + timedelta(minutes=15 * i), "voltage", 218 + i) for i in range(4)],
    )
    job = next(j for j in running.equipment.scheduled() if j.name == "equipment.summarise_readings")
    assert job.run(T0 + timedelta(minutes=75)) == 1  # the voltage of 08:00
    settle(running)
    position = running.event_log.head()
    live = _row(client, auditor)
    assert live["latest"]["state"] == "online"
    assert Decimal(live["latest"]["voltage"]) == 221  # the last one sent

    # Later the meter reports again, now: online on the live board.
    send(client, manager, reading(meter, datetime.now(UTC), "voltage", 230))
    settle(running)
    assert Decimal(_row(client, auditor)["latest"]["voltage"]) == 230

    client.get(BOARD, params={"as_of": str(position)}, headers=auditor)
    assert _ready(client, auditor, position)["state"] == "ready"
    answer = client.get(BOARD, params={**WEEK, "as_of": str(position)}, headers=auditor)
    assert answer.status_code == 200, answer.text
    assert answer.headers[HEADER] == str(position)
    [then] = items(answer)
    # The hour's average (the log keeps hours, not readings), at the hour's end.
    assert then["latest"]["state"] == "online"
    assert Decimal(then["latest"]["voltage"]) == Decimal("219.5")
    assert then["last_reading_at"].startswith("2026-03-01T09:00:00")
    assert then["connectivity"] == live["connectivity"] == "offline"  # judged at the position
    assert {k: then[k] for k in ("id", "state", "open_alarms", "condition")} == {
        k: live[k] for k in ("id", "state", "open_alarms", "condition")
    }
