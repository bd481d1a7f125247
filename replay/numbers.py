"""The numbers the appends gave, derived again from the log (decisions 0041, 0050).

A backup holds the events only. The serials of ``<events>_numbered`` follow
from them by the rule the writer applied under the table lock: within a
series, in position order, each numbered event takes one more than the
greatest serial before it, and a receipt the legacy book numbered counts
with its own serial (``domain/numbering.py: numbered_by_the_log``).
:func:`renumber` fills the table of a restored store from the log, and
gives the work orders, requests, complaints, bills and approvals created
before decision 0050 the numbers their places in the log imply (run once,
before the first writer of that release appends); :func:`check_numbers`
names the first row where the table and the log disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from domain.finance.receipts import PaymentReceipt
from domain.numbering import NUMBERED_EVENTS, numbered_by_the_log
from infrastructure.eventstore.numbers import table_name
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog

TABLE = table_name(EVENTS_TABLE)
#: The events the rules look at: only these are read.
TOPICS = (
    get_topic(PaymentReceipt.Drawn),
    get_topic(PaymentReceipt.Issued),
    *map(get_topic, NUMBERED_EVENTS),
)
BATCH = 5000

#: (series, serial, originator_id, originator_version, position)
Row = tuple[str, int, UUID, int, int]


@dataclass(frozen=True)
class NumbersReport:
    ok: bool
    numbered: int  # rows the log implies
    first_disagreement: int | None = None  # the position, or None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def from_the_log(event_log: EventLog) -> Iterator[Row]:
    """Every numbered event's row, in position order, by the writer's rule."""
    last: dict[str, int] = {}
    after = 0
    while True:
        batch = event_log.recorder.select_notifications(
            after, BATCH, topics=TOPICS, inclusive_of_start=False
        )
        for note in batch:
            ruled = numbered_by_the_log(event_log.mapper.to_domain_event(note))
            if ruled is None:
                continue
            series, kept = ruled
            if kept is not None:  # the book's own serial: the series counts on after it
                last[series] = max(last.get(series, 0), kept)
                continue
            last[series] = last.get(series, 0) + 1
            originator = UUID(str(note.originator_id))
            yield series, last[series], originator, note.originator_version, note.id
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def renumber(event_log: EventLog) -> int:
    """Write the rows the log implies that the table lacks; rows written.

    A restored store's table is empty and is filled. A store numbered before
    decision 0050 lacks the rows of the kinds it added: they are written, as
    long as no append numbered one of those series first (the table's rows
    must all be what the log implies, or nothing is written). Under the
    append's lock, so no writer numbers meanwhile.
    """
    recorder = event_log.chained_recorder
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(Identifier(EVENTS_TABLE)))
        rows = list(from_the_log(event_log))
        curs.execute(
            SQL(
                "SELECT series, serial, originator_id, originator_version, position FROM {}"
            ).format(Identifier(TABLE))
        )
        stored = {tuple(row.values()) for row in curs.fetchall()}
        implied = set(rows)
        wrong = sorted(stored - implied, key=lambda row: int(row[4]))
        if wrong:
            raise ValueError(
                f"{TABLE} holds {wrong[0]}, which the log does not imply: "
                "renumber only a restored store, or one numbered before decision 0050"
            )
        missing = [row for row in rows if row not in stored]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            curs.execute(
                SQL(
                    "INSERT INTO {} (series, serial, originator_id, originator_version, position) "
                    "SELECT * FROM unnest(%s::text[], %s::int4[], %s::uuid[], %s::int8[], "
                    "%s::int8[])"
                ).format(Identifier(TABLE)),
                [list(column) for column in zip(*chunk, strict=True)],
            )
    return len(missing)


def check_numbers(event_log: EventLog) -> NumbersReport:
    """Does the numbers table hold exactly what the log implies?"""
    expected = list(from_the_log(event_log))
    recorder = event_log.chained_recorder
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            SQL(
                "SELECT series, serial, originator_id, originator_version, position FROM {} "
                "ORDER BY position, series"
            ).format(Identifier(TABLE))
        )
        stored = [tuple(row.values()) for row in curs.fetchall()]
    for want, got in zip(expected, stored, strict=False):
        if tuple(want) != got:
            position = min(want[4], int(got[4]))
            return NumbersReport(
                False, len(expected), position, f"the log implies {want}, the table holds {got}"
            )
    if len(expected) != len(stored):
        extra = (expected if len(expected) > len(stored) else stored)[
            min(map(len, (expected, stored)))
        ]
        return NumbersReport(
            False,
            len(expected),
            int(extra[4]),
            f"the log implies {len(expected)} numbered events, the table holds {len(stored)}",
        )
    return NumbersReport(True, len(expected))
