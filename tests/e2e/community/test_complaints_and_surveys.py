"""Complaints through the HTTP API, and surveys after closed complaints and work orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.workorders.order import WorkOrder
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.approvals.people import ESTATE_A, Person, ok
from tests.support.clock import Clock
from tests.support.pages import items


def complain(client: TestClient, who: Person) -> dict[str, Any]:
    body = {
        "estate_id": str(ESTATE_A),
        "unit_id": str(who.unit),
        "subject": "noise at night",
        "description": "the pump room hums all night",
    }
    return ok(client.post("/api/v1/complaints", json=body, headers=who.headers), 201)


def step(client: TestClient, who: Person, cid: str, name: str, **body: Any) -> Any:
    return client.post(f"/api/v1/complaints/{cid}/{name}", json=body or None, headers=who.headers)


def seen(client: TestClient, who: Person, cid: str, after: int) -> Any:
    r = client.get(f"/api/v1/complaints/{cid}", params={"after": after}, headers=who.headers)
    return ok(r)


def test_a_complaint_is_handled_reopened_by_the_complainant_then_confirmed_and_surveyed(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    zhang, front, dept = people["zhang"], people["front"], people["dept"]
    cid = complain(client, zhang)["id"]
    ok(step(client, front, cid, "assign", handler_id=front.id))
    ok(step(client, front, cid, "respond", response="we will check the pump mounts"))
    p = ok(step(client, front, cid, "resolve", resolution="new dampers fitted"))["position"]
    assert seen(client, zhang, cid, p)["status"] == "resolved"

    p = ok(step(client, zhang, cid, "reopen", reason="still humming"))["position"]
    view = seen(client, zhang, cid, p)
    assert (view["status"], view["handler_id"], view["note"]) == ("reopened", None, "still humming")
    ok(step(client, front, cid, "escalate", reason="needs the department"))
    ok(step(client, dept, cid, "assign", handler_id=dept.id))
    ok(step(client, dept, cid, "respond", response="the pump is replaced on Monday"))
    ok(step(client, dept, cid, "resolve", resolution="pump replaced"))

    before = running.event_log.head()
    assert_problem(step(client, front, cid, "confirm"), 404)  # only the complainant
    r = client.post(f"/api/v1/complaints/{cid}/confirm", headers=admin)
    assert_problem(r, 403)
    assert_problem(step(client, people["wang"], cid, "confirm"), 404)
    assert running.event_log.head() == before

    p = ok(step(client, zhang, cid, "confirm"))["position"]
    view = seen(client, zhang, cid, p)
    assert (view["status"], view["escalation_level"], view["resolution"]) == (
        "closed",
        1,
        "pump replaced",
    )
    pending = ok(client.get("/api/v1/surveys", params={"status": "pending"}, headers=zhang.headers))
    assert [(s["subject_kind"], s["subject_id"]) for s in pending] == [("complaint", cid)]
    answer = {"subject_kind": "complaint", "subject_id": cid, "scores": {"overall": 3}}
    ok(client.post("/api/v1/surveys", json=answer, headers=zhang.headers), 201)


def test_wrong_complaint_steps_are_conflicts_and_append_nothing(
    client: TestClient, running: Container, people: dict[str, Person]
) -> None:
    zhang, front = people["zhang"], people["front"]
    cid = complain(client, zhang)["id"]
    before = running.event_log.head()
    assert_problem(step(client, front, cid, "respond", response="x"), 409)
    assert_problem(step(client, front, cid, "resolve", resolution="x"), 409)
    assert_problem(step(client, front, cid, "close"), 409)
    assert_problem(step(client, zhang, cid, "confirm"), 409)
    assert_problem(step(client, zhang, cid, "reopen", reason="x"), 409)
    assert_problem(step(client, front, cid, "escalate", reason="x"), 409)
    assert running.event_log.head() == before


def test_complaints_are_seen_by_their_complainant_and_their_estate_only(
    client: TestClient, running: Container, people: dict[str, Person]
) -> None:
    mine = complain(client, people["zhang"])
    after = mine["position"]
    assert_problem(
        client.get(
            f"/api/v1/complaints/{mine['id']}",
            params={"after": after},
            headers=people["wang"].headers,
        ),
        404,
    )
    assert ok(client.get("/api/v1/complaints", headers=people["wang"].headers)) == []
    assert ok(client.get("/api/v1/complaints", headers=people["dept_b"].headers)) == []
    listed = ok(client.get("/api/v1/complaints", headers=people["front"].headers))
    assert [c["id"] for c in listed] == [mine["id"]]
    before = running.event_log.head()
    r = step(client, people["dept_b"], mine["id"], "assign", handler_id=people["dept_b"].id)
    assert_problem(r, 404)
    assert running.event_log.head() == before


def test_a_closed_work_order_offers_its_requester_a_survey(
    client: TestClient, running: Container, people: dict[str, Person]
) -> None:
    zhang = people["zhang"]
    now = running.clock()
    order = WorkOrder.submit(
        id=uuid4(),
        estate_id=ESTATE_A,
        title="leaking tap",
        description="kitchen tap drips",
        source="resident",
        source_ref=None,
        requested_by=UUID(zhang.id),
        at=now,
        unit_id=zhang.unit,
    )
    order.triage("plumbing", "normal", now + timedelta(hours=4), now + timedelta(days=1), now)
    order.assign(UUID(people["front"].id), now)
    order.accept(now)
    order.start(now)
    order.complete("new washer", [], Decimal("0.5"), Decimal("20.00"), "CNY", now)
    position = running.event_log.save_and_position(order)
    answer = {"subject_kind": "work_order", "subject_id": str(order.id), "scores": {"overall": 5}}
    assert_problem(client.post("/api/v1/surveys", json=answer, headers=zhang.headers), 409)
    pending = ok(client.get("/api/v1/surveys", params={"after": position}, headers=zhang.headers))
    assert pending == []

    order.close(now)
    position = running.event_log.save_and_position(order)
    pending = ok(client.get("/api/v1/surveys", params={"after": position}, headers=zhang.headers))
    assert [(s["subject_kind"], s["status"]) for s in pending] == [("work_order", "pending")]
    assert_problem(client.post("/api/v1/surveys", json=answer, headers=people["wang"].headers), 404)
    answered = ok(client.post("/api/v1/surveys", json=answer, headers=zhang.headers), 201)
    mine = ok(
        client.get("/api/v1/surveys", params={"after": answered["position"]}, headers=zhang.headers)
    )
    assert (mine[0]["status"], mine[0]["overall"]) == ("answered", 5)


def test_survey_scores_are_whole_numbers_from_one_to_five(
    client: TestClient, running: Container, people: dict[str, Person]
) -> None:
    cid = complain(client, people["zhang"])["id"]
    before = running.event_log.head()
    for scores in ({"overall": 0}, {"overall": 6}, {"timeliness": 4}, {"overall": 4, "mood": 2}):
        body = {"subject_kind": "complaint", "subject_id": cid, "scores": scores}
        r = client.post("/api/v1/surveys", json=body, headers=people["zhang"].headers)
        assert_problem(r, 422)
    assert running.event_log.head() == before


def test_every_page_of_complaints_shows_each_once_also_when_received_at_one_instant(
    client: TestClient, running: Container, people: dict[str, Person], clock: Clock
) -> None:
    clock.set(2026, 3, 1, 9)
    filed = [complain(client, people["zhang"]) for _ in range(3)]
    params: dict[str, Any] = {"limit": 1, "after": max(c["position"] for c in filed)}
    pages = [client.get("/api/v1/complaints", params=params, headers=people["front"].headers)]
    while (cursor := pages[-1].json()["next_cursor"]) is not None:
        params["cursor"] = cursor
        pages.append(
            client.get("/api/v1/complaints", params=params, headers=people["front"].headers)
        )
    seen = [c["id"] for page in pages for c in items(page)]
    # a page a complaint, and the last one says so (no empty page to ask for)
    assert len(pages) == 3 and sorted(seen) == sorted(c["id"] for c in filed)
    # the complainant's own, a page of two of their three
    own = client.get("/api/v1/complaints", params={"limit": 2}, headers=people["zhang"].headers)
    assert len(ok(own)) == 2
