"""What every notification rule is made of: the notice, the subject the outbox
remembers, the directory it asks, and the small readers of event fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from domain.identity.policy import ROLE_PERMISSIONS, Permission


@dataclass(frozen=True)
class Notice:
    """What one event tells its audience."""

    kind: str
    title: str
    body: str
    priority: str
    recipients: list[UUID]
    estate_id: UUID | None = None
    subject_id: UUID | None = None

    def payload(self) -> dict[str, Any]:
        """The job's arguments (JSON): everything but the recipients."""
        return {
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "priority": self.priority,
            "estate_id": str(self.estate_id) if self.estate_id else None,
            "subject_id": str(self.subject_id) if self.subject_id else None,
        }


@dataclass
class Subject:
    """What the outbox remembers of an aggregate (from its earlier events)."""

    subject_id: UUID
    aggregate: str
    estate_id: UUID | None = None
    requested_by: UUID | None = None
    assignee_id: UUID | None = None
    title: str | None = None
    priority: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Directory(Protocol):
    """Who is who, as the outbox sees it when it reaches an event."""

    def holders(self, estate_id: UUID | None, action: str) -> list[UUID]: ...
    def with_role(self, estate_id: UUID | None, role: str) -> list[UUID]: ...
    def residents(self, estate_id: UUID | None) -> list[UUID]: ...
    def occupants(self, unit_id: UUID | None) -> list[UUID]: ...


def roles_holding(action: str) -> list[str]:
    """Roles that hold ``action`` ("resource:action") at some scope."""
    return sorted(
        role.value
        for role, granted in ROLE_PERMISSIONS.items()
        if any(p.action == action for p in granted)
    )


def permissions_for(action: str) -> list[str]:
    return sorted(p.value for p in Permission if p.action == action)


Audience = Callable[[Any, Subject, Directory], Iterable[UUID]]
Render = Callable[[Any, Subject], tuple[str, str, str]]  # title, body, priority


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: Audience
    render: Render


def uuid_or_none(value: Any) -> UUID | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, UUID) else UUID(str(value))


def first_field(event: Any, *names: str) -> Any:
    for name in names:
        value = getattr(event, name, None)
        if value is not None:
            return value
    return None


def text_of(value: Any) -> str:
    return str(getattr(value, "value", value))


def requester(event: Any, subject: Subject, directory: Directory) -> Iterable[UUID]:
    return [subject.requested_by] if subject.requested_by else []


def kind_name(event: Any) -> str:
    return type(event).__qualname__.rpartition(".")[2]
