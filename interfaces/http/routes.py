"""One endpoint serving several routes: the route factories' common ground.

FastAPI reads what a route parses (its path parameters and body, their types,
their names in the OpenAPI document) from the endpoint's signature. A factory
writes its endpoint once, taking the path's parameters as ``**ids`` and the
body as ``body``; :func:`add` gives each route's endpoint the signature that
route needs, so it parses, validates and documents exactly what a
hand-written one would.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from domain.identity.policy import Permission
from interfaces.http.schemas import Accepted, ApprovalAsked, Created, accepted
from interfaces.http.security import Principal, container, requires

KEYWORD, EMPTY = inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty


def add(
    router: APIRouter,
    method: str,
    path: str,
    endpoint: Callable[..., Any],
    *,
    name: str,
    doc: str | None = None,
    body: Any = None,
    path_types: Mapping[str, Any] | None = None,
    **options: Any,
) -> None:
    """Add ``endpoint`` as the route ``name`` (its OpenAPI summary and
    operation id): its ``**ids`` become the path's parameters (UUIDs unless
    ``path_types`` says otherwise) and its ``body`` the ``body`` model, or
    nothing (then the endpoint's default). A body that may be None may be
    left out."""
    names = re.findall(r"\{(\w+)\}", router.prefix + path)
    types = {n: UUID for n in names} | dict(path_types or {})
    signature = inspect.signature(endpoint)
    kept = [
        p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD and p.name != "body"
    ]
    ids = [inspect.Parameter(n, KEYWORD, annotation=types[n]) for n in names]
    given = []
    if body is not None:
        default = None if type(None) in get_args(body) else EMPTY
        given = [inspect.Parameter("body", KEYWORD, annotation=body, default=default)]
    endpoint.__signature__ = signature.replace(parameters=[*kept, *ids, *given])  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    router.add_api_route(path, endpoint, methods=[method], name=name, **options)


def command_of(handle: Callable[..., Any]) -> Callable[..., Any]:
    """The command class a handler takes: one handler per command (decision 0017)."""
    hints = get_type_hints(handle)
    hints.pop("return", None)
    [command] = hints.values()
    return command  # type: ignore[no-any-return]


class Commands:
    """Routes that send one command each on the record their path names: the
    command is the handler's, its fields the actor, the path's IDs in order
    and the body's fields; the answer the position (or, for a creating
    command, the new record's ID too: the handler answers ``(id, position)``
    or an object with both)."""

    def __init__(
        self, router: APIRouter, service: Callable[[Request], Any], permission: Permission
    ) -> None:
        self.router, self.service, self.permission = router, service, permission

    def __call__(
        self,
        method: str,
        path: str,
        handle: Callable[..., Any],
        *,
        body: Any = None,
        doc: str | None = None,
        name: str | None = None,
        permission: Permission | None = None,
        path_types: Mapping[str, Any] | None = None,
        created: bool = False,
        opens_approval: bool = False,
    ) -> None:
        command, service = command_of(handle), self.service

        def endpoint(
            request: Request,
            principal: Principal = requires(permission or self.permission),
            *,
            body: BaseModel | None = None,
            **ids: Any,
        ) -> Any:
            fields = body.model_dump() if body is not None else {}
            done = handle(service(request), command(principal, *ids.values(), **fields))
            if opens_approval:  # the handler answers ``Opened``: say the approval's number
                number = container(request).approvals.number_of(done.approval_id)
                return ApprovalAsked(
                    position=done.position, approval_id=done.approval_id, approval_number=number
                )
            if not created:
                return accepted(done)
            # The new record's ID and the position: a pair, or an object with both.
            new_id, position = done if isinstance(done, tuple) else (done.id, done.position)
            return Created(id=new_id, position=position)

        answer: dict[str, Any] = (
            {"status_code": status.HTTP_201_CREATED, "response_model": Created}
            if created
            else {"response_model": ApprovalAsked if opens_approval else Accepted}
        )
        add(
            self.router,
            method,
            path,
            endpoint,
            name=name or handle.__name__,
            doc=doc,
            body=body,
            path_types=path_types,
            **answer,
        )
