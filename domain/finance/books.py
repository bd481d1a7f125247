"""The books of an estate: manual journals (手工凭证) and period close (R5.3).

A :class:`ManualJournal` books what no other event does: opening balances
and corrections. It balances per currency, uses accounts of the chart and
never touches a control account (receivables, owner credit, the maintenance
fund and its bank account, vendors' payables: their sub-ledgers' events alone
post there, see ``domain/finance/accounts.py``). A posted journal is never
edited: a correction is a reversing journal (the mirrored lines, booked on
the day of the reversal, in an open period) and the original records that it
was reversed. The reversal is not checked against today's rules: it undoes
what was stored, so a journal an older release let onto a control account
can still be taken off it.

:class:`Books` is one aggregate per estate that remembers which accounting
periods ('YYYY-MM') are closed, with the ledger position they were closed at
and a digest of their trial balance. Periods close in order, once, and only
after they ended; a closed period is immutable, so everything on or before
the last day of the last closed period is frozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import CHART, SubLedger
from domain.finance.journal import Entry, Line, PostingFunction
from domain.finance.money import currency_of, exact_money
from domain.finance.periods import (
    check_period,
    next_period,
    period_end,
    period_of,
    period_start,
)

BOOKS_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/books")
MAX_LINES = 500
DIMENSIONS = ("unit_id", "bill_id", "party_id")


# ---- manual journals -------------------------------------------------------------


class ControlAccountLine(ValidationFailed):
    """A manual journal line on an account whose sub-ledger alone posts to it (422)."""

    title = "Control account"

    def __init__(self, where: str, account: str, sub_ledger: SubLedger) -> None:
        super().__init__(
            f"{where}: {account} is a control account; only the {sub_ledger.name} "
            f"({sub_ledger.events}) post to it"
        )
        self.account = account
        self.sub_ledger = sub_ledger


def _uuid(value: object, what: str) -> UUID | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise ValidationFailed(f"{what}: not a UUID") from None


def check_lines(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The lines of a manual journal as stored, or ValidationFailed naming every problem
    found first: unknown accounts, control accounts, sides, amounts, and an imbalance
    per currency."""
    if len(lines) < 2:
        raise ValidationFailed("lines: a journal needs at least two lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"lines: at most {MAX_LINES}")
    out: list[dict[str, Any]] = []
    sums: dict[str, list[Decimal]] = {}
    for i, raw in enumerate(lines):
        where = f"lines[{i}]"
        code = str(raw.get("account", ""))
        if code not in CHART:
            raise ValidationFailed(f"{where}.account: {code!r} is not in the chart of accounts")
        sub_ledger = CHART[code].sub_ledger
        if sub_ledger is not None:
            raise ControlAccountLine(where, code, sub_ledger)
        currency = currency_of(str(raw.get("currency", "")))
        debit = exact_money(raw.get("debit") or 0, currency, f"{where}.debit")
        credit = exact_money(raw.get("credit") or 0, currency, f"{where}.credit")
        if debit < 0 or credit < 0 or (debit == 0) == (credit == 0):
            raise ValidationFailed(f"{where}: give a positive debit or a positive credit")
        dims = {d: _uuid(raw.get(d), f"{where}.{d}") for d in DIMENSIONS}
        if dims.get("bill_id") is not None:
            # Bills live on receivables alone, which a manual journal never touches;
            # a bill named elsewhere would only tie these books to someone's bill.
            raise ValidationFailed(f"{where}.bill_id: a manual journal names no bill")
        out.append(
            {"account": code, "debit": debit, "credit": credit, "currency": currency, **dims}
        )
        side = sums.setdefault(currency, [Decimal(0), Decimal(0)])
        side[0] += debit
        side[1] += credit
    unbalanced = {c: (d, k) for c, (d, k) in sums.items() if d != k}
    if unbalanced:
        detail = "; ".join(f"{c}: debits {d}, credits {k}" for c, (d, k) in unbalanced.items())
        raise ValidationFailed(f"lines: debits and credits differ ({detail})")
    return out


def mirrored(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The same lines with debit and credit swapped: the reversing entry."""
    return [{**line, "debit": line["credit"], "credit": line["debit"]} for line in lines]


def check_memo(memo: str) -> str:
    memo = (memo or "").strip()
    if not memo or len(memo) > 500:
        raise ValidationFailed("memo: 1 to 500 characters")
    return memo


class ManualJournal(Aggregate):
    """A journal a finance clerk books by hand (opening balances, corrections)."""

    @classmethod
    def post(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        booked_on: date,
        memo: str,
        lines: Sequence[Mapping[str, Any]],
        posted_by: UUID,
        at: datetime,
    ) -> ManualJournal:
        return cls(
            id=id,
            estate_id=estate_id,
            booked_on=booked_on,
            memo=check_memo(memo),
            lines=check_lines(lines),
            posted_by=posted_by,
            reverses=None,
            at=at,
        )

    @event("Posted")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        booked_on: date,
        memo: str,
        lines: list[dict[str, Any]],
        posted_by: UUID,
        reverses: UUID | None,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.booked_on = booked_on
        self.memo = memo
        self.lines = lines
        self.posted_by = posted_by
        self.reverses = reverses
        self.reversed_by: UUID | None = None

    def reverse(
        self, *, reversal_id: UUID, by: UUID, reason: str, today: date, at: datetime
    ) -> ManualJournal:
        """The reversing journal ``reversal_id``, booked ``today``; this journal records it."""
        reason = self.check_reversible(reason)
        reversal = ManualJournal(
            id=reversal_id,
            estate_id=self.estate_id,
            booked_on=today,
            memo=f"Reversal of {self.id}: {reason}"[:500],
            lines=mirrored(self.lines),
            posted_by=by,
            reverses=self.id,
            at=at,
        )
        self._reversed(reversal_id=reversal.id, by=by, reason=reason, at=at)
        return reversal

    def check_reversible(self, reason: str) -> str:
        """The reason, checked, if this journal may be reversed now."""
        if self.reversed_by is not None:
            raise InvalidTransition(f"journal {self.id} was already reversed by {self.reversed_by}")
        if self.reverses is not None:
            raise InvalidTransition("a reversing journal is not reversed again: post a new one")
        return check_memo(reason)

    @event("Reversed")
    def _reversed(self, reversal_id: UUID, by: UUID, reason: str, at: datetime) -> None:
        self.reversed_by = reversal_id


def post(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """A manual journal's entry: its lines as posted (``Reversed`` moves nothing itself)."""
    if event_name != "Posted":
        return None
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=payload["memo"],
        lines=tuple(
            Line(
                account=line["account"],
                debit=Decimal(line["debit"]),
                credit=Decimal(line["credit"]),
                currency=line["currency"],
                unit_id=line.get("unit_id"),
                bill_id=line.get("bill_id"),
                party_id=line.get("party_id"),
            )
            for line in payload["lines"]
        ),
    )


POSTINGS: dict[str, PostingFunction] = {"ManualJournal": post}


# ---- period close ---------------------------------------------------------------


def books_id(estate_id: UUID) -> UUID:
    return uuid5(BOOKS_NAMESPACE, str(estate_id))


class Books(Aggregate):
    """Which periods of one estate's books are closed."""

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return books_id(estate_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, at: datetime) -> None:
        self.estate_id = estate_id
        self.closed: dict[str, dict[str, Any]] = {}
        # approval id -> {period, digest, requested_by}: closes waiting for a second person
        self.pending_closes: dict[UUID, dict[str, Any]] = {}

    @property
    def last_closed(self) -> str | None:
        return max(self.closed) if self.closed else None

    @property
    def closed_through(self) -> date | None:
        """The last day frozen by a close (every day on or before it is closed)."""
        last = self.last_closed
        return None if last is None else period_end(last)

    def is_closed(self, day: date) -> bool:
        through = self.closed_through
        return through is not None and day <= through

    def first_open(self, first_entry: date | None) -> str | None:
        """The earliest period that must close next: after the last closed one, or the
        period of the first entry when none is closed yet (None: nothing to close)."""
        if self.last_closed is not None:
            return next_period(self.last_closed)
        return None if first_entry is None else period_of(first_entry)

    def check_closable(self, period: str, today: date, first_entry: date | None) -> None:
        """Refuse (409) a close out of turn: once, after the period ended, in order."""
        check_period(period)
        if period in self.closed:
            raise InvalidTransition(f"period {period} is already closed")
        if today < period_start(next_period(period)):
            raise InvalidTransition(f"period {period} has not ended yet")
        expected = self.first_open(first_entry)
        if expected is not None and expected < period:
            raise InvalidTransition(f"close the earlier period {expected} first")
        if self.last_closed is not None and period < self.last_closed:
            raise InvalidTransition(f"period {period} lies before the closed {self.last_closed}")

    def request_close(
        self,
        *,
        period: str,
        today: date,
        first_entry: date | None,
        through_position: int,
        digest: str,
        approval_id: UUID,
        by: UUID,
        at: datetime,
    ) -> None:
        """A maker asks to close ``period`` with the digest they saw (maker-checker,
        decision 0024); the period closes when a second person approves."""
        self.check_closable(period, today, first_entry)
        if any(p["period"] == period for p in self.pending_closes.values()):
            raise InvalidTransition(f"a close of {period} is already waiting for approval")
        self._close_requested(
            period=period,
            through_position=through_position,
            digest=digest,
            approval_id=approval_id,
            requested_by=by,
            at=at,
        )

    @event("CloseRequested")
    def _close_requested(
        self,
        period: str,
        through_position: int,
        digest: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.pending_closes[approval_id] = {
            "period": period,
            "digest": digest,
            "requested_by": requested_by,
        }

    def decline_close(self, *, approval_id: UUID, outcome: str, at: datetime) -> None:
        if approval_id not in self.pending_closes:
            raise InvalidTransition(f"no close waits for approval {approval_id}")
        self._close_declined(approval_id=approval_id, outcome=outcome, at=at)

    @event("CloseDeclined")
    def _close_declined(self, approval_id: UUID, outcome: str, at: datetime) -> None:
        self.pending_closes.pop(approval_id, None)

    def close(
        self,
        *,
        period: str,
        today: date,
        first_entry: date | None,
        through_position: int,
        digest: str,
        by: UUID,
        at: datetime,
    ) -> None:
        """Close ``period`` (for an approved request its rules are checked again now:
        the books may have moved since it was asked)."""
        self.check_closable(period, today, first_entry)
        self._period_closed(
            estate_id=self.estate_id,
            period=period,
            through_position=through_position,
            digest=digest,
            closed_by=by,
            at=at,
        )

    @event("PeriodClosed")
    def _period_closed(
        self,
        estate_id: UUID,
        period: str,
        through_position: int,
        digest: str,
        closed_by: UUID,
        at: datetime,
    ) -> None:
        self.closed[period] = {
            "period": period,
            "through_position": through_position,
            "digest": digest,
            "closed_by": closed_by,
            "closed_at": at,
        }
        for approval_id, waiting in list(self.pending_closes.items()):
            if waiting["period"] == period:
                del self.pending_closes[approval_id]
