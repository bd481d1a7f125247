"""The registry's rules on the aggregates themselves, without I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidTransition, ValidationFailed
from domain.registry.ids import building_id_for, estate_id_for, unit_id_for
from domain.registry.places import Estate, ParkingSpace
from domain.registry.unit import Relation, Unit
from projections.registry.readmodel import mask_name


def _unit() -> Unit:
    return Unit.register(uuid4(), uuid4(), " 1201 ", 12, "89.5", "72.30", "residential")


def test_keys_are_normalised_into_ids() -> None:
    assert Estate.register(" sun ", "Sunrise", "Road").id == estate_id_for("SUN")
    estate = estate_id_for("SUN")
    assert building_id_for(estate, "b1") == building_id_for(estate, "B1")
    assert unit_id_for(building_id_for(estate, "B1"), "101") != unit_id_for(
        building_id_for(estate, "B2"), "101"
    )
    with pytest.raises(ValidationFailed):
        estate_id_for("no spaces allowed")


def test_areas_are_positive_decimals_with_internal_within_gross() -> None:
    unit = _unit()
    assert unit.number == "1201"
    assert unit.gross_area == Decimal("89.50")
    for gross, internal in (("0", "1"), ("-1", "1"), ("80", "80.01"), ("1.001", "1"), ("x", "1")):
        with pytest.raises(ValidationFailed):
            Unit.register(uuid4(), uuid4(), "1", 1, gross, internal, "residential")
    with pytest.raises(ValidationFailed):
        Unit.register(uuid4(), uuid4(), "1", 1, 80.5, "1", "residential")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        unit.correct(internal_area="100")
    with pytest.raises(InvalidTransition):
        unit.correct(gross_area="89.50")


def test_ownership_passes_without_overlap_or_gap() -> None:
    unit = _unit()
    first, second, tenant = uuid4(), uuid4(), uuid4()
    unit.move_in(occupancy_id=uuid4(), person_id=first, relation="owner", on=date(2019, 1, 1))
    unit.move_in(occupancy_id=uuid4(), person_id=tenant, relation="tenant", on=date(2019, 2, 1))
    unit.transfer_ownership(new_owners=[(uuid4(), second)], on=date(2021, 1, 1))
    owners = [o for o in unit.occupancies.values() if o["relation"] is Relation.OWNER]
    assert [(o["person_id"], o["moved_in_on"], o["moved_out_on"]) for o in owners] == [
        (first, date(2019, 1, 1), date(2021, 1, 1)),
        (second, date(2021, 1, 1), None),
    ]
    # The tenant stays through the sale.
    assert unit.current_record_of(tenant) is not None
    # The old owner cannot come back as owner before the new owner's record began.
    with pytest.raises(ValidationFailed):
        unit.move_in(
            occupancy_id=uuid4(),
            person_id=first,
            relation="owner",
            on=date(2020, 6, 1),
            co_owner=True,
        )
    with pytest.raises(ValidationFailed):
        unit.move_in(occupancy_id=uuid4(), person_id=first, relation="tenant", on=date(2020, 6, 1))
    with pytest.raises(ValidationFailed):
        unit.move_in(occupancy_id=uuid4(), person_id=uuid4(), relation="guest", on=date(2022, 1, 1))


def test_after_a_transfer_another_owner_needs_a_transfer_too() -> None:
    unit = _unit()
    first, second = uuid4(), uuid4()
    unit.move_in(occupancy_id=uuid4(), person_id=first, relation="owner", on=date(2019, 1, 1))
    unit.transfer_ownership(new_owners=[(uuid4(), second)], on=date(2021, 1, 1))
    with pytest.raises(InvalidTransition):
        unit.move_in(occupancy_id=uuid4(), person_id=uuid4(), relation="owner", on=date(2022, 1, 1))


def test_a_parking_space_serves_one_unit_of_its_estate() -> None:
    estate = uuid4()
    space = ParkingSpace.register(estate, "p-1")
    with pytest.raises(ValidationFailed):
        space.assign(uuid4(), uuid4())
    unit = uuid4()
    space.assign(unit, estate)
    with pytest.raises(InvalidTransition):
        space.assign(uuid4(), estate)
    space.release()
    with pytest.raises(InvalidTransition):
        space.release()
    with pytest.raises(ValidationFailed):
        ParkingSpace.register(estate, "p-2", kind="helipad")


def test_names_are_masked_word_by_word() -> None:
    assert mask_name("Zhang Wei") == "Z**** W**"
    assert mask_name("张伟") == "张*"
    assert mask_name("A B") == "* *"
    assert mask_name(None) is None
