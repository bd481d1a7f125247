"""Service requests through the HTTP API: submitted by a resident for their unit,
accepted by staff, approved level by level, scheduled, done, closed, surveyed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.approvals.people import ESTATE_A, ESTATE_B, Person, ok


def submit(client: TestClient, who: Person, **fields: Any) -> dict[str, Any]:
    body = {
        "estate_id": str(ESTATE_A),
        "unit_id": str(who.unit),
        "category": "cleaning",
        "description": "the stairwell of building 3 needs cleaning",
        **fields,
    }
    return ok(client.post("/api/v1/service-requests", json=body, headers=who.headers), 201)


def get(client: TestClient, who: Person | dict[str, str], request_id: str, after: int) -> Any:
    headers = who.headers if isinstance(who, Person) else who
    return client.get(
        f"/api/v1/service-requests/{request_id}", params={"after": after}, headers=headers
    )


def step(client: TestClient, who: Person | dict[str, str], path: str, **body: Any) -> Any:
    headers = who.headers if isinstance(who, Person) else who
    return client.post(f"/api/v1/{path}", json=body or None, headers=headers)


def approve_all(
    client: TestClient, admin: dict[str, str], people: dict[str, Person], approval_id: str
) -> int:
    ok(step(client, people["front2"], f"approvals/{approval_id}/approve"))
    ok(step(client, people["dept"], f"approvals/{approval_id}/approve"))
    return int(ok(step(client, admin, f"approvals/{approval_id}/approve"))["position"])


def test_a_resident_request_is_accepted_approved_scheduled_done_closed_and_surveyed(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    created = submit(client, people["zhang"])
    rid = created["id"]
    seen = ok(get(client, people["zhang"], rid, created["position"]))
    assert (seen["status"], seen["requested_by"]) == ("submitted", people["zhang"].id)

    accepted = ok(step(client, people["front"], f"service-requests/{rid}/accept"))
    seen = ok(get(client, people["front"], rid, accepted["position"]))
    assert seen["status"] == "awaiting_approval" and seen["approval_id"]
    approval = ok(
        client.get(
            f"/api/v1/approvals/{seen['approval_id']}",
            params={"after": accepted["position"]},
            headers=people["zhang"].headers,
        )
    )
    assert (approval["kind"], approval["subject_type"], approval["decider_role"]) == (
        "service_request",
        "cleaning",
        "customer_service",
    )

    final = approve_all(client, admin, people, seen["approval_id"])
    assert ok(get(client, people["zhang"], rid, final))["status"] == "approved"

    ok(
        step(
            client,
            people["front"],
            f"service-requests/{rid}/schedule",
            scheduled_for="2026-06-01T09:00:00+08:00",
            assignee_id=people["front2"].id,
        )
    )
    ok(step(client, people["front"], f"service-requests/{rid}/done", note="swept and mopped"))
    closed = ok(step(client, people["front"], f"service-requests/{rid}/close"))
    assert ok(get(client, people["zhang"], rid, closed["position"]))["status"] == "closed"

    pending = ok(
        client.get(
            "/api/v1/surveys",
            params={"status": "pending", "after": closed["position"]},
            headers=people["zhang"].headers,
        )
    )
    assert [(s["subject_kind"], s["subject_id"]) for s in pending] == [("service_request", rid)]
    answer = {
        "subject_kind": "service_request",
        "subject_id": rid,
        "scores": {"overall": 4, "timeliness": 5},
        "comment": "quick",
    }
    answered = ok(client.post("/api/v1/surveys", json=answer, headers=people["zhang"].headers), 201)
    assert answered["id"] == pending[0]["id"]

    before = running.event_log.head()
    again = client.post("/api/v1/surveys", json=answer, headers=people["zhang"].headers)
    assert_problem(again, 409)
    other = client.post("/api/v1/surveys", json=answer, headers=people["wang"].headers)
    assert_problem(other, 404)
    assert running.event_log.head() == before

    results = ok(
        client.get(
            "/api/v1/survey-results",
            params={"after": answered["position"]},
            headers=people["dept"].headers,
        )
    )
    assert results == [
        {
            "estate_id": str(ESTATE_A),
            "subject_kind": "service_request",
            "offered": 1,
            "answered": 1,
            "mean_overall": "4.00",
        }
    ]
    mine = ok(client.get("/api/v1/surveys", headers=people["zhang"].headers))
    assert mine[0]["status"] == "answered" and mine[0]["scores"] == {"overall": 4, "timeliness": 5}


def test_wrong_transitions_are_conflicts_and_append_nothing(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    rid = submit(client, people["zhang"])["id"]
    before = running.event_log.head()
    assert_problem(
        step(
            client,
            people["front"],
            f"service-requests/{rid}/schedule",
            scheduled_for="2026-06-01T09:00:00Z",
        ),
        409,
    )
    assert_problem(step(client, people["front"], f"service-requests/{rid}/done"), 409)
    assert_problem(step(client, people["front"], f"service-requests/{rid}/close"), 409)
    assert_problem(
        step(client, people["zhang"], f"service-requests/{rid}/resubmit", description="more"), 409
    )
    survey = {"subject_kind": "service_request", "subject_id": rid, "scores": {"overall": 5}}
    assert_problem(
        client.post("/api/v1/surveys", json=survey, headers=people["zhang"].headers), 409
    )
    assert running.event_log.head() == before

    ok(step(client, people["front"], f"service-requests/{rid}/accept"))
    before = running.event_log.head()
    assert_problem(step(client, people["front"], f"service-requests/{rid}/accept"), 409)
    assert_problem(
        step(client, people["front"], f"service-requests/{rid}/decline", reason="x"), 409
    )
    assert running.event_log.head() == before


def test_a_resident_asks_only_for_their_own_unit(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    before = running.event_log.head()
    wang_unit = people["wang"].unit
    r = client.post(
        "/api/v1/service-requests",
        headers=people["zhang"].headers,
        json={
            "estate_id": str(ESTATE_A),
            "unit_id": str(wang_unit),
            "category": "greening",
            "description": "trim the hedge",
        },
    )
    assert_problem(r, 404)
    r = client.post(
        "/api/v1/service-requests",
        headers=people["zhang"].headers,
        json={"estate_id": str(ESTATE_B), "category": "greening", "description": "trim the hedge"},
    )
    assert_problem(r, 404)
    r = client.post(
        "/api/v1/service-requests",
        headers=people["dept_b"].headers,
        json={"estate_id": str(ESTATE_A), "category": "other", "description": "x"},
    )
    assert_problem(r, 404)
    assert running.event_log.head() == before


def test_residents_see_only_their_own_requests_and_staff_only_their_estates(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    mine = submit(client, people["zhang"])
    theirs = submit(client, people["wang"], category="greening", description="water the lawn")
    staff_made = ok(
        client.post(
            "/api/v1/service-requests",
            headers=people["front"].headers,
            json={"estate_id": str(ESTATE_A), "category": "other", "description": "lobby lights"},
        ),
        201,
    )
    after = staff_made["position"]

    listed = ok(
        client.get(
            "/api/v1/service-requests", params={"after": after}, headers=people["zhang"].headers
        )
    )
    assert [r["id"] for r in listed] == [mine["id"]]
    assert_problem(get(client, people["zhang"], theirs["id"], after), 404)
    assert ok(client.get("/api/v1/service-requests", headers=people["li"].headers)) == []

    assert_problem(get(client, people["dept_b"], mine["id"], after), 404)
    assert ok(client.get("/api/v1/service-requests", headers=people["dept_b"].headers)) == []
    every = ok(client.get("/api/v1/service-requests", headers=people["dept"].headers))
    assert {r["id"] for r in every} == {mine["id"], theirs["id"], staff_made["id"]}

    before = running.event_log.head()
    assert_problem(step(client, people["dept_b"], f"service-requests/{mine['id']}/accept"), 404)
    assert_problem(
        step(client, people["wang"], f"service-requests/{mine['id']}/cancel", reason="not mine"),
        404,
    )
    assert_problem(step(client, people["zhang"], f"service-requests/{mine['id']}/accept"), 403)
    assert running.event_log.head() == before


def test_returned_for_changes_the_resident_revises_and_approval_starts_again(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    rid = submit(client, people["zhang"])["id"]
    accepted = ok(step(client, people["front"], f"service-requests/{rid}/accept"))
    approval_id = ok(get(client, people["zhang"], rid, accepted["position"]))["approval_id"]
    ok(step(client, people["front2"], f"approvals/{approval_id}/approve"))
    ok(step(client, people["dept"], f"approvals/{approval_id}/return", reason="which floor?"))

    before = running.event_log.head()
    assert_problem(
        step(client, people["wang"], f"service-requests/{rid}/resubmit", description="floor 2"), 404
    )
    assert running.event_log.head() == before
    done = ok(
        step(
            client,
            people["zhang"],
            f"service-requests/{rid}/resubmit",
            description="stairwell of building 3, floors 2-5",
        )
    )
    seen = ok(get(client, people["zhang"], rid, done["position"]))
    assert seen["description"] == "stairwell of building 3, floors 2-5"
    assert seen["status"] == "awaiting_approval"
    approval = ok(
        client.get(
            f"/api/v1/approvals/{approval_id}", params={"after": done["position"]}, headers=admin
        )
    )
    assert (approval["status"], approval["current_level"]) == ("pending", 1)
    assert approval["summary"].endswith("floors 2-5")


def test_pre_screening_approves_greening_at_once_and_rejection_reaches_the_request(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    policy = {
        "levels": [
            {"name": "front_desk", "role": "customer_service"},
            {"name": "department", "role": "property_manager"},
        ],
        "rules": [{"then": "approve", "types": ["greening"], "reason": "routine greening"}],
    }
    ok(client.put("/api/v1/approval-policies/service_request", json=policy, headers=admin))
    green = submit(client, people["zhang"], category="greening", description="trim the hedge")
    accepted = ok(step(client, people["front"], f"service-requests/{green['id']}/accept"))
    assert (
        ok(get(client, people["zhang"], green["id"], accepted["position"]))["status"] == "approved"
    )

    clean = submit(client, people["zhang"])
    accepted = ok(step(client, people["front"], f"service-requests/{clean['id']}/accept"))
    approval_id = ok(get(client, people["zhang"], clean["id"], accepted["position"]))["approval_id"]
    rejected = ok(
        step(
            client,
            people["front2"],
            f"approvals/{approval_id}/reject",
            reason="cleaning is in the monthly plan",
        )
    )
    seen = ok(get(client, people["zhang"], clean["id"], rejected["position"]))
    assert (seen["status"], seen["note"]) == ("rejected", "cleaning is in the monthly plan")


def test_cancelling_a_request_awaiting_approval_withdraws_the_approval(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    rid = submit(client, people["zhang"])["id"]
    accepted = ok(step(client, people["front"], f"service-requests/{rid}/accept"))
    approval_id = ok(get(client, people["zhang"], rid, accepted["position"]))["approval_id"]
    cancelled = ok(
        step(client, people["zhang"], f"service-requests/{rid}/cancel", reason="done it myself")
    )
    assert ok(get(client, people["zhang"], rid, cancelled["position"]))["status"] == "cancelled"
    approval = ok(
        client.get(
            f"/api/v1/approvals/{approval_id}",
            params={"after": cancelled["position"]},
            headers=admin,
        )
    )
    assert approval["status"] == "withdrawn"
    before = running.event_log.head()
    assert_problem(step(client, people["front2"], f"approvals/{approval_id}/approve"), 409)
    assert running.event_log.head() == before
