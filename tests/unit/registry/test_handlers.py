"""The registry's handlers on the in-memory log: who may act, what is decided,
what is saved (decision 0017)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from application.errors import Forbidden, NotFound
from application.registry import commands as c
from application.registry.records import RegistryRecordNotFound
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import Role
from domain.registry.person import Person
from domain.registry.places import Building, Estate
from domain.registry.unit import Unit
from tests.support.actors import EVERY_RIGHT, actor
from tests.unit.registry.world import manager_of, registry

# ---- authorization per role and estate -----------------------------------------------


def test_a_manager_changes_their_estate_and_another_estates_records_are_missing() -> None:
    w = registry()
    manager = manager_of(w.a)
    w.handlers.change_building(c.ChangeBuilding(manager, w.building_a, name="Tower"))
    assert w.handlers.load(w.building_a, Building).name == "Tower"
    head = w.handlers.deps.event_log.head()
    refused = [
        c.ChangeEstate(manager, w.b, name="Mine now"),
        c.RegisterBuilding(manager, w.b, "X"),
        c.CorrectUnit(manager, w.unit_b, floor=3),
        c.RegisterPerson(manager, w.b, "Someone"),
        c.RegisterParking(manager, w.b, "P1"),
        c.MoveIn(manager, w.unit_b, w.person_b, "tenant", date(2024, 1, 1)),
        c.LinkAccount(manager, w.person_b, manager.user_id),
        c.ErasePerson(manager, w.person_b, "asked"),
    ]
    for command in refused:
        handler = getattr(w.handlers, _handler_of(command))
        with pytest.raises(NotFound, match="no such record, or not yours to see"):
            handler(command)
    assert w.handlers.deps.event_log.head() == head


def _handler_of(command: object) -> str:
    return {
        "ChangeEstate": "change_estate",
        "RegisterBuilding": "register_building",
        "CorrectUnit": "correct_unit",
        "RegisterPerson": "register_person",
        "RegisterParking": "register_parking",
        "MoveIn": "move_in",
        "LinkAccount": "link_account",
        "ErasePerson": "erase_person",
    }[type(command).__name__]


def test_only_company_wide_managers_register_estates() -> None:
    w = registry()
    with pytest.raises(Forbidden):
        w.handlers.register_estate(c.RegisterEstate(manager_of(w.a), "C", "C", "-"))
    admin = actor(Role.ADMIN)
    created = w.handlers.register_estate(c.RegisterEstate(admin, "C", "C", "-"))
    assert w.handlers.load(created.id, Estate).code == "C"


def test_an_occupant_sees_their_unit_but_may_not_change_it() -> None:
    w = registry()
    owner = actor(Role.OWNER)
    w.lives(owner.user_id, w.a, w.unit_a)
    with pytest.raises(Forbidden):
        w.handlers.correct_unit(c.CorrectUnit(owner, w.unit_a, floor=2))
    # The neighbouring estate's unit is not theirs to see at all.
    with pytest.raises(NotFound):
        w.handlers.correct_unit(c.CorrectUnit(owner, w.unit_b, floor=2))


def test_an_auditor_reads_every_estate_and_changes_nothing() -> None:
    w = registry()
    with pytest.raises(Forbidden):
        w.handlers.register_building(c.RegisterBuilding(actor(Role.AUDITOR), w.a, "Z"))


def test_a_missing_record_names_what_is_missing() -> None:
    w = registry()
    with pytest.raises(RegistryRecordNotFound, match="no such unit"):
        w.handlers.move_out(c.MoveOut(EVERY_RIGHT, uuid4(), w.person_a, date(2024, 1, 1)))
    with pytest.raises(NotFound, match="no such estate"):
        w.handlers.register_building(c.RegisterBuilding(EVERY_RIGHT, uuid4(), "B9"))


# ---- occupancy --------------------------------------------------------------------------


def test_a_move_in_needs_a_person_of_the_units_estate() -> None:
    w = registry()
    manager = manager_of(w.a, w.b)
    with pytest.raises(ValidationFailed, match="registered in another estate"):
        w.handlers.move_in(c.MoveIn(manager, w.unit_a, w.person_b, "owner", date(2020, 1, 1)))
    with pytest.raises(ValidationFailed, match="person_id: no such person"):
        w.handlers.move_in(c.MoveIn(manager, w.unit_a, uuid4(), "owner", date(2020, 1, 1)))
    w.handlers.move_in(c.MoveIn(manager, w.unit_a, w.person_a, "owner", date(2020, 1, 1)))
    unit = w.handlers.load(w.unit_a, Unit)
    assert unit.current_record_of(w.person_a) is not None


def test_ownership_changes_hands_by_a_transfer_not_a_second_move_in() -> None:
    w = registry()
    manager = manager_of(w.a)
    w.handlers.move_in(c.MoveIn(manager, w.unit_a, w.person_a, "owner", date(2020, 1, 1)))
    buyer = w.handlers.register_person(c.RegisterPerson(manager, w.a, "Buyer")).id
    with pytest.raises(InvalidTransition):
        w.handlers.move_in(c.MoveIn(manager, w.unit_a, buyer, "owner", date(2022, 1, 1)))
    w.handlers.transfer_ownership(
        c.TransferOwnership(manager, w.unit_a, (buyer,), date(2022, 1, 1))
    )
    unit = w.handlers.load(w.unit_a, Unit)
    assert unit.current_record_of(w.person_a) is None
    assert unit.current_record_of(buyer) is not None
    names = [type(e).__name__ for e in w.handlers.deps.event_log.domain_events(w.unit_a)]  # type: ignore[attr-defined]
    assert names[-1] == "OwnershipTransferred"


def test_a_parking_space_goes_to_a_unit_of_its_own_estate() -> None:
    w = registry()
    manager = manager_of(w.a, w.b)
    space = w.handlers.register_parking(c.RegisterParking(manager, w.a, "P1")).id
    with pytest.raises(ValidationFailed, match="another estate"):
        w.handlers.assign_parking(c.AssignParking(manager, space, w.unit_b))
    with pytest.raises(ValidationFailed, match="unit_id: no such unit"):
        w.handlers.assign_parking(c.AssignParking(manager, space, uuid4()))
    w.handlers.assign_parking(c.AssignParking(manager, space, w.unit_a))
    w.handlers.release_parking(c.ReleaseParking(manager, space))
    with pytest.raises(InvalidTransition):
        w.handlers.release_parking(c.ReleaseParking(manager, space))


# ---- people and linking login accounts ------------------------------------------------


def test_personal_data_is_sealed_and_erasure_deletes_the_key() -> None:
    w = registry()
    manager = manager_of(w.a)
    person = w.handlers.register_person(
        c.RegisterPerson(manager, w.a, "Li Na", phone="13812345678")
    ).id
    saved = w.handlers.load(person, Person)
    assert saved.name_enc == "sealed:name:Li Na"
    assert saved.phone_enc == "sealed:phone:13812345678"
    with pytest.raises(ValidationFailed, match="phone"):
        w.handlers.register_person(c.RegisterPerson(manager, w.a, "X", phone="call me"))
    w.handlers.erase_person(c.ErasePerson(manager, person, "asked"))
    assert w.vault.erased == [person]


def test_a_manager_links_a_login_of_their_own_estate() -> None:
    w = registry()
    login = w.login("li.na", w.a)
    w.handlers.link_account(c.LinkAccount(manager_of(w.a), w.person_a, login))
    assert w.handlers.load(w.person_a, Person).user_id == login


def test_a_manager_may_not_take_over_another_estates_login() -> None:
    w = registry()
    manager = manager_of(w.a)
    staff_of_b = w.login("staff.b", w.b)
    resident_of_b = w.login("resident.b")
    w.lives(resident_of_b, w.b, w.unit_b)
    for login in (staff_of_b, resident_of_b, uuid4()):
        with pytest.raises(ValidationFailed, match="user_id: no such login account"):
            w.handlers.link_account(c.LinkAccount(manager, w.person_a, login))
    with pytest.raises(ValidationFailed, match="no such login account"):
        w.handlers.register_person(c.RegisterPerson(manager, w.a, "Z", user_id=staff_of_b))
    # Who manages both estates may.
    w.handlers.link_account(c.LinkAccount(manager_of(w.a, w.b), w.person_a, resident_of_b))


def test_a_login_of_no_estate_is_linked_first_by_a_company_wide_manager() -> None:
    w = registry()
    fresh = w.login("new.owner")
    with pytest.raises(ValidationFailed):
        w.handlers.link_account(c.LinkAccount(manager_of(w.a), w.person_a, fresh))
    w.handlers.link_account(c.LinkAccount(actor(Role.ADMIN), w.person_a, fresh))
    assert w.handlers.load(w.person_a, Person).user_id == fresh


def test_units_and_buildings_are_unique_by_their_codes() -> None:
    w = registry()
    manager = manager_of(w.a)
    with pytest.raises(InvalidTransition, match="building B1 exists"):
        w.handlers.register_building(c.RegisterBuilding(manager, w.a, "b1"))
    with pytest.raises(InvalidTransition, match="unit 101 exists"):
        w.handlers.register_unit(
            c.RegisterUnit(manager, w.building_a, "101", 1, Decimal("50"), Decimal("40"))
        )
