"""A command that opens an approval answers its number beside its ID (decision 0050):
the number people say (``HVG-AP-2026-000001``), the one the approval's read shows."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.http.app import create_app
from tests.support.estate_world import World

API = "/api/v1"
NUMBER = re.compile(r"[A-Z0-9]+-AP-\d{4}-\d{6}")


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_answer_that_names_an_approval_opened_names_its_number_too(
    container: Container,
) -> None:
    document = create_app(container).openapi()
    opening, missing = [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "get":
                continue
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json")
                if not code.startswith("2") or not content:
                    continue
                fields = _schema(document, content["schema"]).get("properties", {})
                if "approval_id" in fields:
                    opening.append(f"{method.upper()} {path}")
                    if "approval_number" not in fields:
                        missing.append(f"{method.upper()} {path}")
    assert len(opening) >= 14, opening  # finance's dozen, a request accepted, an announcement
    assert f"POST {API}/service-requests/{{request_id}}/accept" in opening
    assert f"POST {API}/announcements/{{announcement_id}}/submit" in opening
    assert not missing, missing


def _number_shown(client: TestClient, headers: dict[str, str], answer: Any) -> str:
    assert answer.status_code in (200, 201, 202), answer.text
    body = answer.json()
    assert NUMBER.fullmatch(body["approval_number"]), body
    shown = client.get(
        f"{API}/approvals/{body['approval_id']}",
        params={"after": body["position"]},
        headers=headers,
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["number"] == body["approval_number"]
    return str(body["approval_number"])


def test_the_number_answered_is_the_approvals_own(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    a = world.a
    estate, unit = a["estate"], a["unit"]
    ask = {"estate_id": estate, "unit_id": unit, "category": "cleaning", "description": "stairs"}
    asked = client.post(f"{API}/service-requests", json=ask, headers=a.resident.headers)
    assert asked.status_code == 201, asked.text
    numbers = [
        _number_shown(
            client,
            admin,
            client.post(
                f"{API}/service-requests/{asked.json()['id']}/accept",
                headers=a.customer_service.headers,
            ),
        )
    ]
    drafted = client.post(
        f"{API}/announcements",
        json={"estate_id": estate, "title": "Lift service", "body": "Monday"},
        headers=a.manager.headers,
    )
    assert drafted.status_code == 201, drafted.text
    submitted = client.post(
        f"{API}/announcements/{drafted.json()['id']}/submit", headers=a.manager.headers
    )
    numbers.append(_number_shown(client, admin, submitted))
    refund = client.post(
        f"{API}/finance/units/{unit}/refunds",
        json={"amount": "1.00", "reason": "overpaid by one"},
        headers=a.finance.headers,
    )
    numbers.append(_number_shown(client, admin, refund))
    # One series per estate and year: each opened one more than the last.
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == sorted(serials) and len(set(serials)) == 3, numbers
