"""The finance handlers' ``EstateTotals`` port: what an owners' vote is counted
against, from the registry's read model.

The exclusive area is the registered (gross) area of the estate's units (the
judicial interpretation on building ownership, art. 8: the area in the
property register); the registry dates no unit's existence, so every unit on
it counts, at its area as last corrected. Owners are counted as that
interpretation's art. 9 counts them, on the meeting day by the dates of
moving in and out: one per unit, one for all the units of the same owner (or
the same co-owners), and one for all units nobody owned that day (the
developer's unsold units).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.finance.ports import VoteTotals
from projections.registry.facts import LINKS_WAIT_SECONDS, RegistryBehind
from projections.runtime import wait_for_position

_TOTALS = """
WITH units AS (
    SELECT unit_id, gross_area FROM registry_units
    WHERE estate_id = %(estate)s
), holders AS (
    SELECT u.unit_id, array_agg(DISTINCT o.person_id ORDER BY o.person_id) AS owners
    FROM units u LEFT JOIN registry_occupancy o
      ON o.unit_id = u.unit_id AND o.relation = 'owner' AND o.moved_in_on <= %(day)s
     AND (o.moved_out_on IS NULL OR o.moved_out_on > %(day)s)
    GROUP BY u.unit_id
)
SELECT (SELECT coalesce(sum(gross_area), 0) FROM units),
       (SELECT count(DISTINCT owners) FROM holders WHERE owners <> '{NULL}')
     + CASE WHEN EXISTS (SELECT 1 FROM holders WHERE owners = '{NULL}') THEN 1 ELSE 0 END
"""


class RegisteredTotals:
    def __init__(self, pool: Any, head: Callable[[], int]) -> None:
        self.pool = pool
        self.head = head

    def as_of(self, estate_id: UUID, day: date) -> VoteTotals:
        # A unit or a sale recorded a moment ago must count, or a vote is
        # counted against an estate the registry has since corrected.
        if not wait_for_position(self.pool, "registry", self.head(), LINKS_WAIT_SECONDS):
            raise RegistryBehind("the registry read model is behind the log; retry shortly")
        with self.pool.connection() as conn:
            row = conn.execute(_TOTALS, {"estate": estate_id, "day": day}).fetchone()
        return VoteTotals(area=Decimal(row[0]), owners=int(row[1]))
