"""Exports are audited too: who took which records out, in what form (R2.5, R7.3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class DataExport(Aggregate):
    """One file of records handed to someone: a CSV or xlsx of the audit trail, ..."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        dataset: str,
        file_format: str,
        filters: dict[str, Any],
        rows: int,
        at: datetime,
    ) -> None:
        self.dataset = dataset
        self.file_format = file_format
        self.filters = filters
        self.rows = rows
