"""Occupancy history through the HTTP API: move in, move out, transfer of ownership."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.registry.helpers import (
    accepted,
    assert_problem,
    new_building,
    new_estate,
    new_person,
    new_unit,
)
from tests.support.pages import items


def _setup(client: TestClient, admin: dict[str, str]) -> tuple[str, str, str, str, str]:
    estate, _ = new_estate(client, admin)
    building, _ = new_building(client, admin, estate)
    unit, _ = new_unit(client, admin, building)
    seller, _ = new_person(client, admin, estate, name="Li Na")
    buyer, _ = new_person(client, admin, estate, name="Wang Fang")
    return estate, unit, seller, buyer, building


def test_move_in_move_out_and_transfer_of_ownership(
    client: TestClient, admin: dict[str, str]
) -> None:
    estate, unit, seller, buyer, _ = _setup(client, admin)
    tenant, _ = new_person(client, admin, estate, name="Chen Jie")
    accepted(
        client.post(
            f"/api/v1/units/{unit}/move-in",
            json={"person_id": seller, "relation": "owner", "on": "2019-03-01"},
            headers=admin,
        )
    )
    accepted(
        client.post(
            f"/api/v1/units/{unit}/move-in",
            json={"person_id": tenant, "relation": "tenant", "on": "2020-01-15"},
            headers=admin,
        )
    )
    accepted(
        client.post(
            f"/api/v1/units/{unit}/move-out",
            json={"person_id": tenant, "on": "2021-06-30"},
            headers=admin,
        )
    )
    at = accepted(
        client.post(
            f"/api/v1/units/{unit}/ownership-transfers",
            json={"new_owner_ids": [buyer], "on": "2022-05-20"},
            headers=admin,
        )
    )
    history = client.get(f"/api/v1/units/{unit}/occupancy", params={"after": at}, headers=admin)
    assert history.status_code == 200, history.text
    rows = [
        (r["person_id"], r["relation"], r["moved_in_on"], r["moved_out_on"], r["ended_by"])
        for r in items(history)
    ]
    assert rows == [
        (seller, "owner", "2019-03-01", "2022-05-20", "transferred"),
        (tenant, "tenant", "2020-01-15", "2021-06-30", "moved_out"),
        (buyer, "owner", "2022-05-20", None, None),
    ]
    assert items(history)[0]["person_name"] == "L* N*"
    assert [r["current"] for r in items(history)] == [False, False, True]

    of_seller = items(client.get(f"/api/v1/people/{seller}/occupancy", headers=admin))
    assert [(r["unit_id"], r["ended_by"]) for r in of_seller] == [(unit, "transferred")]


def test_joint_owners_and_a_transfer_to_two_buyers(
    client: TestClient, admin: dict[str, str]
) -> None:
    estate, unit, seller, buyer, _ = _setup(client, admin)
    spouse, _ = new_person(client, admin, estate, name="Li Ming")
    second_buyer, _ = new_person(client, admin, estate, name="Wang Lei")
    for person, co_owner in ((seller, False), (spouse, True)):
        accepted(
            client.post(
                f"/api/v1/units/{unit}/move-in",
                json={
                    "person_id": person,
                    "relation": "owner",
                    "on": "2019-03-01",
                    "co_owner": co_owner,
                },
                headers=admin,
            )
        )
    at = accepted(
        client.post(
            f"/api/v1/units/{unit}/ownership-transfers",
            json={"new_owner_ids": [buyer, second_buyer], "on": "2023-01-01"},
            headers=admin,
        )
    )
    history = client.get(f"/api/v1/units/{unit}/occupancy", params={"after": at}, headers=admin)
    current = {r["person_id"] for r in items(history) if r["current"]}
    ended = {r["person_id"] for r in items(history) if r["ended_by"] == "transferred"}
    assert current == {buyer, second_buyer}
    assert ended == {seller, spouse}


def test_wrong_occupancy_commands_are_refused_and_append_nothing(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    _estate, unit, seller, buyer, building = _setup(client, admin)
    other_estate, _ = new_estate(client, admin, code="MOON", name="Moonlight")
    stranger, _ = new_person(client, admin, other_estate, name="Zhao Yun")
    accepted(
        client.post(
            f"/api/v1/units/{unit}/move-in",
            json={"person_id": seller, "relation": "owner", "on": "2019-03-01"},
            headers=admin,
        )
    )
    head = running.event_log.head()
    refused = [
        # no move-out for someone not in the unit
        ("move-out", {"person_id": buyer, "on": "2020-01-01"}, 409),
        # an owner's record ends only by a transfer
        ("move-out", {"person_id": seller, "on": "2020-01-01"}, 409),
        # a second owner only by transfer or as co-owner
        ("move-in", {"person_id": buyer, "relation": "owner", "on": "2020-01-01"}, 409),
        # already in
        ("move-in", {"person_id": seller, "relation": "resident", "on": "2020-01-01"}, 409),
        # a co-owner cannot start before the owners
        (
            "move-in",
            {"person_id": buyer, "relation": "owner", "on": "2018-01-01", "co_owner": True},
            422,
        ),
        # a person of another estate
        ("move-in", {"person_id": stranger, "relation": "tenant", "on": "2020-01-01"}, 422),
        ("move-in", {"person_id": buyer, "relation": "landlord", "on": "2020-01-01"}, 422),
        # a transfer dated before the owner's record began
        ("ownership-transfers", {"new_owner_ids": [buyer], "on": "2018-12-31"}, 422),
        # to the current owner
        ("ownership-transfers", {"new_owner_ids": [seller], "on": "2020-01-01"}, 409),
        ("ownership-transfers", {"new_owner_ids": [buyer, buyer], "on": "2020-01-01"}, 422),
    ]
    for command, body, status in refused:
        response = client.post(f"/api/v1/units/{unit}/{command}", json=body, headers=admin)
        assert_problem(response, status)
    assert running.event_log.head() == head
    # a transfer from a unit nobody owns
    empty, _ = new_unit(client, admin, building, number="102")
    head = running.event_log.head()
    response = client.post(
        f"/api/v1/units/{empty}/ownership-transfers",
        json={"new_owner_ids": [buyer], "on": "2020-01-01"},
        headers=admin,
    )
    assert_problem(response, 409)
    assert running.event_log.head() == head


def test_a_tenant_moving_out_before_moving_in_is_refused(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, unit, _, _, _ = _setup(client, admin)
    tenant, _ = new_person(client, admin, estate, name="Chen Jie")
    accepted(
        client.post(
            f"/api/v1/units/{unit}/move-in",
            json={"person_id": tenant, "relation": "tenant", "on": "2021-01-01"},
            headers=admin,
        )
    )
    head = running.event_log.head()
    response = client.post(
        f"/api/v1/units/{unit}/move-out",
        json={"person_id": tenant, "on": "2020-12-31"},
        headers=admin,
    )
    assert_problem(response, 422)
    assert running.event_log.head() == head
