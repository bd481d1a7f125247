"""The registry read model rebuilt from the log equals the live one, row for row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from application.registry import commands as c
from bootstrap import Container
from domain.identity.policy import Role
from replay.operations import rebuild_all
from tests.integration.replay.readmodel_rows import read_models
from tests.support.actors import EVERY_RIGHT as ACTOR
from tests.support.world import world

pytestmark = pytest.mark.fresh_schema


def test_a_rebuilt_registry_equals_the_live_one(container: Container) -> None:
    service = container.registry
    estate = service.register_estate(c.RegisterEstate(ACTOR, "SUN", "Sunrise", "Road 1")).id
    building = service.register_building(c.RegisterBuilding(ACTOR, estate, "B1", floors=9)).id
    units = [
        service.register_unit(
            c.RegisterUnit(ACTOR, building, str(n), 1, Decimal("90"), Decimal("80"))
        ).id
        for n in (101, 102)
    ]
    user, _ = world(container, "a-long-enough-secret-1").account(
        "li.na", Role.OWNER, display_name="Li"
    )
    seller = service.register_person(
        c.RegisterPerson(ACTOR, estate, "Li Na", phone="13812345678")
    ).id
    buyer = service.register_person(c.RegisterPerson(ACTOR, estate, "Wang Fang")).id
    service.move_in(c.MoveIn(ACTOR, units[0], seller, "owner", date(2019, 1, 1)))
    # A link is checked against the registry's links as of the log's head.
    container.projector.catch_up()
    service.link_account(c.LinkAccount(ACTOR, seller, user))
    service.transfer_ownership(c.TransferOwnership(ACTOR, units[0], (buyer,), date(2022, 1, 1)))
    service.move_in(c.MoveIn(ACTOR, units[1], seller, "tenant", date(2022, 1, 2)))
    service.erase_person(c.ErasePerson(ACTOR, buyer, "asked"))
    parking = service.register_parking(c.RegisterParking(ACTOR, estate, "P1")).id
    service.assign_parking(c.AssignParking(ACTOR, parking, units[1]))
    service.correct_unit(c.CorrectUnit(ACTOR, units[1], internal_area=Decimal("75")))
    container.projector.catch_up()
    live = read_models(container)
    assert len(live["registry_occupancy"]) == 3
    assert live["registry_units"] and live["registry_people"] and live["registry_parking"]

    rebuild_all(container, ["registry"])

    assert read_models(container) == live
