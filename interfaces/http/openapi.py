"""The OpenAPI document a client generator can use (decision 0052).

FastAPI documents what a route parses and what it answers on success. What
every route shares is added here, once, from what the route declares, rather
than by hand in each decorator:

* **errors**: every route answers its refusals as RFC 9457 problem+json
  (``interfaces/http/problems.py``), so each operation lists the statuses it
  can answer with the :class:`ProblemDetails` schema, derived from its shape:
  401 and 403 where it declares a permission, 404 where its path or body
  names a record by its ID, 422 where it takes input or is a command, 409
  for commands, 413 where it takes a body, 400 where it takes a cursor or an
  ``Idempotency-Key`` (documented on every POST that keeps one), 503 on every
  API route. A route that answers another (429 at the login)
  declares it in ``responses``; its schema is filled in here. FastAPI's own
  ``HTTPValidationError`` is gone: the service never answers it.
* **words for people**: the summary is the route's ``summary=``, else the
  first sentence of its docstring (up to its first aside when that sentence
  is long); the description is the docstring, followed by the permission the
  route needs, from :func:`interfaces.http.security.requires`.
* **a request example** for every JSON body, from
  :data:`interfaces.http.examples.EXAMPLES` (each is validated against its
  model by ``tests/e2e/api/test_openapi_complete.py``).
* **file answers**: a route with a ``format`` query parameter documents each
  format's media type beside JSON.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from interfaces.http.examples import example_of
from interfaces.http.exports import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE
from interfaces.http.middleware import IdempotencyMiddleware
from interfaces.http.problems import PROBLEM_JSON, TITLES
from interfaces.http.security import PUBLIC, declared_permission

FILE_MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": XLSX_MEDIA_TYPE,
    "pdf": PDF_MEDIA_TYPE,
}
REFUSALS = {
    400: "The request is malformed: a cursor this list did not make, or an "
    "Idempotency-Key over 255 characters.",
    401: "No bearer token, or one that is invalid, expired or of an ended session.",
    403: "The caller does not hold the permission this route needs.",
    404: "No such record, or one the caller may not see (the two are not told apart).",
    409: "A conflict: the record is not in a state that allows this, it was changed "
    "meanwhile, or a request with the same Idempotency-Key is still running.",
    413: "The request body is larger than the service takes.",
    422: "The request breaks a rule: ``detail`` says which; ``errors`` lists the fields "
    "that do not match the schema.",
    415: "The body is not of a media type the route reads.",
    429: "Too many attempts: wait the seconds ``Retry-After`` says.",
    503: "The database or a read model is not available now; nothing changed: retry.",
}
COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key when you retry: the command runs once and a retry "
    "gets its first answer (the same key with another body is a 422).",
    "schema": {"type": "string", "maxLength": 255},
}
SUMMARY_MAX = 80
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z`(])")


class FieldError(BaseModel):
    """One field of the request that does not match the schema."""

    loc: list[str | int] = Field(description="where: body, query or path, then the field's name")
    msg: str
    type: str


class RowError(BaseModel):
    """One row of an imported file that was refused (the whole file is)."""

    row: int
    column: str | None
    message: str


class ProblemDetails(BaseModel):
    """An error answer (RFC 9457), sent as ``application/problem+json``.

    The extension members beside the five standard ones appear only on the
    answers that name them.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Unprocessable request",
                    "status": 422,
                    "detail": "the request does not match the schema",
                    "instance": "/api/v1/workorders",
                    "errors": [
                        {"loc": ["body", "unit_id"], "msg": "Field required", "type": "missing"}
                    ],
                }
            ]
        },
    )

    type: str = Field("about:blank", description="always about:blank: the status says it all")
    title: str = Field(description="the status in words, or the rule's name")
    status: int
    detail: str | None = Field(None, description="what was refused and why, for people")
    instance: str | None = Field(None, description="the path of the request")
    errors: list[FieldError | RowError] | None = Field(
        None, description="422: the fields that do not match, or an imported file's bad rows"
    )
    rows: int | None = Field(None, description="422 on an import: the rows the file held")
    position: int | None = Field(
        None,
        description="401 at the login: the position of the refused login's event; "
        "503 behind: the position the read model has not reached",
    )
    read_model: str | None = Field(None, description="503: the read model stopped or behind")
    failed_position: int | None = Field(None, description="503: where a read model stopped")
    head: int | None = Field(None, description="422 on ``after``: the head of the log")
    second_factor: str | None = Field(
        None, description="401 at the login: 'sms' when a code is due"
    )
    challenge_id: str | None = Field(None, description="401 at the login: pass to /auth/login/code")
    expires_in: int | None = Field(None, description="401 at the login: the challenge's seconds")
    rule: str | None = Field(None, description="422 on a password: the rule it breaks")
    account: str | None = Field(None, description="422 on a journal: the control account")
    sub_ledger: str | None = Field(None, description="422 on a journal: its sub-ledger")


#: The completed documents this process has built, by the routes they describe.
#: Every app ``create_app`` builds includes the same routers (the contexts'), so
#: their document -- seconds of work for some 400 operations -- is built once a
#: process, and each app gets a copy of its own (the suite builds an app a test).
_BUILT: dict[tuple[Any, ...], dict[str, Any]] = {}
#: The routers named in those keys by their id, held so that no other takes it.
_ROUTERS: dict[int, Any] = {}


def install(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document the completed one (built once, on first ask)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            key = _described(app)
            if key not in _BUILT:
                _BUILT[key] = complete(app)
            app.openapi_schema = copy.deepcopy(_BUILT[key])
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _described(app: FastAPI) -> tuple[Any, ...]:
    """What ``app``'s document is made of: its words, the routers it includes
    (unexpanded: expanding 400 routes costs as much as documenting them) and
    the path, methods and function of each route of its own."""
    parts: list[Any] = [app.title, app.version, app.description]
    for route in app.routes:
        included = getattr(route, "original_router", None)  # FastAPI's included router
        if included is not None:
            _ROUTERS[id(included)] = included
            parts.append(
                (id(included), getattr(getattr(route, "include_context", None), "prefix", None))
            )
        elif isinstance(route, APIRoute) and route.include_in_schema:
            parts.append((route.path, tuple(sorted(route.methods or ())), route.endpoint))
    return tuple(parts)


def complete(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemDetails"] = problem
    named = Counter[str]()
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in ctx.methods or ():
            operation = document["paths"][str(ctx.path_format)].get(method.lower())
            if operation is not None:
                _complete(operation, route, ctx.dependant, method, str(ctx.path_format), schemas)
                # A generator names a client's method by it: the route's own name
                # (submit_order), not FastAPI's submit_order_api_v1_workorders_post.
                named[route.name] += 1
                operation["operationId"] = route.name
    _unique_operation_ids(document, named)
    return document


def _unique_operation_ids(document: dict[str, Any], named: Counter[str]) -> None:
    """A name two routes share (the route factories' ``list``, say) takes its method
    and path, so every ``operationId`` stays unique, as OpenAPI requires."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if named[operation.get("operationId", "")] > 1:
                words = [w for w in re.split(r"[^a-z0-9]+", path.lower()) if w]
                words = [w for w in words if w not in ("api", "v1")]
                operation["operationId"] = "_".join([method, *words])


def _complete(
    operation: dict[str, Any],
    route: APIRoute,
    dependant: Any,
    method: str,
    path: str,
    schemas: dict[str, Any],
) -> None:
    summary, description = words(route)
    operation["summary"] = summary
    permission = _permission(dependant)
    needs = (
        f"Anyone may call it ({permission.split(': ', 1)[1]})."
        if permission.startswith(f"{PUBLIC}:")
        else f"Needs the permission `{permission}`."
    )
    operation["description"] = f"{description}\n\n{needs}".strip()
    params = operation.get("parameters", [])
    names = {p["name"] for p in params}
    body = operation.get("requestBody")
    statuses = set()
    if not permission.startswith(f"{PUBLIC}:"):
        statuses |= {401, 403}
    if any(p["in"] == "path" for p in params) or _names_a_record(body, schemas):
        statuses.add(404)
    if params or body is not None or method in COMMANDS:
        statuses.add(422)
    if method in COMMANDS:
        statuses.add(409)
    if body is not None:
        statuses.add(413)
    if "cursor" in names:
        statuses.add(400)
    if _idempotent(method, path, permission):
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        statuses.add(400)
    if path.startswith("/api/"):
        statuses.add(503)
    responses = operation["responses"]
    for status in sorted(statuses | {int(s) for s in responses if s[0] in "45"}):
        declared = responses.get(str(status), {})
        if declared.get("content", {}).get("application/json", {}).get("schema") not in (
            None,
            {"$ref": "#/components/schemas/HTTPValidationError"},
        ):
            continue  # a route's own answer (/ready's 503 is its verdict, not a problem)
        responses[str(status)] = {
            "description": declared.get("description")
            if declared.get("description") not in (None, "Validation Error")
            else REFUSALS.get(status, TITLES.get(status, "Error")),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
    operation["responses"] = dict(sorted(responses.items()))
    _files(operation, params)
    if body is not None:
        _example(body, dependant)


def _idempotent(method: str, path: str, permission: str) -> bool:
    """Whether ``IdempotencyMiddleware`` keeps this route's answers by key: a POST
    of a session (not a login or a token refresh)."""
    return (
        method == "POST"
        and path.startswith("/api/")
        and not path.startswith(IdempotencyMiddleware.EXCLUDED_PREFIX)
        and not permission.startswith(f"{PUBLIC}:")
    )


def _names_a_record(node: Any, schemas: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    """Whether a body names a record by its ID (a UUID field): one the caller may
    not see, or that does not exist, is a 404 as on a path."""
    if isinstance(node, list):
        return any(_names_a_record(n, schemas, seen) for n in node)
    if not isinstance(node, dict):
        return False
    if node.get("format") == "uuid":
        return True
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[1]
        return name not in seen and _names_a_record(schemas.get(name), schemas, seen | {name})
    return any(_names_a_record(v, schemas, seen) for v in node.values())


def words(route: APIRoute) -> tuple[str, str]:
    """The route's summary (its ``summary=``, else its docstring's first sentence)
    and its description (the whole docstring, its first paragraph on one line)."""
    paragraphs = [p.strip() for p in (route.description or "").split("\n\n") if p.strip()]
    if route.summary:
        return route.summary, "\n\n".join(paragraphs)
    if not paragraphs:
        return "", ""
    text = " ".join(paragraphs[0].split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) > SUMMARY_MAX:
        # A long sentence is summed up by its head, before its first aside.
        cuts = [i for i in (first.find(m) for m in (" (", ": ", "; ", ", ")) if i >= 12]
        first = first[: min(cuts)] if cuts else first
    return first.rstrip(".;:,"), "\n\n".join([text, *paragraphs[1:]])


def _permission(dependant: Any) -> str:
    found = []

    def walk(d: Any) -> None:
        for dep in d.dependencies:
            if dep.call is not None and (declared := declared_permission(dep.call)) is not None:
                found.append(declared)
            walk(dep)

    walk(dependant)
    return found[0] if found else ""


def _files(operation: dict[str, Any], params: list[dict[str, Any]]) -> None:
    """A ``format`` parameter's file formats, as media types of the success answer."""
    fmt = next((p for p in params if p["name"] == "format"), None)
    if fmt is None:
        return
    formats = fmt["schema"].get("enum", [])
    for status, answer in operation["responses"].items():
        if status.startswith("2"):
            content = answer.setdefault("content", {})
            if "json" not in formats:
                content.pop("application/json", None)
            for name in formats:
                if name in FILE_MEDIA_TYPES:
                    content[FILE_MEDIA_TYPES[name]] = {
                        "schema": {"type": "string", "format": "binary"}
                    }


def _example(body: dict[str, Any], dependant: Any) -> None:
    media = body.get("content", {}).get("application/json")
    if media is None or not dependant.body_params:
        return
    example = example_of(dependant.body_params[0].field_info.annotation)
    if example is not None:
        media["example"] = example
