"""A manual journal, or its reversal, waiting for a second person (maker-checker).

Issue 14, defect 8 and decision 0020: a clerk who prepares a manual journal
(制单) does not also approve it (审核). The request holds the journal's lines
and posts nothing; the approval of kind ``journal`` posts the
:class:`~domain.finance.books.ManualJournal` (or its reversal) under the id
minted here, or records the decline. ``ManualJournal``'s stored events keep
their meaning: a journal is ``Posted`` only once a person approved it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition


class JournalRequest(Aggregate):
    """A maker's request to post a manual journal (``reverses`` None) or to
    reverse journal ``reverses``; ``journal_id`` is the journal it will post."""

    @event("Requested")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        journal_id: UUID,
        approval_id: UUID,
        booked_on: date,
        memo: str,
        lines: list[dict[str, Any]],
        reverses: UUID | None,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.journal_id = journal_id
        self.approval_id = approval_id
        self.booked_on = booked_on
        self.memo = memo
        self.lines = lines
        self.reverses = reverses
        self.requested_by = requested_by
        self.outcome: str | None = None

    def settle(self, *, approved: bool, outcome: str, at: datetime) -> None:
        if self.outcome is not None:
            raise InvalidTransition(f"journal request {self.id} was already {self.outcome}")
        if approved:
            self._approved(outcome=outcome, at=at)
        else:
            self._declined(outcome=outcome, at=at)

    @event("Approved")
    def _approved(self, outcome: str, at: datetime) -> None:
        self.outcome = "approved"

    @event("Declined")
    def _declined(self, outcome: str, at: datetime) -> None:
        self.outcome = f"declined ({outcome})"
