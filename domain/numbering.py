"""Numbers people can say on the phone: ``HVG-WO-2026-000123`` (issue 16, decision 0050).

Work orders, service requests, complaints, bills, approvals and purchase
requests (decision 0062) are numbered
per estate, kind and year, gap-free, by the append that creates them
(decision 0041: the serial is taken under the append's lock). The stored
creation events carry no number: the log implies it. Within a series, in
position order, each creating event takes one more than the greatest serial
before it, so an aggregate created before numbering began has the number its
place in the log gives it.

:data:`KINDS` is the one table: the event that creates a numbered thing and
the code its numbers carry. A year is the UTC year of the creating event's
``at``. Receipts keep their own series and format (``receipts.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from domain.approvals.approval import Approval
from domain.community.complaint import Complaint
from domain.community.service_request import ServiceRequest
from domain.errors import ValidationFailed
from domain.finance.account import UnitAccount
from domain.finance.receipts import DIGITS
from domain.finance.receipts import numbered_by_the_log as receipt_numbering
from domain.registry.ids import estate_id_for, normalise_code
from domain.stores.purchase import PurchaseRequest
from domain.workorders.order import WorkOrder


@dataclass(frozen=True)
class Kind:
    code: str  # in the number: HVG-<code>-2026-000123
    created_by: type  # the event that creates one (and is numbered)


#: Every numbered kind, by its code.
KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("WO", WorkOrder.Submitted),  # type: ignore[attr-defined]
        Kind("SR", ServiceRequest.Submitted),  # type: ignore[attr-defined]
        Kind("CP", Complaint.Received),  # type: ignore[attr-defined]
        Kind("BL", UnitAccount.BillIssued),
        Kind("AP", Approval.Opened),  # type: ignore[attr-defined]
        Kind("PR", PurchaseRequest.Submitted),  # type: ignore[attr-defined]
    )
}
_BY_EVENT = {kind.created_by: kind for kind in KINDS.values()}
#: The events the numbering looks at (receipts' included), for readers of the log.
NUMBERED_EVENTS: tuple[type, ...] = tuple(_BY_EVENT)


def year_of(at: datetime) -> int:
    """The year a thing created at ``at`` is numbered in: UTC's."""
    return at.astimezone(UTC).year


def series(code: str, estate_id: UUID, year: int) -> str:
    """The series (``Number.series``) of one kind in one estate and year."""
    return f"{code.lower()}:{estate_id}:{year}"


def series_of(event: object) -> str | None:
    """The series a creating event is numbered in; None if it is not numbered."""
    kind = _BY_EVENT.get(type(event))
    if kind is None:
        return None
    at: datetime = getattr(event, "at")  # noqa: B009 - every creating event has one
    return series(kind.code, getattr(event, "estate_id"), year_of(at))  # noqa: B009


def numbered_by_the_log(event: object) -> tuple[str, int | None] | None:
    """How an event counts in the log's numbering (decision 0041's rule, every kind).

    ``(series, None)``: it takes its series' next serial; ``(series, serial)``:
    a legacy receipt that kept its book's serial; None: not numbered.
    """
    found = series_of(event)
    return (found, None) if found is not None else receipt_numbering(event)


def number(estate_code: str, code: str, year: int, serial: int) -> str:
    return f"{estate_code}-{code}-{year}-{serial:0{DIGITS}d}"


@dataclass(frozen=True)
class Parsed:
    """A number as typed back: the series' estate, kind and year, and the serial."""

    estate_id: UUID
    code: str
    year: int
    serial: int


_NUMBER = re.compile(
    r"^\s*(?P<estate>.+)-(?P<kind>[A-Za-z]{2})-(?P<year>\d{4})-(?P<serial>\d{1,9})\s*$"
)


def parse(text: str, code: str) -> Parsed | None:
    """``text`` read as a number of kind ``code`` (any case); None if it is not one.

    The estate's ID derives from its code (``registry/ids.py``), so a number
    names its series without a look-up.
    """
    match = _NUMBER.match(text)
    if match is None or match["kind"].upper() != code:
        return None
    try:
        estate_code = normalise_code(match["estate"])
    except ValidationFailed:
        return None
    serial = int(match["serial"])
    if serial < 1:
        return None
    return Parsed(estate_id_for(estate_code), code, int(match["year"]), serial)
