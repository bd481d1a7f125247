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
    """Run every check over one estate (or all: ``estate_id`` None) and record the review.

    One estate needs ``compliance:run`` for it; every estate ``compliance:run:any``.
    """

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
class FindingStep:
    """A step on one finding of a review, with a note; a finding of an estate the
    actor may not act for answers as missing."""

    actor: Actor
    review_id: UUID
    finding_id: UUID
    note: str


class RectifyFinding(FindingStep):
    """The estate (``compliance:rectify``) explains or fixes an open finding."""


class CloseFinding(FindingStep):
    """An auditor (``compliance:run``) accepts a rectified finding; not the one who rectified it."""
