"""The general ledger: every posting event's journal entry, line by line (R5.3).

The read model is generic: it follows every aggregate registered in
``domain.finance.postings.POSTINGS`` and books what the posting function
says, so a new financial event type needs no change here. An entry that is
not well formed (unbalanced, unknown account) stops the projection at that
event rather than book it. ``finance_ledger_entries`` holds one row per
entry (its position in the log is its number), ``finance_ledger_lines`` its
lines with the dimensions the sub-ledgers need (unit, bill, party, due
date), and ``finance_closed_periods`` the periods closed on ``Books``.
Statements are queries over these tables: ``projections/finance/statements.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from domain.finance.journal import Entry
from domain.finance.postings import POSTINGS, entry_for
from projections.catalog import ReadModelDeps
from projections.events import kind_of, occurred_at, payload_of
from projections.protocols import Decoded, Projection

NAME = "finance_ledger"
ENTRY_COLUMNS = (
    "position, estate_id, booked_on, aggregate, event, originator_id, "
    "originator_version, recorded_at, memo"
)
LINE_COLUMNS = (
    "position, line_no, estate_id, booked_on, account, debit, credit, currency, "
    "unit_id, bill_id, party_id, due_on, memo"
)


class LedgerReadModel:
    name = NAME
    aggregates = frozenset(POSTINGS) | {"Books"}
    tables = ("finance_ledger_entries", "finance_ledger_lines", "finance_closed_periods")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_ledger_entries (
            position bigint PRIMARY KEY,
            estate_id uuid NOT NULL,
            booked_on date NOT NULL,
            aggregate text NOT NULL,
            event text NOT NULL,
            originator_id uuid NOT NULL,
            originator_version bigint NOT NULL,
            recorded_at timestamptz NOT NULL,
            memo text NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_ledger_entries_estate "
        "ON finance_ledger_entries (estate_id, booked_on)",
        # The journal's page of an estate, newest first (statements/books.py: journal).
        "CREATE INDEX IF NOT EXISTS finance_ledger_entries_estate_position "
        "ON finance_ledger_entries (estate_id, position)",
        "CREATE INDEX IF NOT EXISTS finance_ledger_entries_originator "
        "ON finance_ledger_entries (originator_id)",
        """CREATE TABLE IF NOT EXISTS finance_ledger_lines (
            position bigint NOT NULL,
            line_no int NOT NULL,
            estate_id uuid NOT NULL,
            booked_on date NOT NULL,
            account text NOT NULL,
            debit numeric(20,4) NOT NULL,
            credit numeric(20,4) NOT NULL,
            currency text NOT NULL,
            unit_id uuid,
            bill_id uuid,
            party_id uuid,
            due_on date,
            memo text NOT NULL DEFAULT '',
            PRIMARY KEY (position, line_no)
        )""",
        "CREATE INDEX IF NOT EXISTS finance_ledger_lines_account "
        "ON finance_ledger_lines (estate_id, account, booked_on)",
        "CREATE INDEX IF NOT EXISTS finance_ledger_lines_bill "
        "ON finance_ledger_lines (bill_id) WHERE bill_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS finance_ledger_lines_unit "
        "ON finance_ledger_lines (unit_id) WHERE unit_id IS NOT NULL",
        """CREATE TABLE IF NOT EXISTS finance_closed_periods (
            estate_id uuid NOT NULL,
            period text NOT NULL,
            through_position bigint NOT NULL,
            digest text NOT NULL,
            closed_by uuid NOT NULL,
            closed_at timestamptz NOT NULL,
            position bigint NOT NULL,
            PRIMARY KEY (estate_id, period)
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        payload = payload_of(event)
        if aggregate == "Books":
            if name == "PeriodClosed":
                cur.execute(
                    "INSERT INTO finance_closed_periods (estate_id, period, through_position, "
                    "digest, closed_by, closed_at, position) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        payload["estate_id"],
                        payload["period"],
                        payload["through_position"],
                        payload["digest"],
                        payload["closed_by"],
                        payload["at"],
                        note.id,
                    ],
                )
            return
        entry = _entry(aggregate, name, payload)
        if entry is None:
            return
        cur.execute(
            f"INSERT INTO finance_ledger_entries ({ENTRY_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            _entry_row(entry, aggregate, name, event, note),
        )
        cur.executemany(
            f"INSERT INTO finance_ledger_lines ({LINE_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            _line_rows(entry, note.id),
        )

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None:
        """The batch's entries and lines in two ``COPY`` streams (a billing run of
        thousands of bills projects in one round trip per table); a close goes
        through :meth:`apply` in its place in the log, after the entries before it."""
        entries: list[list[Any]] = []
        lines: list[list[Any]] = []
        closes: list[Decoded] = []
        for event, meta, note in events:
            aggregate, name = kind_of(event)
            if aggregate == "Books":
                closes.append((event, meta, note))
                continue
            entry = _entry(aggregate, name, payload_of(event))
            if entry is None:
                continue
            entries.append(_entry_row(entry, aggregate, name, event, note))
            lines.extend(_line_rows(entry, note.id))
        if entries:
            with cur.copy(f"COPY finance_ledger_entries ({ENTRY_COLUMNS}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            with cur.copy(f"COPY finance_ledger_lines ({LINE_COLUMNS}) FROM STDIN") as copy:
                for row in lines:
                    copy.write_row(row)
        for event, meta, note in closes:
            self.apply(cur, event, meta, note)


def _entry(aggregate: str, name: str, payload: dict[str, Any]) -> Entry | None:
    entry = entry_for(aggregate, name, payload)
    return None if entry is None else entry.check()


def _entry_row(
    entry: Entry, aggregate: str, name: str, event: Any, note: Notification
) -> list[Any]:
    return [
        note.id,
        entry.estate_id,
        entry.booked_on,
        aggregate,
        name,
        note.originator_id,
        note.originator_version,
        occurred_at(event),
        entry.memo,
    ]


def _line_rows(entry: Entry, position: int) -> list[list[Any]]:
    return [
        [
            position,
            number,
            entry.estate_id,
            entry.day_of(line),
            line.account,
            line.debit,
            line.credit,
            line.currency,
            line.unit_id,
            line.bill_id,
            line.party_id,
            line.due_on,
            line.memo,
        ]
        for number, line in enumerate(entry.lines, start=1)
    ]


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [LedgerReadModel()]
