"""Who is acting, from where, and why: the metadata stamped on every event.

The HTTP layer (or the CLI, or the scheduler) fills it once per request; the
event mapper reads it when events are stored. No command handler passes it by
hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID, uuid4


@dataclass(frozen=True)
class CommandContext:
    actor_id: UUID | None = None
    actor_role: str | None = None
    correlation_id: UUID = field(default_factory=uuid4)
    causation_id: UUID | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    def as_metadata(self) -> dict[str, Any]:
        # Called for every stored event: the fields are flat, so vars() rather
        # than asdict(), which deep-copies.
        return {k: (str(v) if isinstance(v, UUID) else v) for k, v in vars(self).items()}

    def acting_as(self, actor_id: UUID, actor_role: str | None) -> CommandContext:
        return replace(self, actor_id=actor_id, actor_role=actor_role)


SYSTEM = CommandContext(actor_role="system")


@dataclass
class ContextBox:
    """Mutable holder, so that a dependency run in a worker thread (which sees a
    copy of the context variables) can still name the actor for the request."""

    value: CommandContext
    #: The caller's session: its saves raise its last written position
    #: (decision 0045). Not in the events' metadata.
    session_id: str | None = None


_current: ContextVar[ContextBox | None] = ContextVar("estatelog_command_context", default=None)


def current_context() -> CommandContext:
    """The context of the command being handled, or a system context."""
    box = _current.get()
    return box.value if box else replace(SYSTEM, correlation_id=uuid4())


@contextmanager
def acting(context: CommandContext) -> Iterator[ContextBox]:
    """Run the body with ``context`` as the metadata of every event it stores."""
    box = ContextBox(context)
    token = _current.set(box)
    try:
        yield box
    finally:
        _current.reset(token)


def act_as(actor_id: UUID, actor_role: str | None, session_id: str | None = None) -> None:
    """Name the authenticated actor (and their session) for the rest of the current request."""
    box = _current.get()
    if box is not None:
        box.value = box.value.acting_as(actor_id, actor_role)
        box.session_id = session_id


def current_session() -> str | None:
    """The session of the request being handled, if it has one."""
    box = _current.get()
    return box.session_id if box else None
