"""The books (R5.3): manual journals, their reversal, and period close.

Journals are refused in a closed period; a reversal is booked on today's
date, which is always open (a period closes only after it ended). Closing a
period waits for the ledger read model to reach the head of the log, takes
the digest of the period's trial balance there, and records the position it
stands for. The other finance services ask :meth:`LedgerService.is_closed`.
Journals, reversals and closing need ``ledger:close`` for the estate, which
the handlers check against the estate they book in (the journal's, for a
reversal); another estate's journal is reported missing.

Maker-checker (decision 0020, kind ``journal``): posting or reversing a
manual journal records a :class:`JournalRequest` and opens an approval; the
journal posts, under the id the request minted, when a second person
approves (a rule alone is no second person), in the same append. The period
must still be open then, else the approval is refused (409) and the checker
rejects it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.approvals.service import ApprovalRequest, ApprovalService
from application.errors import NotFound
from application.finance.ledger_commands import ClosePeriod, PostJournal, ReverseJournal
from application.finance.ports import LedgerStatements
from application.ports import EventLogPort
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval, ApprovalStatus
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.books import (
    Books,
    ManualJournal,
    books_id,
    check_lines,
    check_memo,
    check_period,
    mirrored,
    period_of,
)
from domain.finance.journal_requests import JournalRequest
from domain.finance.periods import period_end
from domain.finance.year_end import YearEnd, closing_lines

WAIT_SECONDS = 20.0
# The ledger read model's name (``projections/finance/ledger.py``): closing waits for it.
LEDGER = "finance_ledger"
CLOSE = "ledger:close"
# One second person of finance (or an administrator) posts a manual journal.
CHECKER_LEVELS = (Level("checker", "finance"),)


class JournalNotFound(NotFound):
    """No such journal or estate, or not one the actor may see."""


class LedgerBehind(InvalidTransition):
    title = "Ledger read model behind"


def is_closed(event_log: EventLogPort, estate_id: UUID, day: date) -> bool:
    """Is ``day`` in a closed period of the estate's books (then nothing books on it)?"""
    books = find(event_log, books_id(estate_id), Books)
    return books is not None and books.is_closed(day)


class LedgerService:
    def __init__(
        self, deps: ServiceDeps, statements: LedgerStatements, approvals: ApprovalService
    ) -> None:
        self.deps = deps
        self.statements = statements
        self.approvals = approvals
        approvals.subscribe(
            "journal", self._on_journal_decided, default_terms=PolicyTerms(levels=CHECKER_LEVELS)
        )
        approvals.subscribe(
            "period_close", self._on_close_decided, default_terms=PolicyTerms(levels=CHECKER_LEVELS)
        )

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    @property
    def today(self) -> date:
        return self._now.date()

    # ---- periods ------------------------------------------------------------

    def books(self, estate_id: UUID, position: int | None = None) -> Books | None:
        return find(self.deps.event_log, books_id(estate_id), Books, position)

    def is_closed(self, estate_id: UUID, day: date) -> bool:
        return is_closed(self.deps.event_log, estate_id, day)

    def closed_periods(
        self, actor: Actor, estate_id: UUID, position: int | None = None
    ) -> list[dict[str, Any]]:
        """The closed periods, oldest first, from the log itself (as they stood at
        ``position``, if given)."""
        actor.check("ledger:read", None, estate_id)
        books = self.books(estate_id, position)
        if books is None:
            return []
        return [{"estate_id": estate_id, **books.closed[p]} for p in sorted(books.closed)]

    def require_open(self, estate_id: UUID, day: date) -> None:
        if self.is_closed(estate_id, day):
            raise InvalidTransition(f"{day} is in a closed period ({period_of(day)} or earlier)")

    def close_period(self, cmd: ClosePeriod) -> tuple[UUID, int]:
        """Ask a second person to close ``period`` (kind ``period_close``, decision
        0024): the request freezes nothing yet; the approval's id and the position."""
        estate_id, period = cmd.estate_id, cmd.period
        cmd.actor.check(CLOSE, None, estate_id)
        check_period(period)
        self._require_estate(estate_id)
        head, first, digest = self._period_state(estate_id, period)
        books = self.books(estate_id) or Books(estate_id=estate_id, at=self._now)
        approval_id = self.deps.ids()
        books.request_close(
            period=period,
            today=self.today,
            first_entry=first,
            through_position=head,
            digest=digest,
            approval_id=approval_id,
            by=cmd.actor.user_id,
            at=self._now,
        )
        position = self.approvals.open(
            ApprovalRequest(
                kind="period_close",
                subject_id=books.id,
                subject_type="books",
                estate_id=estate_id,
                requested_by=cmd.actor.user_id,
                summary=f"Close period {period} (trial balance digest {digest[:12]})",
                approval_id=approval_id,
            ),
            along_with=[books],
        )
        return approval_id, position

    def _period_state(self, estate_id: UUID, period: str) -> tuple[int, date | None, str]:
        """The head of the log, the day of the estate's first entry and the period's
        digest there, once the ledger read model reached the head."""
        head = self.deps.event_log.head()
        if not self.deps.progress.wait(LEDGER, head, WAIT_SECONDS):
            raise LedgerBehind("the ledger read model is behind the log; retry shortly")
        first = self.statements.first_entry_day(estate_id)
        return head, first, self.statements.period_digest(estate_id, period, head)

    def _on_close_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        """Close the period once a person approved, if it still may close and its trial
        balance is the one the maker saw (else 409: the checker rejects, the maker asks
        again); otherwise record the decline."""
        books = load(approval.subject_id)
        assert isinstance(books, Books)
        now = self._now
        approved = approval.status is ApprovalStatus.APPROVED and bool(approval.approved_levels)
        if not approved:
            outcome = str(approval.status)
            if approval.status is ApprovalStatus.APPROVED:
                outcome = "approved by a rule alone: a period close needs a second person"
            books.decline_close(approval_id=approval.id, outcome=outcome, at=now)
            return [books]
        asked = books.pending_closes[approval.id]
        period = asked["period"]
        head, first, digest = self._period_state(books.estate_id, period)
        if digest != asked["digest"]:
            raise InvalidTransition(
                f"the trial balance of {period} changed since the close was asked "
                f"(digest {asked['digest'][:12]}, now {digest[:12]}): reject and ask again"
            )
        books.close(
            period=period,
            today=now.date(),
            first_entry=first,
            through_position=head,
            digest=digest,
            by=asked["requested_by"],
            at=now,
        )
        if not period.endswith("-12"):
            return [books]
        # December closes the year: its result goes into retained earnings (结转损益).
        last_day = period_end(period)
        year_end = YearEnd(
            estate_id=books.estate_id,
            year=last_day.year,
            booked_on=last_day,
            lines=closing_lines(self.statements.balances(books.estate_id, last_day, head)),
            through_position=head,
            closed_by=asked["requested_by"],
            at=now,
        )
        return [books, year_end]

    # ---- manual journals ------------------------------------------------------

    def post_manual(self, cmd: PostJournal) -> tuple[UUID, UUID, int]:
        """Ask a second person to book a manual journal (opening balances, corrections)
        on ``booked_on``: the journal's id, the approval's id and the position."""
        estate_id, booked_on = cmd.estate_id, cmd.booked_on
        cmd.actor.check(CLOSE, None, estate_id)
        self._require_estate(estate_id)
        if booked_on > self.today:
            raise ValidationFailed(f"booked_on: {booked_on} is in the future")
        self.require_open(estate_id, booked_on)
        lines = check_lines(cmd.lines)
        for line in lines:
            unit_id = line.get("unit_id")
            if (
                unit_id is not None
                and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id
            ):
                raise ValidationFailed(f"unit {unit_id} is not on this estate")
        memo = check_memo(cmd.memo)
        return self._request(cmd.actor, estate_id, booked_on, memo, lines, None)

    def journal(self, journal_id: UUID) -> ManualJournal:
        return load(self.deps.event_log, journal_id, ManualJournal, JournalNotFound(HIDDEN))

    def reverse_manual(self, cmd: ReverseJournal) -> tuple[UUID, UUID, int]:
        """Ask a second person to reverse a manual journal with the mirrored entry,
        booked on the day they approve: the reversal's id, the approval's id, the position."""
        original = self.journal(cmd.journal_id)
        cmd.actor.check(CLOSE, None, original.estate_id)
        self.require_open(original.estate_id, self.today)
        reason = original.check_reversible(cmd.reason)
        return self._request(
            cmd.actor,
            original.estate_id,
            self.today,
            reason,
            mirrored(original.lines),
            original.id,
        )

    def _request(
        self,
        actor: Actor,
        estate_id: UUID,
        booked_on: date,
        memo: str,
        lines: list[dict[str, Any]],
        reverses: UUID | None,
    ) -> tuple[UUID, UUID, int]:
        journal_id, approval_id = self.deps.ids(), self.deps.ids()
        request = JournalRequest(
            id=self.deps.ids(),
            estate_id=estate_id,
            journal_id=journal_id,
            approval_id=approval_id,
            booked_on=booked_on,
            memo=memo,
            lines=lines,
            reverses=reverses,
            requested_by=actor.user_id,
            at=self._now,
        )
        what = f"Reverse journal {reverses}" if reverses else f"Journal on {booked_on}"
        amount = sum((line["debit"] for line in lines), start=lines[0]["debit"] * 0)
        currencies = {line["currency"] for line in lines}
        position = self.approvals.open(
            ApprovalRequest(
                kind="journal",
                subject_id=request.id,
                subject_type="journal_request",
                estate_id=estate_id,
                requested_by=actor.user_id,
                summary=f"{what}: {memo}"[:200],
                amount=amount if len(currencies) == 1 else None,
                currency=currencies.pop() if len(currencies) == 1 else None,
                approval_id=approval_id,
            ),
            along_with=[request],
        )
        return journal_id, approval_id, position

    def _on_journal_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        """Post the journal (or its reversal) once a person approved; otherwise record
        the decline and leave the ledger alone."""
        request = load(approval.subject_id)
        assert isinstance(request, JournalRequest)
        now = self._now
        approved = approval.status is ApprovalStatus.APPROVED and bool(approval.approved_levels)
        outcome = str(approval.status)
        if approval.status is ApprovalStatus.APPROVED and not approved:
            outcome = "approved by a rule alone: a journal needs a second person"
        request.settle(approved=approved, outcome=outcome, at=now)
        if not approved:
            return [request]
        if request.reverses is None:
            self.require_open(request.estate_id, request.booked_on)
            journal = ManualJournal.post(
                id=request.journal_id,
                estate_id=request.estate_id,
                booked_on=request.booked_on,
                memo=request.memo,
                lines=request.lines,
                posted_by=request.requested_by,
                at=now,
            )
            return [request, journal]
        original = load(request.reverses)
        self.require_open(request.estate_id, now.date())
        reversal = original.reverse(
            reversal_id=request.journal_id,
            by=request.requested_by,
            reason=request.memo,
            today=now.date(),
            at=now,
        )
        return [request, original, reversal]

    def _require_estate(self, estate_id: UUID) -> None:
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise JournalNotFound(HIDDEN)
