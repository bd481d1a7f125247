"""Actors of the finance handler tests: a role's permissions, serving some estates."""

from __future__ import annotations

from uuid import UUID, uuid4

from application.actor import Actor
from domain.identity.policy import ROLE_PERMISSIONS, Role


def actor(role: Role, *estates: UUID) -> Actor:
    return Actor(
        user_id=uuid4(),
        username=f"a-{role}",
        role=str(role),
        permissions=ROLE_PERMISSIONS[role],
        session_id="s",
        estates=frozenset(estates),
    )
