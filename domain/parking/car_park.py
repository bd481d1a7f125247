"""An estate's car park: its temporary spaces and its tariff's versions.

One car park per estate (its ID derives from the estate's). A tariff change
is a new version with the time it takes effect; the versions already
recorded are never edited, so a session is charged by the version in force
when the car entered, however the tariff changed while it was parked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.parking.tariff import Tariff

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/parking/car-park")
MAX_SPACES = 100_000
#: How far ahead a tariff version may start: a version far off (year 2999)
#: would leave no room for any later one.
TARIFF_AHEAD = timedelta(days=366)


def car_park_id(estate_id: UUID) -> UUID:
    return uuid5(NAMESPACE, str(estate_id))


def _spaces(value: int) -> int:
    if not 0 <= int(value) <= MAX_SPACES:
        raise ValidationFailed(f"temporary_spaces: 0 to {MAX_SPACES}")
    return int(value)


class CarPark(Aggregate):
    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return car_park_id(estate_id)

    @classmethod
    def open(
        cls, *, estate_id: UUID, temporary_spaces: int, tariff: Tariff, by: UUID, at: datetime
    ) -> CarPark:
        return cls(
            estate_id=estate_id,
            temporary_spaces=_spaces(temporary_spaces),
            tariff=tariff.as_dict(),
            by=by,
            at=at,
        )

    @event("Opened")
    def __init__(
        self, estate_id: UUID, temporary_spaces: int, tariff: dict[str, Any], by: UUID, at: datetime
    ) -> None:
        self.estate_id = estate_id
        self.temporary_spaces = temporary_spaces
        # (version, effective from, tariff), oldest first; version 1 from the opening.
        self.tariffs: list[tuple[int, datetime, dict[str, Any]]] = [(1, at, tariff)]

    def tariff_at(self, at: datetime) -> tuple[int, Tariff]:
        """The version in force at ``at`` (the first before any later one took effect)."""
        version, _, stored = self.tariffs[0]
        for number, effective, candidate in self.tariffs:
            if effective <= at:
                version, stored = number, candidate
        return version, Tariff.restored(stored)

    def change_tariff(
        self, tariff: Tariff, effective_from: datetime, by: UUID, at: datetime
    ) -> int:
        """A new version from ``effective_from`` (not in the past nor more than
        :data:`TARIFF_AHEAD` ahead, after the last version's)."""
        if effective_from < at:
            raise ValidationFailed("effective_from: a tariff never changes the past")
        if effective_from > at + TARIFF_AHEAD:
            raise ValidationFailed("effective_from: at most a year ahead")
        if effective_from <= self.tariffs[-1][1]:
            raise InvalidTransition("effective_from: after the latest version's effective time")
        version = self.tariffs[-1][0] + 1
        self._tariff_changed(
            version=version, effective_from=effective_from, tariff=tariff.as_dict(), by=by, at=at
        )
        return version

    @event("TariffChanged")
    def _tariff_changed(
        self, version: int, effective_from: datetime, tariff: dict[str, Any], by: UUID, at: datetime
    ) -> None:
        self.tariffs.append((version, effective_from, tariff))

    def change_spaces(self, temporary_spaces: int, by: UUID, at: datetime) -> None:
        """The count of spaces for temporary parking, as the manager sets it now."""
        spaces = _spaces(temporary_spaces)
        if spaces == self.temporary_spaces:
            raise InvalidTransition(f"temporary_spaces: {spaces} already")
        self._spaces_changed(temporary_spaces=spaces, by=by, at=at)

    @event("TemporarySpacesChanged")
    def _spaces_changed(self, temporary_spaces: int, by: UUID, at: datetime) -> None:
        self.temporary_spaces = temporary_spaces
