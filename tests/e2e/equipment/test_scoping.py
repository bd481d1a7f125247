"""Estate scoping (R7.4): staff of estate A never see or touch estate B's equipment."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.equipment.conftest import T0, reading, register, send
from tests.support.pages import items


def test_a_manager_of_one_estate_sees_nothing_of_another(
    client: TestClient,
    running: Container,
    manager_a: tuple[str, dict[str, str]],
    manager_b: tuple[str, dict[str, str]],
    estate_a: UUID,
    estate_b: UUID,
) -> None:
    _, a = manager_a
    _, b = manager_b
    mine, _ = register(client, a, estate_a, "pump", name="pump A")
    theirs, _ = register(client, b, estate_b, "pump", name="pump B")
    out_b = send(client, b, reading(theirs, T0, "state", "trip"))
    their_alarm = out_b["alarms_raised"][0]
    send(client, a, reading(mine, T0, "state", "trip"))
    after = {"after": running.event_log.head()}

    listed = client.get("/api/v1/equipment", params=after, headers=a).json()["items"]
    assert [e["name"] for e in listed] == ["pump A"]
    alarms = client.get("/api/v1/alarms", params=after, headers=a).json()["items"]
    assert {x["equipment_id"] for x in alarms} == {mine}
    board = items(client.get("/api/v1/equipment/board", params=after, headers=a))
    assert [r["name"] for r in board] == ["pump A"]
    assert (
        client.get(
            "/api/v1/equipment", params={**after, "estate_id": str(estate_b)}, headers=a
        ).json()["items"]
        == []
    )

    for url in (
        f"/api/v1/equipment/{theirs}",
        f"/api/v1/equipment/{theirs}/archive",
        f"/api/v1/alarms/{their_alarm}",
    ):
        assert_problem(client.get(url, params=after, headers=a), 404)

    head = running.event_log.head()
    assert_problem(
        client.patch(f"/api/v1/equipment/{theirs}", json={"vendor": "x"}, headers=a), 404
    )
    assert_problem(
        client.post(
            f"/api/v1/equipment/{theirs}/status",
            json={"status": "out_of_service", "reason": "x"},
            headers=a,
        ),
        404,
    )
    for action in ("acknowledge", "clear", "work-order"):
        assert_problem(client.post(f"/api/v1/alarms/{their_alarm}/{action}", headers=a), 404)
    assert_problem(
        client.post(
            "/api/v1/equipment",
            json={"estate_id": str(estate_b), "kind": "pump", "name": "x"},
            headers=a,
        ),
        404,
    )
    fed = send(client, a, reading(theirs, T0.replace(hour=9), "state", "normal"))
    assert fed["rejected"] == [{"index": 0, "equipment_id": theirs, "reason": "no such equipment"}]
    assert running.event_log.head() == head


def test_roles_without_the_permission_are_refused(
    client: TestClient,
    running: Container,
    admin: dict[str, str],
    manager_a: tuple[str, dict[str, str]],
    estate_a: UUID,
) -> None:
    _, a = manager_a
    pump, _ = register(client, a, estate_a)
    _, owner, _ = make_user(client, admin, "owner.li", ["owner"])
    tech_id, tech, _ = make_user(client, admin, "tech.zhao", ["technician"])
    client.post(
        f"/api/v1/users/{tech_id}/estates", json={"estate_id": str(estate_a)}, headers=admin
    )
    head = running.event_log.head()
    assert_problem(client.get("/api/v1/equipment", headers=owner), 403)
    assert_problem(client.get("/api/v1/alarms", headers=owner), 403)
    assert_problem(
        client.post(
            "/api/v1/telemetry", json={"readings": [reading(pump, T0, "level", 5)]}, headers=owner
        ),
        403,
    )
    # a technician reads the estate's equipment and handles alarms, but registers none
    assert client.get(f"/api/v1/equipment/{pump}", headers=tech).status_code == 200
    assert_problem(
        client.post(
            "/api/v1/equipment",
            json={"estate_id": str(estate_a), "kind": "pump", "name": "x"},
            headers=tech,
        ),
        403,
    )
    assert running.event_log.head() == head
