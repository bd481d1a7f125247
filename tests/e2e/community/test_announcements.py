"""Announcements through the HTTP API: drafted by staff of an estate, approved
through the workflow, published to that estate's board, withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.approvals.people import ESTATE_A, Person, ok


@pytest.fixture
def manager_only(client: TestClient, admin: dict[str, str]) -> int:
    """Announcements need one level: the manager (an administrator)."""
    policy = {"levels": [{"name": "manager", "role": "admin"}], "rules": []}
    r = client.put("/api/v1/approval-policies/announcement", json=policy, headers=admin)
    return int(ok(r)["position"])


def draft(client: TestClient, who: Person, estate: Any = ESTATE_A, title: str = "Water off") -> Any:
    body = {"estate_id": str(estate), "title": title, "body": "Tuesday 9:00-12:00, building 3."}
    return client.post("/api/v1/announcements", json=body, headers=who.headers)


def act(client: TestClient, headers: dict[str, str], aid: str, name: str, **body: Any) -> Any:
    return client.post(f"/api/v1/announcements/{aid}/{name}", json=body or None, headers=headers)


def approval_of(client: TestClient, headers: dict[str, str], aid: str, after: int) -> str:
    listed = ok(client.get("/api/v1/announcements", params={"after": after}, headers=headers))
    return str(next(a for a in listed if a["id"] == aid)["approval_id"])


def board(client: TestClient, who: Person, after: int) -> list[str]:
    r = client.get("/api/v1/announcement-board", params={"after": after}, headers=who.headers)
    return [a["title"] for a in ok(r)]


def test_an_approved_announcement_is_published_to_its_estates_residents_only(
    client: TestClient,
    admin: dict[str, str],
    running: Container,
    people: dict[str, Person],
    manager_only: int,
) -> None:
    dept = people["dept"]
    aid = ok(draft(client, dept), 201)["id"]
    submitted = ok(act(client, dept.headers, aid, "submit"))
    approval_id = approval_of(client, dept.headers, aid, submitted["position"])

    before = running.event_log.head()
    assert_problem(act(client, dept.headers, aid, "publish"), 409)  # not approved yet
    assert_problem(
        client.post(f"/api/v1/approvals/{approval_id}/approve", headers=dept.headers), 403
    )
    assert running.event_log.head() == before

    approved = ok(client.post(f"/api/v1/approvals/{approval_id}/approve", headers=admin))
    assert board(client, people["zhang"], approved["position"]) == []
    published = ok(act(client, dept.headers, aid, "publish"))
    after = published["position"]
    assert board(client, people["zhang"], after) == ["Water off"]
    assert board(client, people["wang"], after) == ["Water off"]
    assert board(client, people["li"], after) == []  # lives in estate B
    assert board(client, people["dept_b"], after) == []
    assert board(client, people["front"], after) == ["Water off"]

    withdrawn = ok(act(client, dept.headers, aid, "withdraw", reason="the work is postponed"))
    assert board(client, people["zhang"], withdrawn["position"]) == []


def test_a_returned_announcement_is_revised_and_resubmitted_and_a_rejected_one_stays_unpublished(
    client: TestClient,
    admin: dict[str, str],
    running: Container,
    people: dict[str, Person],
    manager_only: int,
) -> None:
    dept = people["dept"]
    aid = ok(draft(client, dept), 201)["id"]
    approval_id = approval_of(
        client, dept.headers, aid, ok(act(client, dept.headers, aid, "submit"))["position"]
    )
    ok(
        client.post(
            f"/api/v1/approvals/{approval_id}/return",
            json={"reason": "add the time"},
            headers=admin,
        )
    )
    revised = ok(
        act(client, dept.headers, aid, "revise", title="Water off on Tuesday", body="9:00-12:00")
    )
    approval = ok(
        client.get(
            f"/api/v1/approvals/{approval_id}", params={"after": revised["position"]}, headers=admin
        )
    )
    assert (approval["status"], approval["summary"]) == ("pending", "Water off on Tuesday")
    rejected = ok(
        client.post(f"/api/v1/approvals/{approval_id}/reject", json={"reason": "no"}, headers=admin)
    )
    listed = ok(
        client.get(
            "/api/v1/announcements", params={"after": rejected["position"]}, headers=dept.headers
        )
    )
    assert [(a["title"], a["status"]) for a in listed] == [("Water off on Tuesday", "rejected")]
    before = running.event_log.head()
    assert_problem(act(client, dept.headers, aid, "publish"), 409)
    assert_problem(act(client, dept.headers, aid, "submit"), 409)
    assert running.event_log.head() == before


def test_staff_draft_only_for_the_estates_they_serve(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    before = running.event_log.head()
    assert_problem(draft(client, people["dept_b"], ESTATE_A), 404)
    assert_problem(draft(client, people["front"], ESTATE_A), 403)  # front desk does not publish
    assert_problem(draft(client, people["zhang"], ESTATE_A), 403)
    assert running.event_log.head() == before
    aid = ok(draft(client, people["dept"]), 201)["id"]
    before = running.event_log.head()
    assert_problem(act(client, people["dept_b"].headers, aid, "submit"), 404)
    assert running.event_log.head() == before
    listed = ok(client.get("/api/v1/announcements", headers=people["dept_b"].headers))
    assert listed == []
