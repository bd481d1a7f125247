"""The meters read model's answer to the meters context's commands
(``application/meters/ports.py: MeterDirectory``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

from application.meters.ports import MeterEntry
from projections.meters import queries


class MeterDirectory:
    def __init__(self, pool: Any, connect: Callable[[], AbstractContextManager[Any]] | None = None):
        self.connect = connect or pool.connection

    def unit_meters(self, estate_id: UUID) -> list[MeterEntry]:
        with self.connect() as conn:
            return queries.unit_meters(conn, estate_id)
