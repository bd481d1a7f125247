"""What the registry's route modules share: the handlers and the reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.registry.service import RegistryService
from interfaces.http.consistency import reached
from interfaces.http.reads import query_off_loop
from interfaces.http.security import container

READ = "registry:read"
PROJECTION = "registry"

T = TypeVar("T")


def handlers(request: Request) -> RegistryService:
    return container(request).registry


async def read(
    request: Request,
    principal: Actor,
    after: int | None,
    query: Callable[..., T | None],
    *args: Any,
    **filters: Any,
) -> T:
    """One query of ``projections/registry/views.py``, on what the caller may
    see, once the read model has reached the position they asked for. A record
    they may not see answers as a missing one does."""
    await reached(request, PROJECTION, after)
    answer = await query_off_loop(request, query, principal.reach(READ), *args, **filters)
    if answer is None:
        raise NotFound(HIDDEN)
    return answer
