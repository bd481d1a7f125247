"""The decisions a user takes on an approval: each carries the actor.

The handler (``ApprovalService.decide``) loads the approval, finds it
missing for an actor who neither decides in its estate nor was handed it,
and lets the aggregate judge the step (level, role, own request).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class Approve:
    """Approve the current level: the next level decides, or the request is approved."""

    actor: Actor
    approval_id: UUID
    comment: str | None = None


@dataclass(frozen=True)
class Reject:
    """Reject at the current level: the request is refused, whatever the levels after."""

    actor: Actor
    approval_id: UUID
    reason: str


@dataclass(frozen=True)
class ReturnForChanges:
    """Send the request back to its requester, who resubmits it through its subject."""

    actor: Actor
    approval_id: UUID
    reason: str


@dataclass(frozen=True)
class Delegate:
    """Hand the current level to a named user who decides for this estate."""

    actor: Actor
    approval_id: UUID
    to: UUID


@dataclass(frozen=True)
class ConfigurePolicy:
    """An administrator (``approvals:configure``) sets the ordered levels and the
    pre-screening rules of a kind."""

    actor: Actor
    kind: str
    levels: Sequence[Mapping[str, Any]]
    rules: Sequence[Mapping[str, Any]] = ()


Decision = Approve | Reject | ReturnForChanges | Delegate
