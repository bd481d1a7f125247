"""What the finance handlers read from the finance read models.

Closing a period and running the compliance checks decide on the ledger's
rows, and a fund spending shared by every unit on the estate's list of units,
and an owners' resolution counted against the registered estate, so they ask
these ports; ``projections/finance/statements``, ``projections/finance/checks``,
``projections/finance/fund`` and ``projections/registry/totals`` answer them
and ``bootstrap.py`` wires them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:  # the compliance package imports these ports
    from application.finance.compliance.scope import CheckResult, Scope


class LedgerStatements(Protocol):
    """Facts of the ledger read model a command records."""

    def first_entry_day(self, estate_id: UUID) -> date | None:
        """The booking day of the estate's first ledger entry (None before any)."""
        ...

    def period_digest(self, estate_id: UUID, period: str, through_position: int) -> str:
        """The digest of the period's trial balance from entries up to the position."""
        ...

    def position_at(self, moment: datetime) -> int:
        """The last log position recorded at or before ``moment`` (0 before the first)."""
        ...

    def balances(
        self, estate_id: UUID, on: date, through_position: int
    ) -> dict[tuple[str, str], Decimal]:
        """(account, currency) -> balance (debit minus credit) at the end of ``on``, from
        entries up to the position (accounts with no line are left out)."""
        ...

    def aging(self, estate_id: UUID, at: date, through_position: int) -> dict[str, dict[str, Any]]:
        """currency -> the receivables aging's totals per bucket at the end of ``at``."""
        ...


class ComplianceChecks(Protocol):
    """Every compliance check over the read models, run over one scope."""

    def run(self, scope: Scope) -> list[CheckResult]: ...


class EstateUnits(Protocol):
    """The units of an estate as the registry's read model lists them."""

    def in_order(self, estate_id: UUID) -> list[UUID]:
        """Every unit of the estate, by building and number (the order a spending's
        default sharers are recorded in)."""
        ...


class OverdueBills(Protocol):
    """Which units owe on bills past due, as the accounts read model knows them."""

    def units_owing(self, due_before: date) -> list[tuple[UUID, UUID]]:
        """(estate_id, unit_id) of every unit with a bill outstanding and due before the day."""
        ...


@dataclass(frozen=True)
class VoteTotals:
    """What an owners' vote is counted against: the estate's exclusive area (m², as
    registered) and its owners on the meeting day."""

    area: Decimal
    owners: int


class EstateTotals(Protocol):
    """The estate as the registry's read model knew it on a day."""

    def as_of(self, estate_id: UUID, day: date) -> VoteTotals:
        """The registered area of the units that existed on ``day`` and the owners
        who held them, each owner counted once, unsold units as one owner."""
        ...
