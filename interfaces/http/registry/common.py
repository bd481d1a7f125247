"""What the registry's route modules share: one router, the handlers, reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request

from application.actor import HIDDEN
from application.errors import NotFound
from application.registry.service import RegistryService
from interfaces.http.security import container

router = APIRouter(prefix="/api/v1", tags=["registry"])

READ = "registry:read"
PROJECTION = "registry"

T = TypeVar("T")


def handlers(request: Request) -> RegistryService:
    return container(request).registry


def read(request: Request, query: Callable[..., T], *args: Any, **filters: Any) -> T:
    """One query of ``projections/registry/views.py`` on a pooled connection."""
    with container(request).pool.connection() as conn:
        return query(conn, *args, **filters)


def found(row: T | None) -> T:
    """The record; one the caller may not see answers as a missing one does."""
    if row is None:
        raise NotFound(HIDDEN)
    return row
