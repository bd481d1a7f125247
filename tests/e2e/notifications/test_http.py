"""The notification routes: my inbox, preferences, history, reminders, to-do list;
staff messages; everyone sees only their own (404 for another's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.workorders.order import WorkOrder
from tests.conftest import given_estate
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.notifications.support import drain, make_resident, wait_for_deliveries, working
from tests.support.pages import items

ESTATE = "00000000-0000-4000-8000-00000000e301"
OTHER = "00000000-0000-4000-8000-00000000e302"


def _container(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def _serve(client: TestClient, admin: dict[str, str], user_id: str, estate: str) -> None:
    given_estate(_container(client), estate)
    r = client.post(f"/api/v1/users/{user_id}/estates", json={"estate_id": estate}, headers=admin)
    assert r.status_code == 200, r.text


def _people(client: TestClient, admin: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    c = _container(client)
    pm_id, pm, _ = make_user(client, admin, "pm.zhou", ["property_manager"])
    _serve(client, admin, pm_id, ESTATE)
    li_id, li, _ = make_user(client, admin, "owner.li", ["owner"])
    far_id, far, _ = make_user(client, admin, "owner.far", ["owner"])
    make_resident(c, UUID(li_id), UUID(ESTATE))
    make_resident(c, UUID(far_id), UUID(OTHER))
    return {"pm": (pm_id, pm), "li": (li_id, li), "far": (far_id, far)}


def test_staff_message_reaches_the_residents_inbox_and_only_theirs(
    client: TestClient, admin: dict[str, str]
) -> None:
    c = _container(client)
    people = _people(client, admin)
    (li_id, li), (far_id, far), (_, pm) = people["li"], people["far"], people["pm"]

    head = c.event_log.head()
    assert_problem(
        client.post(
            "/api/v1/notifications/messages",
            json={"recipient_id": far_id, "subject": "Hi", "body": "x"},
            headers=pm,
        ),
        404,
    )  # a resident of an estate the manager does not serve
    assert_problem(
        client.post(
            "/api/v1/notifications/messages",
            json={"estate_id": OTHER, "subject": "Hi", "body": "x"},
            headers=pm,
        ),
        404,
    )
    assert_problem(
        client.post(
            "/api/v1/notifications/messages",
            json={"estate_id": ESTATE, "subject": "Hi", "body": "x"},
            headers=li,
        ),
        403,
    )
    assert c.event_log.head() == head  # refused commands append nothing

    sent = client.post(
        "/api/v1/notifications/messages",
        json={
            "estate_id": ESTATE,
            "subject": "Water off",
            "body": "Friday 9-12",
            "priority": "high",
        },
        headers=pm,
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == 1
    position = sent.json()["position"]
    with working(c):
        wait_for_deliveries(c, 1)
        drain(c)

    inbox = items(client.get("/api/v1/notifications/inbox", headers=li))
    assert [(i["id"], i["title"], i["priority"], i["read"]) for i in inbox] == [
        (position, "Water off", "high", False)
    ]
    assert inbox[0]["estate_id"] == ESTATE
    assert items(client.get("/api/v1/notifications/inbox", headers=far)) == []
    assert items(client.get("/api/v1/notifications/deliveries", headers=far)) == []

    head = c.event_log.head()
    assert_problem(
        client.post(
            "/api/v1/notifications/inbox/read", json={"positions": [position]}, headers=far
        ),
        404,
    )
    assert c.event_log.head() == head
    read = client.post(
        "/api/v1/notifications/inbox/read", json={"positions": [position]}, headers=li
    )
    assert read.status_code == 200, read.text
    after = read.json()["position"]
    inbox = items(client.get(f"/api/v1/notifications/inbox?after={after}", headers=li))
    assert inbox[0]["read"] is True
    unread = items(
        client.get(f"/api/v1/notifications/inbox?after={after}&unread_only=true", headers=li)
    )
    assert unread == []
    head = c.event_log.head()
    again = client.post(
        "/api/v1/notifications/inbox/read", json={"positions": [position]}, headers=li
    )
    assert again.status_code == 200, again.text
    assert again.json()["position"] == head  # read already: nothing recorded
    assert c.event_log.head() == head

    mine = items(client.get("/api/v1/notifications/deliveries", headers=li))
    assert [(d["channel"], d["status"], d["recipient_id"]) for d in mine] == [
        ("in_app", "sent", li_id)
    ]
    everyone = items(
        client.get(f"/api/v1/notifications/deliveries/all?recipient_id={li_id}", headers=admin)
    )
    assert [d["position"] for d in everyone] == [position]
    assert_problem(client.get("/api/v1/notifications/deliveries/all", headers=li), 403)


def test_preferences_are_mine_to_read_and_set_with_addresses_masked(
    client: TestClient, admin: dict[str, str]
) -> None:
    _, li, _ = make_user(client, admin, "owner.li", ["owner"])
    _, far, _ = make_user(client, admin, "owner.far", ["owner"])
    assert client.get("/api/v1/notifications/preferences", headers=li).json()["channels"] == [
        "in_app"
    ]
    r = client.put(
        "/api/v1/notifications/preferences",
        json={"channels": ["email", "sms"], "email": "li.na@example.com", "phone": "13812345678"},
        headers=li,
    )
    assert r.status_code == 200, r.text
    got = client.get(
        f"/api/v1/notifications/preferences?after={r.json()['position']}", headers=li
    ).json()
    assert (got["channels"], got["email"], got["phone"]) == (
        ["in_app", "email", "sms"],
        "l****@example.com",
        "138****5678",
    )
    assert client.get("/api/v1/notifications/preferences", headers=far).json()["email"] is None
    assert_problem(
        client.put("/api/v1/notifications/preferences", json={"channels": ["fax"]}, headers=li),
        422,
    )


def test_reminders_are_mine_and_another_user_cannot_cancel_them(
    client: TestClient, admin: dict[str, str]
) -> None:
    c = _container(client)
    _, li, _ = make_user(client, admin, "owner.li", ["owner"])
    _, far, _ = make_user(client, admin, "owner.far", ["owner"])
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.post(
        "/api/v1/notifications/reminders",
        json={"message": "Pay the parking fee", "due_at": due},
        headers=li,
    )
    assert r.status_code == 201, r.text
    reminder_id, position = r.json()["id"], r.json()["position"]
    mine = items(client.get(f"/api/v1/notifications/reminders?after={position}", headers=li))
    assert [(m["message"], m["status"]) for m in mine] == [("Pay the parking fee", "scheduled")]
    assert items(client.get(f"/api/v1/notifications/reminders?after={position}", headers=far)) == []

    head = c.event_log.head()
    assert_problem(
        client.post(f"/api/v1/notifications/reminders/{reminder_id}/cancel", headers=far), 404
    )
    assert c.event_log.head() == head
    assert_problem(
        client.post(
            "/api/v1/notifications/reminders",
            json={"message": "x", "due_at": due, "user_id": str(UUID(int=5))},
            headers=li,
        ),
        404,
    )
    cancelled = client.post(f"/api/v1/notifications/reminders/{reminder_id}/cancel", headers=li)
    assert cancelled.status_code == 200, cancelled.text


def test_my_tasks_lists_the_orders_assigned_to_me_and_nobody_elses(
    client: TestClient, admin: dict[str, str]
) -> None:
    c = _container(client)
    tech_id, tech, _ = make_user(client, admin, "tech.wu", ["technician"])
    _, li, _ = make_user(client, admin, "owner.li", ["owner"])
    now = datetime.now(UTC)
    order = WorkOrder.submit(
        id=uuid4(),
        estate_id=UUID(ESTATE),
        title="Leak in 3-201",
        description="-",
        source="staff",
        source_ref=None,
        requested_by=None,
        at=now,
    )
    order.triage("plumbing", "high", now + timedelta(hours=1), now + timedelta(hours=8), now)
    order.assign(UUID(tech_id), now)
    position = c.event_log.save_and_position(order)
    mine: list[dict[str, Any]] = items(
        client.get(f"/api/v1/tasks/mine?after={position}", headers=tech)
    )
    assert [(t["kind"], t["title"], t["priority"], t["status"]) for t in mine] == [
        ("workorder", "Leak in 3-201", "high", "assigned")
    ]
    assert mine[0]["due_at"] is not None
    assert items(client.get(f"/api/v1/tasks/mine?after={position}", headers=li)) == []


def test_staff_message_one_resident_of_an_estate_they_serve(
    client: TestClient, admin: dict[str, str]
) -> None:
    people = _people(client, admin)
    (li_id, _), (_, pm) = people["li"], people["pm"]
    sent = client.post(
        "/api/v1/notifications/messages",
        json={"recipient_id": li_id, "subject": "Parcel", "body": "At the front desk"},
        headers=pm,
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == 1
    assert_problem(
        client.post(
            "/api/v1/notifications/messages",
            json={"recipient_id": li_id, "estate_id": ESTATE, "subject": "x", "body": "y"},
            headers=pm,
        ),
        422,
    )
