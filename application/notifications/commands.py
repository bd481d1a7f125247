"""Notification commands: each carries the actor who issues it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class SendMessage:
    """A message to one user (``recipient_id``) or to every resident of an estate."""

    actor: Actor
    subject: str
    body: str
    priority: str = "normal"
    recipient_id: UUID | None = None
    estate_id: UUID | None = None


@dataclass(frozen=True)
class ScheduleReminder:
    """A reminder for the actor, or (staff) for a user they may address."""

    actor: Actor
    message: str
    due_at: datetime
    priority: str = "normal"
    user_id: UUID | None = None


@dataclass(frozen=True)
class CancelReminder:
    """Cancel a reminder of the actor's own, or one they scheduled for someone."""

    actor: Actor
    reminder_id: UUID


@dataclass(frozen=True)
class MarkRead:
    """Mark notifications of the actor's own inbox read; one not in it is missing."""

    actor: Actor
    positions: tuple[int, ...]


@dataclass(frozen=True)
class ChoosePreferences:
    """The actor's channels; ``contacts_given``: the addresses replace both."""

    actor: Actor
    channels: tuple[str, ...]
    email: str | None = None
    phone: str | None = None
    contacts_given: bool = False
