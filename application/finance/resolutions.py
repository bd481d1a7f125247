"""An owners' resolution counted against the registry, not the clerk's figures.

The minutes give the votes: who took part and who voted for, by area and by
owners. The estate's exclusive area and owner count are the registry's on the
meeting day (Civil Code art. 278), so a vote of "a 100 m², 3-owner estate"
cannot pass for a 587.50 m², 6-owner one. A request that still states a total
is refused where it disagrees with the registry, naming the field: the clerk
learns the minutes describe another estate instead of having them corrected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.finance.ports import EstateTotals
from domain.errors import ValidationFailed
from domain.finance.money import decimal_of


def counted(
    data: Mapping[str, Any] | None, estate_id: UUID, totals: EstateTotals, today: date
) -> dict[str, Any] | None:
    """The vote with the estate's registered totals on its meeting day filled in.
    A meeting after ``today`` has not been held: its votes cannot be counted yet."""
    if data is None:
        return None
    vote = dict(data)
    meeting_on = vote.get("meeting_on")
    if isinstance(meeting_on, str):
        try:
            meeting_on = date.fromisoformat(meeting_on)
        except ValueError:
            meeting_on = None
    if not isinstance(meeting_on, date):
        raise ValidationFailed("resolution meeting_on: the day of the meeting, YYYY-MM-DD")
    if meeting_on > today:
        raise ValidationFailed(
            f"resolution meeting_on: {meeting_on} is after today ({today}); "
            "a vote cannot be counted before the meeting is held"
        )
    registered = totals.as_of(estate_id, meeting_on)
    for name, value in (("total_area", registered.area), ("total_owners", registered.owners)):
        stated = vote.get(name)
        if stated is not None and decimal_of(stated, f"resolution {name}") != Decimal(value):
            raise ValidationFailed(
                f"resolution {name}: the registry has {value} on {meeting_on}, not {stated}"
            )
        vote[name] = value
    vote["meeting_on"] = meeting_on
    return vote
