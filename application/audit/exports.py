"""Exports are recorded before their file is handed out (R2.5, R7.3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from application.actor import Actor
from application.ports import EventLogPort, Ids
from application.services import random_id
from domain.audit.exports import DataExport


@dataclass(frozen=True)
class RecordExport:
    actor: Actor
    dataset: str
    file_format: str
    rows: int
    filters: dict[str, Any] = field(default_factory=dict)


class Exports:
    def __init__(
        self, event_log: EventLogPort, clock: Callable[[], datetime], ids: Ids = random_id
    ) -> None:
        self.log = event_log
        self.clock = clock
        self.ids = ids

    def record(self, cmd: RecordExport) -> int:
        """Who took which records out, in what form; the position of the record."""
        # The audit trail is the one dataset exported as a file of records.
        cmd.actor.require("audit:export", owner_id=None)
        export = DataExport(
            id=self.ids(),
            dataset=cmd.dataset,
            file_format=cmd.file_format,
            filters=cmd.filters,
            rows=cmd.rows,
            at=self.clock(),
        )
        return self.log.save_and_position(export)
