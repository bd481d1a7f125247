"""What application services need from the event store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class EventLogPort(Protocol):
    """The one event log: load aggregates, save them atomically, learn the position."""

    @property
    def repository(self) -> Any: ...

    def save_and_position(self, *aggregates: Any) -> int: ...

    def save_bulk(self, aggregates: Iterable[Any], *, chunk_size: int = 1000) -> int:
        """Save many new aggregates atomically, in bounded memory; the last position."""
        ...
