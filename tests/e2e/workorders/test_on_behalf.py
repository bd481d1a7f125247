"""A repair customer service logs for a resident who phoned is the resident's order.

On the finance world's real registry: the resident of unit 101 sees it in
their list, follows it and rates it; the order records how it came (phone,
visit, app) and the clerk who took it; a resident of another unit, a unit of
an estate the clerk does not serve and staff without the permission are refused.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.api.test_read_your_writes import projector_held
from tests.e2e.finance.conftest import Actor, FinanceWorld, _assign, fw

__all__ = ["fw"]  # the finance world's fixture, used here


def staff(fw: FinanceWorld, username: str, role: str, estate_id: str) -> Actor:
    user_id, headers, _ = make_user(fw.client, fw.admin.headers, username, [role])
    _assign(fw.client, fw.admin.headers, user_id, estate_id)
    return Actor(user_id, headers)


def on_behalf(fw: FinanceWorld, clerk: Actor, **changes: Any) -> Any:
    body = {
        "resident_id": fw.owners[0].id,
        "unit_id": fw.units[0],
        "channel": "phone",
        "title": "Leaking tap",
        "description": "Kitchen tap drips all night; home after 18:00",
        **changes,
    }
    return fw.client.post("/api/v1/workorders/on-behalf", json=body, headers=clerk.headers)


def test_a_phoned_repair_is_the_residents_to_see_follow_and_rate(fw: FinanceWorld) -> None:
    clerk = staff(fw, "cs.wang", "customer_service", fw.estate_id)
    technician = staff(fw, "tech.li", "technician", fw.estate_id)
    logged = on_behalf(fw, clerk)
    assert logged.status_code == 201, logged.text
    order_id, position = logged.json()["id"], logged.json()["position"]

    # The clerk reads it at once (their own write); so does the resident, after it.
    as_clerk = fw.get(f"/workorders/{order_id}", clerk).json()
    resident = fw.owners[0]
    (listed,) = fw.get("/workorders", resident, after=position).json()
    for view in (as_clerk, listed):
        assert view["id"] == order_id
        assert view["requested_by"] == resident.id
        assert view["source"] == "resident"
        assert view["channel"] == "phone"
        assert view["taken_by"] == clerk.id
        assert view["unit_id"] == fw.units[0]
    history = fw.get(f"/workorders/{order_id}/history", resident).json()
    assert [e["event"] for e in history] == ["Submitted", "LoggedOnBehalf"]
    assert history[1]["actor_id"] == clerk.id
    assert history[1]["payload"]["channel"] == "phone"

    # Followed to the end, and rated by the resident.
    steps: list[tuple[Actor, str, dict[str, Any]]] = [
        (fw.manager, "triage", {"category": "plumbing", "priority": "normal"}),
        (fw.manager, "assign", {"technician_id": technician.id}),
        (technician, "accept", {}),
        (technician, "start", {}),
        (technician, "complete", {"work_done": "New washer", "labour_hours": "0.5"}),
        (resident, "rate", {"rating": 5, "comment": "quick, thank you"}),
    ]
    for who, step, body in steps:
        fw.post(f"/workorders/{order_id}/{step}", who, body, status=200)
    rated = fw.get(f"/workorders/{order_id}", resident).json()  # the resident's own write
    assert (rated["status"], rated["rating"]) == ("rated", 5)
    assert rated["channel"] == "phone" and rated["taken_by"] == clerk.id


def test_a_visit_is_recorded_as_such_and_a_residents_own_order_came_through_the_app(
    fw: FinanceWorld,
) -> None:
    manager_logged = on_behalf(fw, fw.manager, channel="visit")  # managers may too
    assert manager_logged.status_code == 201, manager_logged.text
    own = fw.post(
        "/workorders",
        fw.owners[1],
        {"title": "Door", "description": "sticks", "unit_id": fw.units[1]},
        status=201,
    ).json()
    by_visit = fw.get(f"/workorders/{manager_logged.json()['id']}", fw.manager).json()
    assert (by_visit["channel"], by_visit["taken_by"]) == ("visit", fw.manager.id)
    mine = fw.get(f"/workorders/{own['id']}", fw.owners[1]).json()
    assert (mine["channel"], mine["taken_by"], mine["source"]) == ("app", None, "resident")
    staff_order = fw.post(
        "/workorders",
        fw.manager,
        {"title": "Lift", "description": "stuck", "estate_id": fw.estate_id},
        status=201,
    ).json()
    assert fw.get(f"/workorders/{staff_order['id']}", fw.manager).json()["channel"] is None


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("not the resident of that unit", 404),
        ("a clerk of another estate", 404),
        ("a technician of the estate", 403),
        ("the resident themselves", 403),
        ("a channel there is not", 422),
        ("no resident named", 422),
    ],
)
def test_logging_for_someone_outside_the_clerks_reach_is_refused_and_appends_nothing(
    fw: FinanceWorld, case: str, status: int
) -> None:
    clerk = staff(fw, "cs.wang", "customer_service", fw.estate_id)
    callers = {
        "a clerk of another estate": staff(fw, "cs.other", "customer_service", fw.other_estate_id),
        "a technician of the estate": staff(fw, "tech.li", "technician", fw.estate_id),
        "the resident themselves": fw.owners[0],
    }
    changes: dict[str, dict[str, Any]] = {
        "not the resident of that unit": {"resident_id": fw.owners[1].id},
        "a channel there is not": {"channel": "fax"},
        "no resident named": {"resident_id": None},
    }
    head = fw.container.event_log.head()
    response = on_behalf(fw, callers.get(case, clerk), **changes.get(case, {}))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fw.container.event_log.head() == head


def test_a_clerk_logs_a_repair_for_the_resident_they_have_just_moved_in(
    fw: FinanceWorld,
) -> None:
    # The registry's projector is held: the move-in is in the log, not yet in the
    # read model the order's checks read. The manager's order waits for their
    # own write (decision 0045) instead of being told the resident lives elsewhere.
    with projector_held(fw, "registry") as release:
        fw.post(
            f"/units/{fw.units[1]}/move-in",
            fw.manager,
            {"person_id": fw.people[0], "relation": "resident", "on": "2026-01-01"},
            status=200,
        )
        timer = threading.Timer(0.5, release.set)
        timer.start()
        logged = on_behalf(fw, fw.manager, unit_id=fw.units[1])
        timer.join()
    assert logged.status_code == 201, logged.text
    order = fw.get(f"/workorders/{logged.json()['id']}", fw.manager).json()
    assert (order["unit_id"], order["requested_by"]) == (fw.units[1], fw.owners[0].id)
