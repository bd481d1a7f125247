"""One shape for every list (decision 0042): ``{items, next_cursor}``, paged by
one opaque ``cursor`` and a bounded ``limit``.

The first checks read the OpenAPI document of the real app, so a list route
added tomorrow that answers a bare array, or pages by a parameter of its own,
fails here. The last walks real lists page by page on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.registry.helpers import new_building, new_estate, new_unit
from tests.support.pages import every_page, items

# Paging parameters the lists had before they had one cursor: none may return.
RETIRED = {"before", "before_id", "before_order", "before_bill", "before_claim"}
RETIRED |= {"before_review", "after_number", "after_line"}


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _gets(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every GET of the API with its answer's JSON schema (if it has one)."""
    found = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or not path.startswith("/api/v1"):
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        found.append((path, operation, _schema(document, schema)))
    return found


def test_no_route_answers_a_bare_array(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    arrays = [path for path, _, schema in _gets(document) if schema.get("type") == "array"]
    assert arrays == []


def test_every_page_has_items_and_a_string_cursor_and_pages_by_cursor_and_limit(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    pages = [
        (path, operation, schema)
        for path, operation, schema in _gets(document)
        if "items" in schema.get("properties", {})
    ]
    assert len(pages) >= 40, [p for p, _, _ in pages]
    for path, operation, schema in pages:
        properties = schema["properties"]
        assert {"items", "next_cursor"} <= set(properties), path
        assert {"items", "next_cursor"} <= set(schema["required"]), path
        cursor_types = {t.get("type") for t in properties["next_cursor"]["anyOf"]}
        assert cursor_types == {"string", "null"}, path
        names = {p["name"] for p in operation.get("parameters", [])}
        assert not names & RETIRED, (path, names & RETIRED)
        # a page that can end before the list does takes the cursor back
        if "limit" in names:
            assert "cursor" in names, path


def test_a_cursor_of_another_list_or_of_nothing_is_a_400_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    estate, _ = new_estate(client, admin)
    at = new_estate(client, admin, code="MOON", name="Moon Court")[1]
    first = client.get("/api/v1/estates", params={"limit": 1, "after": at}, headers=admin)
    cursor = first.json()["next_cursor"]  # a code: a units cursor needs an ID
    assert cursor is not None
    for bad in (cursor, "zzz", "W10"):
        r = client.get("/api/v1/units", params={"cursor": bad}, headers=admin)
        assert r.status_code == 400, (bad, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert len(items(client.get("/api/v1/units", params={"estate_id": estate}, headers=admin))) == 0


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=1, max_value=8))
def test_walking_every_page_finds_each_unit_once_in_order(
    client: TestClient, admin: dict[str, str], limit: int
) -> None:
    """Seven units over two buildings, walked ``limit`` at a time: each once,
    in building and number order, and the last page has no cursor."""
    codes = client.get("/api/v1/estates", headers=admin).json()["items"]
    if not codes:  # the first example registers the estate; the rest read it
        estate, _ = new_estate(client, admin)
        for code, numbers in (("B1", ("101", "102", "201", "202")), ("B2", ("101", "102", "103"))):
            building, _ = new_building(client, admin, estate, code)
            for number in numbers:
                at = new_unit(client, admin, building, number)[1]
        client.get("/api/v1/units", params={"after": at}, headers=admin)
    whole = items(client.get("/api/v1/units", params={"limit": 100}, headers=admin))
    walked = every_page(client, "/api/v1/units", {"limit": limit}, headers=admin)
    assert len(whole) == 7
    assert [u["id"] for u in walked] == [u["id"] for u in whole]
    pages = -(-7 // limit)  # the pages a walk takes: none of them empty
    first = client.get("/api/v1/units", params={"limit": limit}, headers=admin).json()
    assert (first["next_cursor"] is None) == (pages == 1)
