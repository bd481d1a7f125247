"""Commands of the books (R5.3): each carries the actor who issues it, so the
ledger's handler authorizes ``ledger:close`` against the estate it books in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class PostJournal:
    """A manual journal (opening balances, corrections) booked on ``booked_on``, in an
    open period."""

    actor: Actor
    estate_id: UUID
    booked_on: date
    memo: str
    lines: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class ReverseJournal:
    """Reverse a manual journal with the mirrored entry, booked today."""

    actor: Actor
    journal_id: UUID
    reason: str


@dataclass(frozen=True)
class ClosePeriod:
    """Close ``period`` of the estate's books at the current head of the log: nothing
    is booked in it afterwards."""

    actor: Actor
    estate_id: UUID
    period: str
