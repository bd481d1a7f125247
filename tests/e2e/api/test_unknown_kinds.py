"""A kind the service does not know (decision 0049): a statement or an approval
kind in a path is missing (404, naming the kinds there are), a kind or role in a
filter is a 422, and nothing is configured under a misspelt name. No path
parameter of the OpenAPI document takes any string."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_errors import problem


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_a_misspelt_approval_kind_is_missing_and_configures_nothing(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    head = running.event_log.head()
    policy = {"levels": [{"name": "manager", "role": "property_manager"}]}
    url = "/api/v1/approval-policies/anouncement"
    refused = problem(client.put(url, json=policy, headers=admin), 404)
    assert "anouncement" in refused["detail"] and "announcement" in refused["detail"]
    problem(client.get(url, headers=admin), 404)
    listed = client.get("/api/v1/approvals", params={"kind": "anouncement"}, headers=admin)
    assert problem(listed, 422)["detail"].startswith("kind:")
    role = client.get("/api/v1/approvals", params={"decider_role": "manger"}, headers=admin)
    assert problem(role, 422)["errors"][0]["loc"] == ["query", "decider_role"]
    assert running.event_log.head() == head
    # the real kind still works
    real = url.replace("anouncement", "announcement")
    assert client.put(real, json=policy, headers=admin).is_success


def test_the_kinds_the_document_names_are_the_kinds_the_service_knows(
    client: TestClient, running: Container
) -> None:
    document = client.get("/openapi.json").json()
    parameters = document["paths"]["/api/v1/approval-policies/{kind}"]["put"]["parameters"]
    [kind] = [p for p in parameters if p["name"] == "kind"]
    listed = kind["description"].split(": ", 1)[1].split("; ")[0].split(", ")
    assert sorted(listed) == running.approvals.kinds()


def test_a_misspelt_statement_is_missing(client: TestClient, admin: dict[str, str]) -> None:
    document = client.get("/openapi.json").json()
    [kind] = [
        p
        for p in document["paths"]["/api/v1/finance/statements/{kind}"]["get"]["parameters"]
        if p["name"] == "kind"
    ]
    assert "trial-balance" in kind["schema"]["enum"]
    refused = problem(client.get("/api/v1/finance/statements/trial-balanse", headers=admin), 404)
    assert "trial-balance" in refused["detail"]


def test_every_path_parameter_that_is_not_an_id_is_bounded(client: TestClient) -> None:
    """A path parameter is an ID (a UUID), a number in a range, a pattern (a
    month, an approval kind) or one of a listed set: none takes any string."""
    document = client.get("/openapi.json").json()
    free = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = _resolve(document, parameter["schema"])
                if parameter["in"] != "path" or schema.get("type") != "string":
                    continue
                if not ({"enum", "pattern", "format"} & set(schema)):
                    free.append((method, path, parameter["name"]))
    assert free == []
