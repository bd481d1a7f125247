"""The OpenAPI document is one a client generator and a front-end developer can
use (issue 16, decision 0052): every operation has a summary written for
people, says the permission it needs, lists the problem+json errors it can
answer, shows an example of its body and types its success answer.

Each test walks the real app's document, so a route added tomorrow without
one of these fails here, by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter

from bootstrap import Container
from interfaces.http.app import create_app
from interfaces.http.examples import EXAMPLES, key_of
from interfaces.http.problems import PROBLEM_JSON

PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}
COMMANDS = {"post", "put", "patch", "delete"}
# Answers that are not JSON documents, with the media types they declare.
NOT_JSON = {
    ("get", "/metrics"): "text/plain",
    ("get", "/api/v1/audit/exports/signed"): "application/gzip",
    ("get", "/api/v1/audit/events/export"): "text/csv",
}
# Error statuses whose answer is the route's own document, not a problem.
OWN_ANSWERS = {("get", "/ready", "503")}


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


_DOCUMENTS: list[dict[str, Any]] = []


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    # Built once per process: the document does not depend on the store.
    if not _DOCUMENTS:
        _DOCUMENTS.append(app.openapi())
    return _DOCUMENTS[0]


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _typed(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object with named properties (a union: each of its members)."""
    schema = _resolve(document, schema)
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        return all(_typed(document, m) for m in members if m.get("type") != "null")
    return schema.get("type") == "object" and bool(schema.get("properties"))


def _offenders(found: list[str], what: str) -> None:
    assert not found, f"{len(found)} operations {what}:\n" + "\n".join(sorted(found))


def test_every_operation_has_a_summary_for_people(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in _operations(document):
        summary = operation.get("summary", "")
        generated = operation["operationId"].replace("_", " ").title()
        if not summary or summary == generated or summary.istitle() or len(summary) > 80:
            found.append(f"{method.upper()} {path}: {summary!r}")
    _offenders(found, "without a summary written for people (docstring's first sentence)")


def test_every_operation_id_is_unique_and_a_name_a_client_method_can_take(
    document: dict[str, Any],
) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    found = [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9_]*", i) or "api_v1" in i]
    _offenders(found, "with an operationId a generator would turn into a clumsy method name")


def test_every_operation_says_the_permission_it_needs(document: dict[str, Any]) -> None:
    found = [
        f"{method.upper()} {path}"
        for method, path, operation in _operations(document)
        if "Needs the permission `" not in operation.get("description", "")
        and "Anyone may call it" not in operation.get("description", "")
    ]
    _offenders(found, "whose description does not name their permission")


def _expected_errors(method: str, operation: dict[str, Any]) -> set[str]:
    params = operation.get("parameters", [])
    expected = set()
    if operation.get("security"):
        expected |= {"401", "403"}
    if any(p["in"] == "path" for p in params):
        expected.add("404")
    if params or "requestBody" in operation or method in COMMANDS:
        expected.add("422")
    if method in COMMANDS:
        expected.add("409")
    if "requestBody" in operation:
        expected.add("413")
    return expected


def test_every_operation_lists_its_errors_as_problem_details(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        missing = _expected_errors(method, operation) - set(responses)
        if missing:
            found.append(f"{method.upper()} {path}: no {sorted(missing)}")
        for status, answer in responses.items():
            if (method, path, status) in OWN_ANSWERS:
                continue
            if status[0] in "45" and answer.get("content") != {PROBLEM_JSON: {"schema": PROBLEM}}:
                found.append(f"{method.upper()} {path}: {status} is not problem+json")
    _offenders(found, "with undocumented or non-RFC 9457 errors")
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_every_command_of_a_session_documents_its_idempotency_key(
    document: dict[str, Any],
) -> None:
    found = [
        path
        for method, path, operation in _operations(document)
        if method == "post"
        and operation.get("security")
        and not path.startswith("/api/v1/auth/")
        and "Idempotency-Key" not in {p["name"] for p in operation.get("parameters", [])}
    ]
    _offenders(found, "that keep answers by Idempotency-Key without saying so")
    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in login.get("parameters", [])}


def test_the_login_documents_its_rate_limit(document: dict[str, Any]) -> None:
    for path in ("/api/v1/auth/login", "/api/v1/auth/login/code"):
        assert "429" in document["paths"][path]["post"]["responses"], path


def test_the_problem_schema_is_rfc_9457_with_the_members_the_service_sends(
    document: dict[str, Any],
) -> None:
    problem = document["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["properties"])
    assert {"title", "status"} <= set(problem["required"])
    assert {"errors", "rows", "challenge_id", "rule", "read_model"} <= set(problem["properties"])
    imports = document["paths"]["/api/v1/estates/{estate_id}/imports/units"]["post"]
    assert "415" in imports["responses"]
    assert problem["additionalProperties"] is True


def test_every_success_answer_has_a_typed_schema(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in _operations(document):
        for status, answer in operation["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = answer.get("content", {})
            name = f"{method.upper()} {path} {status}"
            if (method, path) in NOT_JSON:
                if not any(m.startswith(NOT_JSON[(method, path)]) for m in content):
                    found.append(f"{name}: no {NOT_JSON[method, path]}")
                continue
            schema = content.get("application/json", {}).get("schema")
            if schema is None or not _typed(document, schema):
                found.append(f"{name}: untyped")
                continue
            items = _resolve(document, schema).get("properties", {}).get("items")
            if items is not None and not _typed(document, items.get("items", {})):
                found.append(f"{name}: a page of untyped items")
    _offenders(found, "without a typed success schema")


def test_a_format_parameter_declares_each_files_media_type(document: dict[str, Any]) -> None:
    media = {"csv": "text/csv", "xlsx": "spreadsheetml", "pdf": "application/pdf"}
    found = []
    for method, path, operation in _operations(document):
        for p in operation.get("parameters", []):
            if p["name"] != "format":
                continue
            answer = next(a for s, a in operation["responses"].items() if s.startswith("2"))
            for fmt in set(p["schema"].get("enum", [])) & set(media):
                if not any(media[fmt] in m for m in answer.get("content", {})):
                    found.append(f"{method.upper()} {path}: {fmt}")
    _offenders(found, "that offer a file format their answer does not declare")


def _bodies(app: FastAPI) -> Iterator[tuple[str, Any]]:
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute) and ctx.dependant.body_params:
            annotation = ctx.dependant.body_params[0].field_info.annotation
            yield f"{sorted(ctx.methods or ())} {ctx.path_format}", annotation


def test_every_json_body_has_an_example_that_its_model_accepts(
    app: FastAPI, document: dict[str, Any]
) -> None:
    found = []
    for method, path, operation in _operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "example" not in body:
            found.append(f"{method.upper()} {path}")
    _offenders(found, "whose JSON body has no example")
    for route, annotation in _bodies(app):
        key = key_of(annotation)
        if key is not None:
            TypeAdapter(annotation).validate_python(EXAMPLES[key]), route


def test_no_example_is_left_over_from_a_body_that_is_gone(app: FastAPI) -> None:
    used = {key_of(annotation) for _, annotation in _bodies(app)}
    assert set(EXAMPLES) - used == set()
