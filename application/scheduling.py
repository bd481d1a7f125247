"""Work that falls due with time: SLA breaches, alarm escalation, maintenance
plans, reminders. Each is an ordinary command issued by the scheduler.

A job is idempotent: run twice for the same moment, it issues its commands
once, because the aggregates it changes record what was already done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ScheduledJob:
    """``run(now)`` issues the commands due at ``now`` and returns how many it issued."""

    name: str
    every_seconds: float
    run: Callable[[datetime], int]
