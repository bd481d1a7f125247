"""What read models are built from: the vault to unmask with, jobs to enqueue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ReadModelDeps:
    vault: Any
    jobs: Any
    pool: Any
