"""The registry through the HTTP API: estates, buildings, units, parking, people (R1.1)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.registry.helpers import (
    accepted,
    assert_problem,
    new_building,
    new_estate,
    new_person,
    new_unit,
)
from tests.support.pages import items


def test_an_estate_with_a_building_a_unit_and_parking(
    client: TestClient, admin: dict[str, str]
) -> None:
    estate, _ = new_estate(client, admin)
    building, _ = new_building(client, admin, estate)
    unit, at = new_unit(client, admin, building)

    got = client.get(f"/api/v1/units/{unit}", params={"after": at}, headers=admin)
    assert got.status_code == 200, got.text
    view = got.json()
    assert view["number"] == "101"
    assert view["estate_id"] == estate and view["building_id"] == building
    assert view["gross_area"] == "89.50" and view["internal_area"] == "72.30"

    estates = items(client.get("/api/v1/estates", params={"after": at}, headers=admin))
    assert [(e["code"], e["name"]) for e in estates] == [("SUN", "Sunrise Garden")]
    buildings = client.get("/api/v1/buildings", params={"estate_id": estate}, headers=admin)
    assert [b["code"] for b in items(buildings)] == ["B1"]
    units = client.get("/api/v1/units", params={"building_id": building}, headers=admin)
    assert [u["id"] for u in items(units)] == [unit]

    parking = client.post(
        f"/api/v1/estates/{estate}/parking",
        json={"code": "P-001", "level": "B1", "kind": "ev_charging"},
        headers=admin,
    )
    assert parking.status_code == 201, parking.text
    space = parking.json()["id"]
    at = accepted(
        client.post(f"/api/v1/parking/{space}/assignment", json={"unit_id": unit}, headers=admin)
    )
    got = client.get(f"/api/v1/parking/{space}", params={"after": at}, headers=admin).json()
    assert got["unit_id"] == unit and got["kind"] == "ev_charging"
    at = accepted(client.delete(f"/api/v1/parking/{space}/assignment", headers=admin))
    got = client.get(f"/api/v1/parking/{space}", params={"after": at}, headers=admin).json()
    assert got["unit_id"] is None

    at = accepted(
        client.patch(
            f"/api/v1/units/{unit}",
            json={"gross_area": "95.00", "use": "office"},
            headers=admin,
        )
    )
    view = client.get(f"/api/v1/units/{unit}", params={"after": at}, headers=admin).json()
    assert view["gross_area"] == "95.00" and view["use"] == "office"


def test_refused_registrations_append_nothing(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    building, _ = new_building(client, admin, estate)
    new_unit(client, admin, building)
    head = running.event_log.head()

    cases: list[tuple[str, str, dict[str, Any], int]] = [
        ("post", "/api/v1/estates", {"code": "sun", "name": "Again", "address": "x"}, 409),
        ("post", f"/api/v1/estates/{estate}/buildings", {"code": "b1"}, 409),
        (
            "post",
            f"/api/v1/buildings/{building}/units",
            {"number": "101", "floor": 1, "gross_area": "50", "internal_area": "40"},
            409,
        ),
        (
            "post",
            f"/api/v1/buildings/{building}/units",
            {"number": "102", "floor": 1, "gross_area": "50", "internal_area": "60"},
            422,
        ),
        (
            "post",
            f"/api/v1/buildings/{building}/units",
            {"number": "103", "floor": 1, "gross_area": "-5", "internal_area": "1"},
            422,
        ),
        (
            "post",
            f"/api/v1/buildings/{building}/units",
            {"number": "104", "floor": 1, "gross_area": "50.123", "internal_area": "1"},
            422,
        ),
        (
            "post",
            f"/api/v1/buildings/{building}/units",
            {"number": "105", "floor": 1, "gross_area": "50", "internal_area": "1", "x": 1},
            422,
        ),
        (
            "post",
            "/api/v1/buildings/00000000-0000-0000-0000-000000000000/units",
            {"number": "106", "floor": 1, "gross_area": "50", "internal_area": "40"},
            404,
        ),
        ("patch", f"/api/v1/estates/{estate}", {"name": "Sunrise Garden"}, 409),
    ]
    for method, path, body, status in cases:
        assert_problem(client.request(method, path, json=body, headers=admin), status)
    assert running.event_log.head() == head


def test_personal_data_is_sealed_in_the_log_and_masked_in_reads(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    person, at = new_person(client, admin, estate, name="Zhang Wei")
    got = client.get(f"/api/v1/people/{person}", params={"after": at}, headers=admin)
    assert got.status_code == 200, got.text
    view = got.json()
    assert view["name"] == "Z**** W**"
    assert view["phone"] == "138****5678"
    assert view["national_id"] == "3101**********1234"
    with running.pool.connection() as conn:
        stored = b"".join(
            bytes(r[0]) for r in conn.execute("SELECT state FROM estatelog_events").fetchall()
        )
    for secret in (b"Zhang Wei", b"13812345678", b"310101199001011234"):
        assert secret not in stored

    at = accepted(
        client.post(f"/api/v1/people/{person}/erasure", json={"reason": "asked"}, headers=admin)
    )
    view = client.get(f"/api/v1/people/{person}", params={"after": at}, headers=admin).json()
    assert view["personal_data_erased"] is True
    assert view["phone"] is None and view["national_id"] is None


def test_an_estate_is_renamed(client: TestClient, admin: dict[str, str]) -> None:
    estate, _ = new_estate(client, admin)
    at = accepted(
        client.patch(f"/api/v1/estates/{estate}", json={"name": "Renamed"}, headers=admin)
    )
    got = client.get(f"/api/v1/estates/{estate}", params={"after": at}, headers=admin)
    assert got.json()["name"] == "Renamed"
    assert got.json()["address"] == "1 Riverside Road, Shanghai"
