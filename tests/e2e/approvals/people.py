"""The people of the approval and community tests: staff of estates, residents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from tests.conftest import given_estate
from tests.e2e.api.test_object_scoping import make_user
from tests.support.pages import body_of

ESTATE_A = UUID("00000000-0000-4000-8000-0000000000a1")
ESTATE_B = UUID("00000000-0000-4000-8000-0000000000b2")


@dataclass
class Person:
    id: str
    headers: dict[str, str]
    position: int
    unit: UUID | None = None


def staff(
    client: TestClient, admin: dict[str, str], name: str, roles: list[str], *estates: UUID
) -> Person:
    """A staff member serving ``estates`` (assigned by the admin, then logged in)."""
    user_id, headers, _ = make_user(client, admin, name, roles)
    position = 0
    for estate in estates:
        given_estate(client.app.state.container, estate)  # type: ignore[attr-defined]
        r = client.post(
            f"/api/v1/users/{user_id}/estates", json={"estate_id": str(estate)}, headers=admin
        )
        assert r.status_code == 200, r.text
        position = r.json()["position"]
    return Person(user_id, headers, position)


@dataclass
class FakeResidence:
    """Stands in for the registry's read model (contract 1) in these tests."""

    units: dict[UUID, list[tuple[UUID, UUID]]] = field(default_factory=dict)
    estates: set[UUID] = field(default_factory=lambda: {ESTATE_A, ESTATE_B})

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        return list(self.units.get(UUID(str(user_id)), []))

    def estate_exists(self, estate_id: UUID) -> bool:
        return estate_id in self.estates

    def move_in(self, user_id: str, estate_id: UUID) -> UUID:
        unit = uuid4()
        self.units.setdefault(UUID(user_id), []).append((estate_id, unit))
        return unit


def resident(
    client: TestClient, admin: dict[str, str], residence: FakeResidence, name: str, estate: UUID
) -> tuple[Person, UUID]:
    """An owner living in a unit of ``estate``: (person, unit)."""
    user_id, headers, position = make_user(client, admin, name, ["owner"])
    unit = residence.move_in(user_id, estate)
    return Person(user_id, headers, position, unit), unit


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return body_of(response)
