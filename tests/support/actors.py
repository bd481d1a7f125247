"""Actors for commands issued by tests, as an HTTP session would make them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid4

from application.actor import Actor
from domain.identity.policy import AUTHENTICATED_BASELINE, Permission, Role, effective_permissions
from domain.identity.user import User


def actor(role: Role, *estates: UUID, user_id: UUID | None = None) -> Actor:
    """A user of one role serving ``estates`` (none: a resident, or company-wide staff)."""
    return acting_as(user_id or uuid4(), (role,), estates)


def acting_as(user_id: UUID, roles: Iterable[Role], estates: Iterable[UUID] = ()) -> Actor:
    roles = tuple(roles)
    return Actor(
        user_id=user_id,
        username=f"user-{user_id.hex[:8]}",
        role=str(roles[0]) if roles else None,
        permissions=effective_permissions(set(roles), set()) | AUTHENTICATED_BASELINE,
        session_id="test",
        estates=frozenset(estates),
    )


def actor_of(user: User) -> Actor:
    """A registered user, with the permissions and estates of their aggregate."""
    return Actor.of(user, "test")


def registered(log: Any, username: str, role: Role, *estates: UUID) -> Actor:
    """A user saved in ``log`` (handlers that hand work to staff read their
    aggregate), as the actor of their session."""
    user = User(username=username, roles=[role], password_hash="unused")
    for estate in estates:
        user.assign_estate(estate)
    log.save_and_position(user)
    return actor_of(user)


#: Holds every permission at every scope: for stories where scope is not the point.
EVERY_RIGHT = Actor(
    user_id=UUID(int=0),
    username="every.right",
    role=None,
    permissions=frozenset(Permission),
    session_id="test",
)
