"""Staff of two estates and residents of each, with the registry faked (contract 1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.approvals.people import ESTATE_A, ESTATE_B, FakeResidence, Person, resident, staff


@pytest.fixture
def residence(running: Container) -> FakeResidence:
    fake = FakeResidence()
    running.community.residence = fake
    return fake


@pytest.fixture
def people(
    client: TestClient, admin: dict[str, str], residence: FakeResidence
) -> dict[str, Person]:
    zhang, _ = resident(client, admin, residence, "owner.zhang", ESTATE_A)
    wang, _ = resident(client, admin, residence, "owner.wang", ESTATE_A)
    li, _ = resident(client, admin, residence, "owner.li", ESTATE_B)
    people = {
        "front": staff(client, admin, "front.a", ["customer_service"], ESTATE_A),
        "front2": staff(client, admin, "front2.a", ["customer_service"], ESTATE_A),
        "dept": staff(client, admin, "dept.a", ["property_manager"], ESTATE_A),
        "dept_b": staff(client, admin, "dept.b", ["property_manager"], ESTATE_B),
        "zhang": zhang,
        "wang": wang,
        "li": li,
    }
    return people
