"""``status=`` on a list is one of its records' own statuses (issue 16, "One shape"):
the OpenAPI document shows the enum, an unknown value is a 422 naming the allowed
values, and a known one filters."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.community.announcement import AnnouncementStatus
from domain.community.complaint import ComplaintStatus
from domain.community.service_request import RequestStatus
from domain.finance.expenses import ClaimStatus
from domain.finance.fund_rules import SpendingStatus
from domain.finance.renovation import DepositStatus
from interfaces.http.app import create_app
from tests.e2e.api.test_object_scoping import assert_problem
from tests.support.estate_world import World

API = "/api/v1"
LISTS: dict[str, type[StrEnum]] = {
    f"{API}/service-requests": RequestStatus,
    f"{API}/complaints": ComplaintStatus,
    f"{API}/announcements": AnnouncementStatus,
    f"{API}/finance/renovation-deposits": DepositStatus,
    f"{API}/finance/fund/spendings": SpendingStatus,
    f"{API}/finance/expenses": ClaimStatus,
}


def _status_parameter(document: dict[str, Any], path: str) -> dict[str, Any]:
    [parameter] = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "status"]
    schema = parameter["schema"]
    for choice in schema.get("anyOf", [schema]):
        while "$ref" in choice:
            choice = document["components"]["schemas"][choice["$ref"].rsplit("/", 1)[1]]
        if "enum" in choice:
            return choice
    raise AssertionError(f"{path}: status= is no enum: {schema}")


def test_every_status_filter_of_a_list_is_an_enum_of_its_records_statuses(
    container: Container,
) -> None:
    document = create_app(container).openapi()
    for path, statuses in LISTS.items():
        assert _status_parameter(document, path)["enum"] == [s.value for s in statuses], path
    # No other list takes any string as a status.
    loose = [
        path
        for path, operations in document["paths"].items()
        for p in operations.get("get", {}).get("parameters", [])
        if p["name"] == "status" and _free_text(p["schema"])
    ]
    assert loose == [], loose
    deliveries = _status_parameter(document, f"{API}/notifications/deliveries/all")
    assert deliveries["enum"] == ["pending", "sent", "skipped", "failed"]


def _free_text(schema: dict[str, Any]) -> bool:
    first = schema.get("anyOf", [schema])[0]
    return first.get("type") == "string" and not {"enum", "pattern"} & first.keys()


def test_an_unknown_status_is_422_naming_the_allowed_values_and_a_known_one_filters(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    for path, statuses in LISTS.items():
        refused = client.get(path, params={"status": "nonsense"}, headers=admin)
        said = str(assert_problem(refused, 422))
        assert "status" in said and all(s.value in said for s in statuses), (path, said)
        found = set()
        for status in statuses:
            page = client.get(path, params={"status": status.value}, headers=admin)
            assert page.status_code == 200, page.text
            rows = page.json()["items"]
            assert all(row["status"] == status.value for row in rows), (path, rows)
            found |= {status.value} if rows else set()
        assert found, f"{path}: the world has none of these to filter"
