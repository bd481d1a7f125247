"""The registry read model rebuilt from the log equals the live one, row for row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bootstrap import Container
from domain.identity.policy import Role
from replay.operations import rebuild_all
from tests.integration.replay.readmodel_rows import read_models

pytestmark = pytest.mark.fresh_schema


def _allow(_: object) -> None:
    return None


def test_a_rebuilt_registry_equals_the_live_one(container: Container) -> None:
    service = container.registry
    estate = service.register_estate(code="SUN", name="Sunrise", address="Road 1").id
    building = service.register_building(estate, _allow, code="B1", name=None, floors=9).id
    units = [
        service.register_unit(
            building,
            _allow,
            number=str(n),
            floor=1,
            gross_area=Decimal("90"),
            internal_area=Decimal("80"),
            use="residential",
        ).id
        for n in (101, 102)
    ]
    user, _ = container.identity.register(
        username="li.na", password="a-long-enough-secret-1", display_name="Li", roles=[Role.OWNER]
    )
    seller = service.register_person(estate, _allow, name="Li Na", phone="13812345678").id
    buyer = service.register_person(estate, _allow, name="Wang Fang").id
    service.move_in(units[0], _allow, person_id=seller, relation="owner", on=date(2019, 1, 1))
    service.link_account(seller, _allow, user_id=user)
    service.transfer_ownership(units[0], _allow, new_owner_ids=[buyer], on=date(2022, 1, 1))
    service.move_in(units[1], _allow, person_id=seller, relation="tenant", on=date(2022, 1, 2))
    service.erase_person(buyer, _allow, reason="asked")
    parking = service.register_parking(estate, _allow, code="P1", level=None, kind="standard").id
    service.assign_parking(parking, _allow, unit_id=units[1])
    service.correct_unit(units[1], _allow, internal_area=Decimal("75"))
    container.projector.catch_up()
    live = read_models(container)
    assert len(live["registry_occupancy"]) == 3
    assert live["registry_units"] and live["registry_people"] and live["registry_parking"]

    rebuild_all(container, ["registry"])

    assert read_models(container) == live
