"""The registry's reads on PostgreSQL: each query shows what the caller's reach
admits, and a record outside it is None, as a missing one is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Reach
from application.registry import commands as c
from bootstrap import Container
from domain.identity.policy import Role
from projections.registry import views
from tests.support.actors import EVERY_RIGHT as ACTOR
from tests.support.world import world


@dataclass
class Places:
    a: UUID
    b: UUID
    building: UUID
    other_building: UUID
    home: UUID
    neighbour: UUID
    space: UUID
    person: UUID
    resident: UUID


@pytest.fixture
def places(container: Container) -> Places:
    """Estate A: the resident's home in one building, a neighbour's unit in
    another, a parking space of the home; estate B: nothing of theirs."""
    r = container.registry
    a = r.register_estate(c.RegisterEstate(ACTOR, "VA", "A", "-")).id
    b = r.register_estate(c.RegisterEstate(ACTOR, "VB", "B", "-")).id
    building = r.register_building(c.RegisterBuilding(ACTOR, a, "B1")).id
    other = r.register_building(c.RegisterBuilding(ACTOR, a, "B2")).id
    home = r.register_unit(c.RegisterUnit(ACTOR, building, "1", 1, Decimal(90), Decimal(80))).id
    neighbour = r.register_unit(c.RegisterUnit(ACTOR, other, "1", 1, Decimal(90), Decimal(80))).id
    space = r.register_parking(c.RegisterParking(ACTOR, a, "P1")).id
    r.assign_parking(c.AssignParking(ACTOR, space, home))
    person = r.register_person(c.RegisterPerson(ACTOR, a, "Li Na")).id
    r.move_in(c.MoveIn(ACTOR, home, person, "owner", date(2020, 1, 1)))
    resident, _ = world(container, "a-long-enough-secret-1").account(
        "li.na", Role.OWNER, display_name="Li"
    )
    container.projector.catch_up()  # a link is checked against the links as of the head
    r.link_account(c.LinkAccount(ACTOR, person, resident))
    container.projector.catch_up()
    return Places(a, b, building, other, home, neighbour, space, person, resident)


def _own(user_id: UUID) -> Reach:
    return Reach(everything=False, estates=frozenset(), own=True, user_id=user_id)


def _ids(rows: list[dict[str, object]]) -> set[object]:
    return {r["id"] for r in rows}


def test_an_occupant_sees_only_their_own_places(container: Container, places: Places) -> None:
    reach = _own(places.resident)
    with container.pool.connection() as conn:
        assert _ids(views.estates(conn, reach, limit=10)) == {places.a}
        assert _ids(views.buildings(conn, reach, estate_id=None, limit=10)) == {places.building}
        assert _ids(
            views.units(conn, reach, estate_id=None, building_id=None, cursor=None, limit=10)
        ) == {places.home}
        assert _ids(views.parking(conn, reach, estate_id=None, limit=10)) == {places.space}
        assert _ids(views.people(conn, reach, estate_id=None, cursor=None, limit=10)) == {
            places.person
        }
        assert views.estate(conn, reach, places.b) is None
        assert views.building(conn, reach, places.other_building) is None
        assert views.unit(conn, reach, places.neighbour) is None
        assert views.unit_occupancy(conn, reach, places.neighbour) is None
        history = views.unit_occupancy(conn, reach, places.home)
        assert history is not None and [h["current"] for h in history] == [True]
        assert views.person_occupancy(conn, reach, places.person) is not None


def test_staff_see_the_estates_they_serve_and_nothing_else(
    container: Container, places: Places
) -> None:
    staff = Reach(everything=False, estates=frozenset({places.b}), own=True, user_id=uuid4())
    nobody = Reach(everything=False, estates=frozenset(), own=False, user_id=uuid4())
    everyone = Reach(everything=True, estates=frozenset(), own=True, user_id=uuid4())
    with container.pool.connection() as conn:
        assert _ids(views.estates(conn, staff, limit=10)) == {places.b}
        assert views.unit(conn, staff, places.home) is None
        assert views.parking_space(conn, staff, places.space) is None
        assert views.person(conn, staff, places.person) is None
        assert views.estates(conn, nobody, limit=10) == []
        unit = views.unit(conn, everyone, places.home)
        assert unit is not None and unit["gross_area"] == Decimal("90.00")
        assert views.estate(conn, everyone, uuid4()) is None


def test_units_page_in_building_and_number_order(container: Container, places: Places) -> None:
    everyone = Reach(everything=True, estates=frozenset(), own=True, user_id=uuid4())
    with container.pool.connection() as conn:
        first = views.units(
            conn, everyone, estate_id=places.a, building_id=None, cursor=None, limit=1
        )
        rest = views.units(
            conn, everyone, estate_id=places.a, building_id=None, cursor=first[0]["id"], limit=10
        )
    assert len(first) == 1 and len(rest) == 1
    assert _ids(first) | _ids(rest) == {places.home, places.neighbour}
