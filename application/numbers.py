"""The numbers the log gives what it creates (decision 0050, after 0041).

Every save numbers the creating events ``domain/numbering.py`` names: the
event log asks :func:`implied` of each append, so no path that creates a
work order, a request, a complaint, a bill or an approval can forget it. A
command that answers with the new number asks for it itself
(:meth:`Numbers.ask`, then ``save_numbered``) and formats the serial the
append took (:meth:`Numbers.label`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from application.ports import EventLogPort, Number
from application.services import find
from domain.numbering import number, series_of
from domain.registry.places import Estate


def implied(aggregates: Iterable[Any], asked: Sequence[Number] = ()) -> list[Number]:
    """The numbers the aggregates' pending events take, but for those already ``asked``."""
    taken = {n.originator_id for n in asked}
    found: list[Number] = []
    for aggregate in aggregates:
        if aggregate.id in taken:
            continue
        for event in getattr(aggregate, "pending_events", ()):
            series = series_of(event)
            if series is not None:
                found.append(Number(series, aggregate.id, version=event.originator_version))
    return found


class Numbers:
    """Asks for the number of a new aggregate and says it as people do."""

    def __init__(self, event_log: EventLogPort) -> None:
        self.event_log = event_log
        # An estate's code never changes: read once per process and estate.
        self._codes: dict[UUID, str] = {}

    def ask(self, aggregate: Any) -> Number:
        """The number its creating event (pending) takes in its append."""
        found = implied([aggregate])
        if not found:
            raise ValueError(f"{type(aggregate).__name__} is not numbered on creation")
        return found[0]

    def save_new(self, aggregate: Any, *along: Any) -> tuple[int, str]:
        """Save a new aggregate (with ``along``) numbered in its append: position, number."""
        asked = self.ask(aggregate)
        position = self.event_log.save_numbered(aggregate, *along, numbers=[asked])
        return position, self.label(asked)

    def label(self, asked: Number) -> str:
        """``HVG-WO-2026-000123`` for a number its append has taken."""
        if asked.serial is None:
            raise ValueError("the number has not been taken yet")
        code, estate, year = asked.series.split(":")
        return number(self.code_of(UUID(estate)), code.upper(), int(year), asked.serial)

    def code_of(self, estate_id: UUID) -> str:
        known = self._codes.get(estate_id)
        if known is None:
            estate = find(self.event_log, estate_id, Estate)
            # As receipts do (application/finance/receipts.py): no estate, its ID's head.
            known = estate.code if estate is not None else str(estate_id)[:8].upper()
            self._codes[estate_id] = known
        return known
