"""Actors for calling handlers directly: a role's permissions, the estates served."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid4

from application.actor import Actor
from domain.identity.policy import Permission, Role, effective_permissions


def actor(role: Role, estates: Iterable[UUID] = (), *, user_id: UUID | None = None) -> Actor:
    """A caller holding ``role``, serving ``estates``."""
    return Actor(
        user_id=user_id or uuid4(),
        username=f"{role}.test",
        role=str(role),
        permissions=effective_permissions({role}, set()),
        session_id="test",
        estates=frozenset(estates),
    )


#: Holds every permission at every scope: for stories where scope is not the point.
EVERY_RIGHT = Actor(
    user_id=UUID(int=0),
    username="every.right",
    role=None,
    permissions=frozenset(Permission),
    session_id="test",
)
