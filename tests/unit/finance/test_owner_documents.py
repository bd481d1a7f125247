"""Printing a clearance certificate again from its event, in memory (decision 0029):
who may, and who reads the name it is issued to in clear."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.errors import NotFound
from application.finance.accounts.clearance import certificate_to_print, own_name
from application.services import ServiceDeps
from domain.finance.clearance import ClearanceCertificate
from domain.identity.policy import Permission
from domain.registry.person import Person
from tests.support.memory import memory_deps

ESTATE, UNIT = uuid4(), uuid4()


class SealedAsPrefix:
    """A vault whose ciphertext is the value behind ``sealed:`` (no keys in memory)."""

    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None:
        return ciphertext.removeprefix("sealed:") if ciphertext else None


def login(*grants: Permission, estates: frozenset[UUID] = frozenset()) -> Actor:
    return Actor(uuid4(), "someone", None, frozenset(grants), "s", estates)


@pytest.fixture
def deps() -> ServiceDeps:
    return replace(memory_deps(), vault=SealedAsPrefix())


def issued(deps: ServiceDeps, holder: Actor) -> tuple[Person, ClearanceCertificate]:
    person = Person(
        id=uuid4(),
        estate_id=ESTATE,
        name_enc="sealed:Li Seller",
        phone_enc=None,
        national_id_enc=None,
        user_id=holder.user_id,
    )
    certificate = ClearanceCertificate(
        id=uuid4(),
        estate_id=ESTATE,
        unit_id=UNIT,
        person_id=person.id,
        as_of=date(2026, 2, 1),
        currency="CNY",
        bill_ids=[],
        charged=Decimal("116.13"),
        paid=Decimal("116.13"),
        waived=Decimal(0),
        outstanding=Decimal(0),
        issued_by=uuid4(),
        at=datetime(2026, 2, 1, 9, tzinfo=UTC),
    )
    deps.event_log.save_and_position(person, certificate)
    return person, certificate


def test_the_person_and_the_issuing_staff_print_the_name_a_reader_masked(
    deps: ServiceDeps,
) -> None:
    seller = login(Permission.FINANCE_READ_OWN)
    person, certificate = issued(deps, seller)
    head = deps.event_log.head()
    clerk = login(
        Permission.FINANCE_READ_ESTATE,
        Permission.FINANCE_MANAGE_ESTATE,
        estates=frozenset({ESTATE}),
    )
    reader = login(Permission.FINANCE_READ_ESTATE, estates=frozenset({ESTATE}))

    for who, name in ((seller, "Li Seller"), (clerk, "Li Seller"), (reader, None)):
        printed = certificate_to_print(deps, who, UNIT, person.id, certificate.id)
        assert (printed.certificate.paid, printed.name) == (Decimal("116.13"), name)
    assert deps.event_log.head() == head  # printing records nothing
    assert own_name(deps, seller, person.id) == "Li Seller"
    assert own_name(deps, clerk, person.id) is None


def test_anyone_else_or_another_path_is_told_there_is_no_certificate(deps: ServiceDeps) -> None:
    seller = login(Permission.FINANCE_READ_OWN)
    person, certificate = issued(deps, seller)
    buyer = login(Permission.FINANCE_READ_OWN)
    other_clerk = login(Permission.FINANCE_MANAGE_ESTATE, estates=frozenset({uuid4()}))
    for who in (buyer, other_clerk):
        with pytest.raises(NotFound):
            certificate_to_print(deps, who, UNIT, person.id, certificate.id)
    for unit, person_id in ((uuid4(), person.id), (UNIT, uuid4())):
        with pytest.raises(NotFound):
            certificate_to_print(deps, seller, unit, person_id, certificate.id)
    with pytest.raises(NotFound):
        certificate_to_print(deps, seller, UNIT, person.id, person.id)  # not a certificate
