"""The books (R5.3): manual journals, their reversal, and period close.

Journals are refused in a closed period; a reversal is booked on today's
date, which is always open (a period closes only after it ended). Closing a
period waits for the ledger read model to reach the head of the log, takes
the digest of the period's trial balance there, and records the position it
stands for. The other finance services ask :meth:`LedgerService.is_closed`.
Journals, reversals and closing need ``ledger:close`` for the estate, which
the handlers check against the estate they book in (the journal's, for a
reversal); another estate's journal is reported missing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.finance.ledger_commands import ClosePeriod, PostJournal, ReverseJournal
from application.finance.ports import LedgerStatements
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.books import Books, ManualJournal, books_id, check_period, period_of

WAIT_SECONDS = 20.0
# The ledger read model's name (``projections/finance/ledger.py``): closing waits for it.
LEDGER = "finance_ledger"
CLOSE = "ledger:close"


class JournalNotFound(NotFound):
    """No such journal or estate, or not one the actor may see."""


class LedgerBehind(InvalidTransition):
    title = "Ledger read model behind"


class LedgerService:
    def __init__(self, deps: ServiceDeps, statements: LedgerStatements) -> None:
        self.deps = deps
        self.statements = statements

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    @property
    def today(self) -> date:
        return self._now.date()

    # ---- periods ------------------------------------------------------------

    def books(self, estate_id: UUID) -> Books | None:
        return find(self.deps.event_log, books_id(estate_id), Books)

    def is_closed(self, estate_id: UUID, day: date) -> bool:
        """Is ``day`` in a closed period of the estate's books (then nothing books on it)?"""
        books = self.books(estate_id)
        return books is not None and books.is_closed(day)

    def closed_periods(self, actor: Actor, estate_id: UUID) -> list[dict[str, Any]]:
        """The closed periods, oldest first, from the log itself."""
        actor.check("ledger:read", None, estate_id)
        books = self.books(estate_id)
        if books is None:
            return []
        return [{"estate_id": estate_id, **books.closed[p]} for p in sorted(books.closed)]

    def require_open(self, estate_id: UUID, day: date) -> None:
        if self.is_closed(estate_id, day):
            raise InvalidTransition(f"{day} is in a closed period ({period_of(day)} or earlier)")

    def close_period(self, cmd: ClosePeriod) -> int:
        """Close ``period`` of the estate's books at the current head of the log."""
        estate_id, period = cmd.estate_id, cmd.period
        cmd.actor.check(CLOSE, None, estate_id)
        check_period(period)
        self._require_estate(estate_id)
        head = self.deps.event_log.head()
        if not self.deps.progress.wait(LEDGER, head, WAIT_SECONDS):
            raise LedgerBehind("the ledger read model is behind the log; retry shortly")
        first = self.statements.first_entry_day(estate_id)
        digest = self.statements.period_digest(estate_id, period, head)
        books = self.books(estate_id) or Books(estate_id=estate_id, at=self._now)
        books.close(
            period=period,
            today=self.today,
            first_entry=first,
            through_position=head,
            digest=digest,
            by=cmd.actor.user_id,
            at=self._now,
        )
        return self.deps.event_log.save_and_position(books)

    # ---- manual journals ------------------------------------------------------

    def post_manual(self, cmd: PostJournal) -> tuple[UUID, int]:
        """Book a manual journal (opening balances, corrections) on ``booked_on``."""
        estate_id, booked_on = cmd.estate_id, cmd.booked_on
        cmd.actor.check(CLOSE, None, estate_id)
        self._require_estate(estate_id)
        if booked_on > self.today:
            raise ValidationFailed(f"booked_on: {booked_on} is in the future")
        self.require_open(estate_id, booked_on)
        for line in cmd.lines:
            unit_id = line.get("unit_id")
            if (
                unit_id is not None
                and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id
            ):
                raise ValidationFailed(f"unit {unit_id} is not on this estate")
        journal = ManualJournal.post(
            id=self.deps.ids(),
            estate_id=estate_id,
            booked_on=booked_on,
            memo=cmd.memo,
            lines=cmd.lines,
            posted_by=cmd.actor.user_id,
            at=self._now,
        )
        return journal.id, self.deps.event_log.save_and_position(journal)

    def journal(self, journal_id: UUID) -> ManualJournal:
        return load(self.deps.event_log, journal_id, ManualJournal, JournalNotFound(HIDDEN))

    def reverse_manual(self, cmd: ReverseJournal) -> tuple[UUID, int]:
        """Reverse a manual journal with the mirrored entry, booked today."""
        original = self.journal(cmd.journal_id)
        cmd.actor.check(CLOSE, None, original.estate_id)
        self.require_open(original.estate_id, self.today)
        reversal = original.reverse(
            reversal_id=self.deps.ids(),
            by=cmd.actor.user_id,
            reason=cmd.reason,
            today=self.today,
            at=self._now,
        )
        return reversal.id, self.deps.event_log.save_and_position(original, reversal)

    def _require_estate(self, estate_id: UUID) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise JournalNotFound(HIDDEN)
