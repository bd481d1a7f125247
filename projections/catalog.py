"""What read models are built from: the vault to unmask with, jobs to enqueue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.safetext import NulFreeVault


@dataclass
class ReadModelDeps:
    vault: Any
    jobs: Any
    pool: Any
    # The notification outbox's delivery jobs (projections/notifications/outbox.py:
    # Deliveries); built above the read models, in bootstrap.py.
    deliveries: Any = None

    def __post_init__(self) -> None:
        # What read models unmask goes into their tables: never a NUL.
        if not isinstance(self.vault, NulFreeVault):
            self.vault = NulFreeVault(self.vault)
