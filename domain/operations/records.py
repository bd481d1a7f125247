"""What operators do to the store itself is audited like everything else (R5.5)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class BackupTaken(Aggregate):
    """A backup file of the log was written: which positions, ending at which hash."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        file_name: str,
        from_position: int,
        to_position: int,
        events: int,
        head_hash: str | None,
        at: datetime,
    ) -> None:
        self.file_name = file_name
        self.from_position = from_position
        self.to_position = to_position
        self.events = events
        self.head_hash = head_hash


class RestoreCompleted(Aggregate):
    """An empty store was loaded from backup files and its read models rebuilt."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        files: list[str],
        events: int,
        head_position: int,
        head_hash: str | None,
        at: datetime,
    ) -> None:
        self.files = files
        self.events = events
        self.head_position = head_position
        self.head_hash = head_hash
