"""Shared steps of the registry tests, all through the HTTP API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.api.test_object_scoping import assert_problem, make_user

__all__ = ["assert_problem", "make_user", "new_building", "new_estate", "new_person", "new_unit"]


def created(response: Any) -> tuple[str, int]:
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], int(body["position"])


def new_estate(
    client: TestClient, headers: dict[str, str], code: str = "SUN", name: str = "Sunrise Garden"
) -> tuple[str, int]:
    return created(
        client.post(
            "/api/v1/estates",
            json={"code": code, "name": name, "address": "1 Riverside Road, Shanghai"},
            headers=headers,
        )
    )


def new_building(
    client: TestClient, headers: dict[str, str], estate_id: str, code: str = "B1"
) -> tuple[str, int]:
    return created(
        client.post(
            f"/api/v1/estates/{estate_id}/buildings",
            json={"code": code, "name": f"Building {code}", "floors": 18},
            headers=headers,
        )
    )


def new_unit(
    client: TestClient,
    headers: dict[str, str],
    building_id: str,
    number: str = "101",
    gross: str = "89.50",
    internal: str = "72.30",
) -> tuple[str, int]:
    return created(
        client.post(
            f"/api/v1/buildings/{building_id}/units",
            json={
                "number": number,
                "floor": 1,
                "gross_area": gross,
                "internal_area": internal,
                "use": "residential",
            },
            headers=headers,
        )
    )


def new_person(
    client: TestClient,
    headers: dict[str, str],
    estate_id: str,
    name: str = "Zhang Wei",
    user_id: str | None = None,
) -> tuple[str, int]:
    body: dict[str, Any] = {
        "name": name,
        "phone": "13812345678",
        "national_id": "310101199001011234",
    }
    if user_id:
        body["user_id"] = user_id
    return created(client.post(f"/api/v1/estates/{estate_id}/people", json=body, headers=headers))


def accepted(response: Any) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["position"])
