"""Input rules hold for every route: the checks walk the routes of the real app.

A route or a request field added tomorrow with a bare ``str``, an unchecked
``Decimal``, free-form ``Any`` or a PATCH body that lets null through fails
here, before it can put a NUL or a right-to-left override into the log.
"""

from __future__ import annotations

import re
import types
import typing
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any

import annotated_types
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from bootstrap import Container
from domain.text import BIDI, ZERO_WIDTH, forbidden_character
from interfaces.http.app import create_app
from interfaces.http.schemas import Patch
from interfaces.http.text import (
    JsonRule,
    MultiLine,
    Secret,
    SingleLine,
    ascii_decimal,
)
from tests.conftest import ADMIN_PASSWORD
from tests.e2e.api.test_errors import problem

TEXT_RULES = (SingleLine, MultiLine, Secret)


def _body_routes(container: Container) -> Iterator[tuple[str, str, Any]]:
    for ctx in iter_route_contexts(create_app(container).routes):
        if not isinstance(ctx.original_route, APIRoute):
            continue
        for param in ctx.dependant.body_params:
            for method in sorted(ctx.methods or ()):
                yield method, str(ctx.path), param.field_info


def _unchecked(annotation: Any, metadata: list[Any], where: str, seen: set[type]) -> Iterator[str]:
    """The places under ``annotation`` where text, a decimal or a whole number is read unchecked.

    An unbounded whole number fails later: orjson cannot write one over 64
    bits into an event, PostgreSQL's bigint cannot compare one.
    """
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *more = typing.get_args(annotation)
        more = [c for m in more for c in (m.metadata if isinstance(m, FieldInfo) else [m])]
        if any(isinstance(m, JsonRule) for m in [*metadata, *more]):
            return  # every key and string under it is checked
        yield from _unchecked(inner, [*metadata, *more], where, seen)
    elif annotation is str:
        if not any(isinstance(m, TEXT_RULES) for m in metadata):
            yield f"{where}: str"
    elif annotation is int:
        if not any(isinstance(m, (annotated_types.Le, annotated_types.Lt)) for m in metadata):
            yield f"{where}: int without an upper bound"
    elif annotation is Decimal:
        if not any(isinstance(m, BeforeValidator) and m.func is ascii_decimal for m in metadata):
            yield f"{where}: Decimal"
    elif annotation is Any or annotation is object:
        if not any(isinstance(m, JsonRule) for m in metadata):
            yield f"{where}: Any"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            yield from _unchecked(
                field.annotation, list(field.metadata), f"{annotation.__name__}.{name}", seen
            )
    elif origin is typing.Literal:
        return
    elif origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _unchecked(arg, [], f"{where}[]", seen)


def test_every_text_and_decimal_of_every_request_body_is_a_shared_type(
    container: Container,
) -> None:
    offenders = {
        f"{method} {path}: {place}"
        for method, path, info in _body_routes(container)
        for place in _unchecked(info.annotation, list(info.metadata), "body", set())
    }
    assert not offenders, (
        "request fields not read through interfaces/http/text.py or schemas.DecimalInput:\n"
        + "\n".join(sorted(offenders))
    )


def test_every_patch_body_refuses_null_where_it_cannot_clear(container: Container) -> None:
    offenders = {
        f"{path}: {info.annotation}"
        for method, path, info in _body_routes(container)
        if method == "PATCH"
        and not (isinstance(info.annotation, type) and issubclass(info.annotation, Patch))
    }
    assert not offenders, "PATCH bodies that are not schemas.Patch:\n" + "\n".join(offenders)


def test_the_walk_finds_a_bare_str_nested_in_a_list_of_models() -> None:
    class Inner(BaseModel):
        names: dict[str, Annotated[str, SingleLine(5)]]

    class Outer(BaseModel):
        ok: Annotated[str, MultiLine(5)] | None = None
        inner: list[Inner]
        amount: Decimal
        count: Annotated[int, Field(ge=0)] | None = None

    assert sorted(_unchecked(Outer, [], "body", set())) == [
        "Inner.names[]: str",
        "Outer.amount: Decimal",
        "Outer.count[]: int without an upper bound",
    ]


# ---- the rules themselves -----------------------------------------------------

Name = TypeAdapter(Annotated[str, SingleLine(50)])
Notes = TypeAdapter(Annotated[str, MultiLine(50)])
Password = TypeAdapter(Annotated[str, Secret(50)])
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]]


def _refused(adapter: TypeAdapter[str], text: str) -> bool:
    try:
        adapter.validate_python(text)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_refuses_every_control_character(char: str) -> None:
    assert _refused(Name, f"Ann{char}e")
    assert _refused(Password, f"pass{char}word")


@pytest.mark.parametrize("char", sorted(BIDI | ZERO_WIDTH), ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_refuses_bidi_controls_and_zero_width_characters(char: str) -> None:
    assert _refused(Name, f"admin{char}")


def test_multi_line_text_keeps_tabs_and_newlines_and_turns_crlf_into_lf() -> None:
    assert Notes.validate_python("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"
    assert _refused(Notes, "one\x00two")
    assert _refused(Notes, "one\x1b[31mtwo")
    assert _refused(Notes, "abc\u202edcba")


def test_text_is_nfc_normalised_and_limited_after_normalising() -> None:
    assert Name.validate_python("Rene\u0301") == "Ren\u00e9"
    assert Name.validate_python("e\u0301" * 50) == "\u00e9" * 50
    assert _refused(Name, "x" * 51)
    assert _refused(Name, "")


def test_a_password_is_taken_exactly_as_sent() -> None:
    assert Password.validate_python("Rene\u0301 \u202e") == "Rene\u0301 \u202e"


@given(st.text(max_size=60))
def test_accepted_text_holds_no_forbidden_character(text: str) -> None:
    try:
        name = Name.validate_python(text)
    except ValidationError:
        return
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", name)
    assert not set(name) & (BIDI | ZERO_WIDTH)
    assert len(name) <= 50


# ---- over HTTP ---------------------------------------------------------------


def test_a_nul_in_a_work_order_title_is_refused_naming_the_field_and_nothing_is_appended(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    head = container.event_log.recorder.max_notification_id()
    response = client.post(
        "/api/v1/workorders",
        json={
            "estate_id": str(uuid.uuid4()),
            "title": "Leak\x00",
            "description": "water",
            "category": "plumbing",
        },
        headers=admin,
    )
    body = problem(response, 422)
    assert any(e["loc"][-1] == "title" for e in body["errors"]), body
    assert container.event_log.recorder.max_notification_id() == head


def test_a_display_name_with_a_right_to_left_override_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/users",
        json={
            "username": "mallory",
            "password": "a-long-enough-password-1",
            "display_name": "Admin\u202egnp.exe",
            "roles": ["owner"],
        },
        headers=admin,
    )
    body = problem(response, 422)
    assert any(e["loc"][-1] == "display_name" for e in body["errors"]), body
    assert "U+202E" in str(body["errors"])


# ---- query and path parameters ---------------------------------------------------

URL_CONTROLS = ["%00", "%01", "%0A", "%1B", "%7F", "%C2%85"]


def _query_names(dependant: Dependant) -> list[str]:
    names = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += [n for n in _query_names(sub) if n not in names]
    return names


def _get_routes(container: Container) -> list[tuple[str, list[str]]]:
    return [
        (str(ctx.path), _query_names(ctx.dependant))
        for ctx in iter_route_contexts(create_app(container).routes)
        if isinstance(ctx.original_route, APIRoute) and "GET" in (ctx.methods or ())
    ]


def _filled(path: str, value: str | None = None) -> str:
    """``path`` with a fresh UUID in each parameter, or ``value`` in the first."""
    first = True

    def one(match: re.Match[str]) -> str:
        nonlocal first
        use = value if first and value is not None else str(uuid.uuid4())
        first = False
        return use

    return re.sub(r"\{\w+(:\w+)?\}", one, path)


def test_a_control_character_in_any_query_parameter_of_any_get_route_is_a_400(
    client: TestClient, admin: dict[str, str]
) -> None:
    routes = _get_routes(client.app.state.container)  # type: ignore[attr-defined]
    tried = 0
    for path, names in routes:
        for i, name in enumerate(names):
            char = URL_CONTROLS[i % len(URL_CONTROLS)]
            response = client.get(f"{_filled(path)}?{name}=a{char}b", headers=admin)
            body = problem(response, 400)
            assert repr(name) in body["detail"], body
            tried += 1
    assert tried > 100  # the walk found the list routes' filters


def test_a_control_character_in_any_path_parameter_of_any_get_route_is_a_400(
    client: TestClient, admin: dict[str, str]
) -> None:
    for path, _ in _get_routes(client.app.state.container):  # type: ignore[attr-defined]
        if "{" in path:
            problem(client.get(_filled(path, "x%00y"), headers=admin), 400)


def test_a_nul_in_an_equipment_search_is_refused_not_a_500(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = problem(client.get("/api/v1/equipment?q=pump%00", headers=admin), 400)
    assert "U+0000" in body["detail"]
    assert client.get("/api/v1/equipment?q=pump", headers=admin).status_code == 200


def test_headers_kept_in_the_log_lose_the_characters_no_stored_text_may_hold(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Headers are read as latin-1, so bytes 0x80-0x9F arrive as C1 controls;
    the user agent and request id go into every event's metadata."""
    hostile = {"user-agent": b"agent\x85\x9b[31m end", "x-request-id": b"req\x9b1"}
    response = client.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": ADMIN_PASSWORD},
        headers=hostile,
    )
    assert response.status_code == 200
    assert re.fullmatch("[0-9a-f]{32}", response.headers["x-request-id"])  # one of ours
    me = client.get("/api/v1/auth/me", headers=admin).json()
    logins = client.get(
        f"/api/v1/users/{me['id']}/logins?after={response.json()['position']}", headers=admin
    ).json()["items"]
    # (The test client sends the bytes UTF-8 encoded: C2 85 C2 9B; the C2s are Â.)
    agent = logins[0]["user_agent"]
    assert agent.startswith("agent") and agent.endswith("[31m end")
    assert forbidden_character(agent) is None
