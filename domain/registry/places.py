"""Estates, buildings and parking spaces: the places a company manages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.registry.ids import (
    building_id_for,
    estate_id_for,
    normalise_code,
    parking_id_for,
)


def text(value: str, what: str, max_length: int = 200) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValidationFailed(f"{what}: must not be empty")
    if len(cleaned) > max_length:
        raise ValidationFailed(f"{what}: at most {max_length} characters")
    return cleaned


class Estate(Aggregate):
    """A managed property: a residential compound, an office park."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return estate_id_for(code)

    @event("Registered")
    def __init__(self, code: str, name: str, address: str) -> None:
        self.code = code
        self.name = name
        self.address = address

    @classmethod
    def register(cls, code: str, name: str, address: str) -> Estate:
        return cls(
            code=normalise_code(code),
            name=text(name, "name"),
            address=text(address, "address", 500),
        )

    def change_details(self, name: str | None = None, address: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if name is not None and text(name, "name") != self.name:
            changes["name"] = text(name, "name")
        if address is not None and text(address, "address", 500) != self.address:
            changes["address"] = text(address, "address", 500)
        if not changes:
            raise InvalidTransition("nothing to change")
        self._details_changed(changes=changes)

    @event("DetailsChanged")
    def _details_changed(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)


class Building(Aggregate):
    """A building of an estate; its code is unique within the estate."""

    @staticmethod
    def create_id(estate_id: UUID, code: str, **_: Any) -> UUID:
        return building_id_for(estate_id, code)

    @event("Registered")
    def __init__(self, estate_id: UUID, code: str, name: str, floors: int | None) -> None:
        self.estate_id = estate_id
        self.code = code
        self.name = name
        self.floors = floors

    @classmethod
    def register(
        cls, estate_id: UUID, code: str, name: str | None = None, floors: int | None = None
    ) -> Building:
        code = normalise_code(code)
        if floors is not None and not 1 <= floors <= 200:
            raise ValidationFailed("floors: between 1 and 200")
        return cls(
            estate_id=estate_id,
            code=code,
            name=text(name, "name") if name else code,
            floors=floors,
        )

    def change_details(self, name: str | None = None, floors: int | None = None) -> None:
        changes: dict[str, Any] = {}
        if name is not None and text(name, "name") != self.name:
            changes["name"] = text(name, "name")
        if floors is not None and floors != self.floors:
            if not 1 <= floors <= 200:
                raise ValidationFailed("floors: between 1 and 200")
            changes["floors"] = floors
        if not changes:
            raise InvalidTransition("nothing to change")
        self._details_changed(changes=changes)

    @event("DetailsChanged")
    def _details_changed(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)


PARKING_KINDS = ("standard", "accessible", "ev_charging", "motorcycle", "tandem")


class ParkingSpace(Aggregate):
    """A parking space of an estate, which may be assigned to one unit."""

    @staticmethod
    def create_id(estate_id: UUID, code: str, **_: Any) -> UUID:
        return parking_id_for(estate_id, code)

    @event("Registered")
    def __init__(self, estate_id: UUID, code: str, level: str | None, kind: str) -> None:
        self.estate_id = estate_id
        self.code = code
        self.level = level
        self.kind = kind
        self.unit_id: UUID | None = None

    @classmethod
    def register(
        cls, estate_id: UUID, code: str, level: str | None = None, kind: str = "standard"
    ) -> ParkingSpace:
        if kind not in PARKING_KINDS:
            raise ValidationFailed(f"kind: one of {', '.join(PARKING_KINDS)}")
        return cls(
            estate_id=estate_id,
            code=normalise_code(code),
            level=text(level, "level", 32) if level else None,
            kind=kind,
        )

    def assign(self, unit_id: UUID, unit_estate_id: UUID) -> None:
        if unit_estate_id != self.estate_id:
            raise ValidationFailed("unit_id: the unit is in another estate")
        if self.unit_id == unit_id:
            raise InvalidTransition("already assigned to this unit")
        if self.unit_id is not None:
            raise InvalidTransition("assigned to another unit; release it first")
        self._assigned(unit_id=unit_id)

    @event("Assigned")
    def _assigned(self, unit_id: UUID) -> None:
        self.unit_id = unit_id

    def release(self) -> None:
        if self.unit_id is None:
            raise InvalidTransition("not assigned to a unit")
        self._released(unit_id=self.unit_id)

    @event("Released")
    def _released(self, unit_id: UUID) -> None:
        self.unit_id = None
