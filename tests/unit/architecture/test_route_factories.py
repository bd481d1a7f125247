"""A route made by a factory (``interfaces/http/routes.py``) is the route one
would write by hand: the same OpenAPI operation, and the same command sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, FastAPI, Request, Response, status

from domain.identity.policy import Permission
from interfaces.http.routes import Commands
from interfaces.http.schemas import Accepted, Command, Created, accepted
from interfaces.http.security import Principal, requires

PERMISSION = Permission.REGISTRY_MANAGE_ESTATE
PATH = "/things/{thing_id}/parts/{part_id}/name"


@dataclass(frozen=True)
class Rename:
    actor: Any
    tenant_id: UUID
    thing_id: UUID
    part_id: UUID
    name: str | None = None


@dataclass(frozen=True)
class Done:
    id: UUID
    position: int


class Things:
    def __init__(self) -> None:
        self.sent: list[Rename] = []

    def rename(self, command: Rename) -> int:
        self.sent.append(command)
        return 7

    def add(self, command: Rename) -> Done:
        self.sent.append(command)
        return Done(command.part_id, 8)

    def make(self, command: Rename) -> tuple[UUID, int]:
        self.sent.append(command)
        return command.part_id, 9


class NewName(Command):
    name: str


def _by_hand() -> APIRouter:
    router = APIRouter(prefix="/api/v1/{tenant_id}")

    @router.post(PATH, response_model=Accepted)
    def rename(
        tenant_id: UUID,
        thing_id: UUID,
        part_id: UUID,
        body: NewName,
        request: Request,
        principal: Principal = requires(PERMISSION),
    ) -> Response:
        """Give the part a name."""
        return accepted(0)

    @router.post(f"{PATH}/maybe", response_model=Accepted)
    def maybe_rename(
        tenant_id: UUID,
        thing_id: UUID,
        part_id: UUID,
        request: Request,
        body: NewName | None = None,
        principal: Principal = requires(PERMISSION),
    ) -> Response:
        return accepted(0)

    @router.post(f"{PATH}/new", status_code=status.HTTP_201_CREATED)
    def add_part(
        tenant_id: UUID,
        thing_id: UUID,
        part_id: UUID,
        request: Request,
        principal: Principal = requires(PERMISSION),
    ) -> Created:
        return Created(id=part_id, position=0)

    @router.post(f"{PATH}/pair", status_code=status.HTTP_201_CREATED)
    def make_part(
        tenant_id: UUID,
        thing_id: UUID,
        part_id: UUID,
        request: Request,
        principal: Principal = requires(PERMISSION),
    ) -> Created:
        return Created(id=part_id, position=0)

    return router


def _made(things: Things) -> APIRouter:
    router = APIRouter(prefix="/api/v1/{tenant_id}")
    send = Commands(router, lambda request: things, PERMISSION)
    send("POST", PATH, Things.rename, body=NewName, doc="Give the part a name.")
    send("POST", f"{PATH}/maybe", Things.rename, body=NewName | None, name="maybe_rename")
    send("POST", f"{PATH}/new", Things.add, name="add_part", created=True)
    send("POST", f"{PATH}/pair", Things.make, name="make_part", created=True)
    return router


def _openapi(router: APIRouter) -> dict[str, Any]:
    app = FastAPI()
    app.include_router(router)
    return app.openapi()  # type: ignore[no-any-return]


def test_a_made_route_documents_what_the_written_one_does() -> None:
    assert _openapi(_made(Things())) == _openapi(_by_hand())


def test_a_made_route_sends_the_actor_the_path_ids_and_the_body_fields() -> None:
    things = Things()
    routes = {r.name: r for r in _made(things).routes}  # type: ignore[attr-defined]
    actor, tenant, thing, part = object(), uuid4(), uuid4(), uuid4()
    ids = {"tenant_id": tenant, "thing_id": thing, "part_id": part}

    answer = routes["rename"].endpoint(None, actor, body=NewName(name="left"), **ids)
    assert answer.body == b'{"position":7}'
    routes["maybe_rename"].endpoint(None, actor, **ids)
    created = routes["add_part"].endpoint(None, actor, **ids)
    made = routes["make_part"].endpoint(None, actor, **ids)  # the handler answers a pair

    assert things.sent == [
        Rename(actor, tenant, thing, part, "left"),
        Rename(actor, tenant, thing, part),
        Rename(actor, tenant, thing, part),
        Rename(actor, tenant, thing, part),
    ]
    assert created == Created(id=part, position=8)
    assert made == Created(id=part, position=9)
