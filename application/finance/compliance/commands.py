"""Compliance commands (R5.5): each carries the actor who issues it.

A run's actor may be None: the operator at the console (``estatelog finance
check``), whose access to the machine is the authority; the run is recorded
as the user they name (``recorded_as``), or as the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class RunChecks:
    """Run every check over one estate (or all: ``estate_id`` None) and record the review."""

    actor: Actor | None
    estate_id: UUID | None
    date_from: date
    date_to: date
    as_of: datetime | None = None
    as_of_position: int | None = None
    large_expense_threshold: Decimal | None = None
    currency: str | None = None
    recorded_as: UUID | None = None


@dataclass(frozen=True)
class RectifyFinding:
    actor: Actor
    review_id: UUID
    finding_id: UUID
    note: str


@dataclass(frozen=True)
class CloseFinding:
    actor: Actor
    review_id: UUID
    finding_id: UUID
    note: str
