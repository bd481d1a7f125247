"""A unit (flat, shop, office) and its occupancy history.

Occupancy lives on the unit because the unit is where the rules meet: one
record per person at a time, owners' records end only by a transfer of
ownership, and an ownership transfer ends every current owner's record and
begins the new owners' on the same date, so ownership never overlaps and
never has a gap.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.registry.ids import normalise_code, unit_id_for
from domain.text import DECIMAL_TEXT

MAX_AREA = Decimal("100000")
CENT = Decimal("0.01")


class UnitUse(StrEnum):
    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    OFFICE = "office"
    STORAGE = "storage"
    OTHER = "other"


class Relation(StrEnum):
    OWNER = "owner"
    RESIDENT = "resident"
    TENANT = "tenant"


def area(value: Decimal | str | int, what: str) -> Decimal:
    """A positive area in m² with at most two decimals."""
    if isinstance(value, float):
        raise ValidationFailed(f"{what}: send a decimal string, not a float")
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value.strip()):
        # As a body's decimals: Decimal() would read "1e3", "1_000" and "١٢٣".
        raise ValidationFailed(f"{what}: {value!r} is not digits 0-9 with a point")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"{what}: not a number") from None
    if not amount.is_finite():
        raise ValidationFailed(f"{what}: not a number")
    if amount <= 0:
        raise ValidationFailed(f"{what}: must be positive")
    if amount > MAX_AREA:
        raise ValidationFailed(f"{what}: at most {MAX_AREA} m²")
    if amount != amount.quantize(CENT):
        raise ValidationFailed(f"{what}: at most two decimals")
    return amount.quantize(CENT)


def check_areas(gross: Decimal, internal: Decimal) -> None:
    if internal > gross:
        raise ValidationFailed("internal_area: must not exceed gross_area")


def floor_number(value: int) -> int:
    if not -10 <= value <= 200:
        raise ValidationFailed("floor: between -10 and 200")
    return value


class Unit(Aggregate):
    """A unit of a building; its number is unique within the building."""

    @staticmethod
    def create_id(building_id: UUID, number: str, **_: Any) -> UUID:
        return unit_id_for(building_id, number)

    @event("Registered")
    def __init__(
        self,
        estate_id: UUID,
        building_id: UUID,
        number: str,
        floor: int,
        gross_area: Decimal,
        internal_area: Decimal,
        use: UnitUse,
    ) -> None:
        self.estate_id = estate_id
        self.building_id = building_id
        self.number = number
        self.floor = floor
        self.gross_area = gross_area
        self.internal_area = internal_area
        self.use = use
        # str(occupancy_id) -> {person_id, relation, moved_in_on, moved_out_on}
        # (string keys: a snapshot is JSON)
        self.occupancies: dict[str, dict[str, Any]] = {}

    @classmethod
    def register(
        cls,
        estate_id: UUID,
        building_id: UUID,
        number: str,
        floor: int,
        gross_area: Decimal | str,
        internal_area: Decimal | str,
        use: UnitUse | str,
    ) -> Unit:
        gross = area(gross_area, "gross_area")
        internal = area(internal_area, "internal_area")
        check_areas(gross, internal)
        return cls(
            estate_id=estate_id,
            building_id=building_id,
            number=normalise_code(number, "number"),
            floor=floor_number(floor),
            gross_area=gross,
            internal_area=internal,
            use=unit_use(use),
        )

    # ---- queries ---------------------------------------------------------

    def current(self, relation: Relation | None = None) -> dict[str, dict[str, Any]]:
        """Occupancy records not ended, optionally of one relation."""
        return {
            oid: o
            for oid, o in self.occupancies.items()
            if o["moved_out_on"] is None and (relation is None or o["relation"] == relation)
        }

    def current_record_of(self, person_id: UUID) -> tuple[str, dict[str, Any]] | None:
        for oid, o in self.current().items():
            if o["person_id"] == person_id:
                return oid, o
        return None

    # ---- details -----------------------------------------------------------

    def correct(
        self,
        *,
        floor: int | None = None,
        gross_area: Decimal | str | None = None,
        internal_area: Decimal | str | None = None,
        use: UnitUse | str | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        gross = area(gross_area, "gross_area") if gross_area is not None else self.gross_area
        internal = (
            area(internal_area, "internal_area")
            if internal_area is not None
            else self.internal_area
        )
        check_areas(gross, internal)
        if floor is not None and floor_number(floor) != self.floor:
            changes["floor"] = floor
        if gross != self.gross_area:
            changes["gross_area"] = gross
        if internal != self.internal_area:
            changes["internal_area"] = internal
        if use is not None and unit_use(use) != self.use:
            changes["use"] = unit_use(use)
        if not changes:
            raise InvalidTransition("nothing to change")
        self._corrected(changes=changes)

    @event("Corrected")
    def _corrected(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if key == "use":
                value = UnitUse(value)
            elif key in ("gross_area", "internal_area"):
                value = Decimal(value)
            setattr(self, key, value)

    # ---- occupancy ---------------------------------------------------------

    def move_in(
        self,
        *,
        occupancy_id: UUID,
        person_id: UUID,
        relation: Relation | str,
        on: date,
        co_owner: bool = False,
    ) -> None:
        """Begin a person's occupancy: an owner, a family member or a tenant.

        A unit with a current owner takes another only as a co-owner
        (``co_owner``) from the same date or later; otherwise ownership
        changes hands by :meth:`transfer_ownership`.
        """
        relation = _relation(relation)
        if self.current_record_of(person_id) is not None:
            raise InvalidTransition("this person already occupies the unit")
        self._check_not_before_own_history(person_id, on)
        owners = self.current(Relation.OWNER)
        if relation is Relation.OWNER:
            if owners and not co_owner:
                raise InvalidTransition(
                    "the unit has an owner: transfer the ownership, or add a co-owner"
                )
            if co_owner and not owners:
                raise InvalidTransition("the unit has no owner to share with")
            if any(on < o["moved_in_on"] for o in owners.values()):
                raise ValidationFailed("on: a co-owner's record cannot begin before the owners'")
            if not owners:
                self._check_no_later_owner(on)
        elif co_owner:
            raise ValidationFailed("co_owner: only for relation owner")
        self._moved_in(occupancy_id=occupancy_id, person_id=person_id, relation=relation, on=on)

    @event("MovedIn")
    def _moved_in(self, occupancy_id: UUID, person_id: UUID, relation: Relation, on: date) -> None:
        self.occupancies[str(occupancy_id)] = {
            "person_id": person_id,
            "relation": Relation(relation),
            "moved_in_on": on,
            "moved_out_on": None,
        }

    def move_out(self, *, person_id: UUID, on: date) -> None:
        """End a resident's or tenant's occupancy; owners leave by a transfer."""
        found = self.current_record_of(person_id)
        if found is None:
            raise InvalidTransition("this person does not occupy the unit")
        occupancy_id, record = found
        if record["relation"] is Relation.OWNER:
            raise InvalidTransition("an owner's record ends by a transfer of ownership")
        if on < record["moved_in_on"]:
            raise ValidationFailed("on: before the person moved in")
        self._moved_out(occupancy_id=UUID(occupancy_id), person_id=person_id, on=on)

    @event("MovedOut")
    def _moved_out(self, occupancy_id: UUID, person_id: UUID, on: date) -> None:
        self.occupancies[str(occupancy_id)]["moved_out_on"] = on

    def transfer_ownership(self, *, new_owners: list[tuple[UUID, UUID]], on: date) -> None:
        """End every current owner's record and begin the new owners' on ``on``.

        ``new_owners`` is (occupancy_id, person_id) per new owner; several make
        joint owners. A continuing owner (one of the old and one of the new)
        gets a fresh record from the transfer date.
        """
        owners = self.current(Relation.OWNER)
        if not owners:
            raise InvalidTransition("the unit has no owner to transfer from; record a move-in")
        if not new_owners:
            raise ValidationFailed("new_owner_ids: at least one")
        people = [p for _, p in new_owners]
        if len(set(people)) != len(people):
            raise ValidationFailed("new_owner_ids: a person is named twice")
        if set(people) == {o["person_id"] for o in owners.values()}:
            raise InvalidTransition("the new owners are the current owners")
        if any(on < o["moved_in_on"] for o in owners.values()):
            raise ValidationFailed("on: before the current owners' records began")
        for _, person_id in new_owners:
            found = self.current_record_of(person_id)
            if found is not None and found[1]["relation"] is not Relation.OWNER:
                raise InvalidTransition(
                    "a new owner occupies the unit as resident or tenant; move them out first"
                )
        self._ownership_transferred(
            ended=[UUID(oid) for oid in sorted(owners)],
            new_owners=[{"occupancy_id": oid, "person_id": pid} for oid, pid in new_owners],
            on=on,
        )

    @event("OwnershipTransferred")
    def _ownership_transferred(
        self, ended: list[UUID], new_owners: list[dict[str, UUID]], on: date
    ) -> None:
        for occupancy_id in ended:
            self.occupancies[str(occupancy_id)]["moved_out_on"] = on
        for new in new_owners:
            self.occupancies[str(new["occupancy_id"])] = {
                "person_id": new["person_id"],
                "relation": Relation.OWNER,
                "moved_in_on": on,
                "moved_out_on": None,
            }

    def _check_not_before_own_history(self, person_id: UUID, on: date) -> None:
        for o in self.occupancies.values():
            if o["person_id"] == person_id and o["moved_out_on"] and on < o["moved_out_on"]:
                raise ValidationFailed("on: overlaps this person's earlier record")

    def _check_no_later_owner(self, on: date) -> None:
        for o in self.occupancies.values():
            if o["relation"] is Relation.OWNER and o["moved_out_on"] and on < o["moved_out_on"]:
                raise ValidationFailed("on: overlaps an earlier owner's record")


def unit_use(value: UnitUse | str) -> UnitUse:
    try:
        return UnitUse(value)
    except ValueError:
        raise ValidationFailed(f"use: one of {', '.join(UnitUse)}") from None


def _relation(value: Relation | str) -> Relation:
    try:
        return Relation(value)
    except ValueError:
        raise ValidationFailed(f"relation: one of {', '.join(Relation)}") from None
