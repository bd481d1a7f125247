"""Who pays for a vacant unit (空置房): the party the estate names.

A unit is vacant on a day the registry names no owner of it (not delivered
or sold yet, or its last owner's ownership ended with no successor). Its
fees for those days and its share of the shared costs are the vacant-unit
payer's: the developer (建设单位) until the unit is sold, or whoever the
estate names, recorded as a person in the registry. Until one is named, a
billing run with a vacant unit is refused rather than leave its share of the
shared costs to the owners.

The events are kept forever: their fields are plain UUIDs and datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

VACANCY_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/vacancy-payers")


def vacancy_payer_id(estate_id: UUID) -> UUID:
    return uuid5(VACANCY_NAMESPACE, str(estate_id))


class VacancyPayer(Aggregate):
    """One estate's named payer for its vacant units; named again to change it."""

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return vacancy_payer_id(estate_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, at: datetime) -> None:
        self.estate_id = estate_id
        self.person_id: UUID | None = None
        self.user_id: UUID | None = None

    def name(self, person_id: UUID, user_id: UUID | None, by: UUID, at: datetime) -> None:
        """Bill the estate's vacant days to the person from the next run on."""
        if person_id == self.person_id:
            return  # naming the payer again changes nothing
        self._named(person_id=person_id, user_id=user_id, by=by, at=at)

    @event("Named")
    def _named(self, person_id: UUID, user_id: UUID | None, by: UUID, at: datetime) -> None:
        self.person_id = person_id
        self.user_id = user_id
