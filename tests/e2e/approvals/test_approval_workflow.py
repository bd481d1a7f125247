"""The approval workflow through the HTTP API (R2.3, R4.1).

Approvals are opened by other contexts through the service; people decide
them over HTTP. A refused decision appends nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event
from fastapi.testclient import TestClient

from application.approvals.service import ApprovalRequest
from bootstrap import Container
from domain.approvals.approval import Approval
from domain.approvals.rules import Urgency
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.approvals.people import ESTATE_A, ESTATE_B, Person, ok, staff


class Refund(Aggregate):
    """A stand-in subject whose state must follow its approval's outcome."""

    @event("Requested")
    def __init__(self) -> None:
        self.outcome: str | None = None

    @event("Decided")
    def decided(self, outcome: str) -> None:
        self.outcome = outcome


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> dict[str, Person]:
    return {
        "front": staff(client, admin, "front.a", ["customer_service"], ESTATE_A),
        "front2": staff(client, admin, "front2.a", ["customer_service"], ESTATE_A),
        "dept": staff(client, admin, "dept.a", ["property_manager"], ESTATE_A),
        "dept_b": staff(client, admin, "dept.b", ["property_manager"], ESTATE_B),
        "finance": staff(client, admin, "finance.a", ["finance"], ESTATE_A),
    }


def open_approval(
    container: Container,
    requested_by: str,
    *,
    kind: str = "sample_refund",
    estate: UUID = ESTATE_A,
    amount: str | None = "500.00",
    urgency: Urgency = Urgency.NORMAL,
    subject_id: UUID | None = None,
    along_with: tuple[Any, ...] = (),
) -> tuple[UUID, int]:
    request = ApprovalRequest(
        kind=kind,
        subject_id=subject_id or uuid4(),
        estate_id=estate,
        requested_by=UUID(requested_by),
        summary="refund of an overpaid fee",
        approval_id=uuid4(),
        amount=Decimal(amount) if amount else None,
        currency="CNY" if amount else None,
        urgency=urgency,
    )
    position = container.approvals.open(request, along_with=along_with)
    return request.approval_id, position


def view(client: TestClient, headers: dict[str, str], approval_id: UUID, after: int) -> Any:
    return ok(
        client.get(f"/api/v1/approvals/{approval_id}", params={"after": after}, headers=headers)
    )


def decide(
    client: TestClient, who: Person | dict[str, str], approval_id: UUID, step: str, **body: Any
) -> Any:
    headers = who.headers if isinstance(who, Person) else who
    return client.post(f"/api/v1/approvals/{approval_id}/{step}", json=body, headers=headers)


def test_every_level_approves_in_order_and_the_subject_follows_in_the_same_save(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    refund = Refund()
    running.approvals.subscribe(
        "sample_refund", lambda approval, load: [_decided(load(approval.subject_id), approval)]
    )
    approval_id, position = open_approval(
        running, people["finance"].id, subject_id=refund.id, along_with=(refund,)
    )
    seen = view(client, admin, approval_id, position)
    assert (seen["status"], seen["current_level"], seen["decider_role"]) == (
        "pending",
        1,
        "customer_service",
    )

    p1 = ok(decide(client, people["front"], approval_id, "approve", comment="checked"))["position"]
    seen = view(client, admin, approval_id, p1)
    assert (seen["current_level"], seen["level_name"], seen["decider_role"]) == (
        2,
        "department",
        "property_manager",
    )
    p2 = ok(decide(client, people["dept"], approval_id, "approve"))["position"]
    assert view(client, admin, approval_id, p2)["decider_role"] == "admin"
    assert running.event_log.repository.get(refund.id).outcome is None

    before = running.event_log.head()
    final = ok(decide(client, admin, approval_id, "approve"))["position"]
    written = running.event_log.read(before, 10)
    assert [n.topic.rsplit(".", 1)[-1] for n in written] == ["Approved", "Decided"]
    assert written[-1].id == final
    assert running.event_log.repository.get(refund.id).outcome == "approved"

    seen = view(client, admin, approval_id, final)
    assert seen["status"] == "approved" and seen["current_level"] is None
    assert [s["step"] for s in seen["steps"]] == [
        "opened",
        "level_approved",
        "level_approved",
        "approved",
    ]


def _decided(refund: Refund, approval: Approval) -> Refund:
    refund.decided(str(approval.status))
    return refund


def test_deciding_a_finished_approval_is_a_conflict_and_appends_nothing(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["finance"].id)
    ok(decide(client, people["front"], approval_id, "reject", reason="no receipt"))
    before = running.event_log.head()
    for step, body in (
        ("approve", {}),
        ("reject", {"reason": "again"}),
        ("return", {"reason": "again"}),
        ("delegate", {"to": people["front2"].id}),
    ):
        assert_problem(decide(client, admin, approval_id, step, **body), 409)
    assert running.event_log.head() == before


def test_a_requester_never_decides_their_own_request(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["front"].id)
    before = running.event_log.head()
    assert_problem(decide(client, people["front"], approval_id, "approve"), 403)
    assert_problem(decide(client, people["front"], approval_id, "reject", reason="x"), 403)
    assert running.event_log.head() == before


def test_a_decider_of_another_estate_sees_no_such_approval(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["finance"].id, estate=ESTATE_A)
    ok(decide(client, people["front"], approval_id, "approve"))
    before = running.event_log.head()
    assert_problem(decide(client, people["dept_b"], approval_id, "approve"), 404)
    assert_problem(decide(client, people["dept_b"], approval_id, "reject", reason="x"), 404)
    assert running.event_log.head() == before
    r = client.get(
        f"/api/v1/approvals/{approval_id}",
        params={"after": before},
        headers=people["dept_b"].headers,
    )
    assert_problem(r, 404)
    listed = client.get(
        "/api/v1/approvals", params={"after": before}, headers=people["dept_b"].headers
    )
    assert ok(listed) == []


def test_the_wrong_role_may_not_decide_a_level(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["finance"].id)
    before = running.event_log.head()
    body = assert_problem(decide(client, people["dept"], approval_id, "approve"), 403)
    assert "customer_service" in body["detail"]
    assert running.event_log.head() == before


def test_a_delegate_decides_the_level_handed_to_them_and_nobody_else_of_the_role_does(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["finance"].id)
    before = running.event_log.head()
    # Not to another estate's staff, not to the requester.
    assert_problem(
        decide(client, people["front"], approval_id, "delegate", to=people["dept_b"].id), 422
    )
    assert_problem(
        decide(client, people["front"], approval_id, "delegate", to=people["finance"].id), 422
    )
    assert running.event_log.head() == before

    p = ok(decide(client, people["front"], approval_id, "delegate", to=people["front2"].id))
    seen = view(client, admin, approval_id, p["position"])
    assert seen["delegate_id"] == people["front2"].id and seen["current_level"] == 1
    to_do = ok(
        client.get(
            "/api/v1/approvals",
            params={"to_decide": True, "after": p["position"]},
            headers=people["front2"].headers,
        )
    )
    assert [a["id"] for a in to_do] == [str(approval_id)]
    assert (
        ok(
            client.get(
                "/api/v1/approvals", params={"to_decide": True}, headers=people["front"].headers
            )
        )
        == []
    )

    assert_problem(decide(client, people["front"], approval_id, "approve"), 403)
    p = ok(decide(client, people["front2"], approval_id, "approve"))
    seen = view(client, admin, approval_id, p["position"])
    assert seen["current_level"] == 2 and seen["delegate_id"] is None
    assert [s["step"] for s in seen["steps"]] == ["opened", "delegated", "level_approved"]


def test_pre_screening_approves_rejects_or_skips_by_amount_urgency_and_validity(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    policy = {
        "levels": [
            {"name": "front_desk", "role": "customer_service"},
            {"name": "department", "role": "property_manager"},
            {"name": "manager", "role": "admin"},
        ],
        "rules": [
            {"then": "reject", "without_amount": True, "reason": "a refund names its amount"},
            {"then": "approve", "amount_below": "200", "currency": "CNY", "reason": "small"},
            {"then": "skip", "urgency": ["urgent"], "skip": ["front_desk"], "reason": "urgent"},
        ],
    }
    # a kind has a policy once a context opens approvals of it (decision 0049)
    running.approvals.subscribe("sample_refund", lambda approval, load: [])
    configured = ok(
        client.put("/api/v1/approval-policies/sample_refund", json=policy, headers=admin)
    )
    got = ok(client.get("/api/v1/approval-policies/sample_refund", headers=people["front"].headers))
    assert got["configured"] and got["rules"][1]["amount_below"] == "200"

    invalid, _ = open_approval(running, people["finance"].id, amount=None)
    small, _ = open_approval(running, people["finance"].id, amount="199.99")
    urgent, _ = open_approval(running, people["finance"].id, amount="5000", urgency=Urgency.URGENT)
    normal, last = open_approval(running, people["finance"].id, amount="200.00")
    assert last > configured["position"]

    assert view(client, admin, invalid, last)["status"] == "rejected"
    assert view(client, admin, small, last)["status"] == "approved"
    seen = view(client, admin, urgent, last)
    assert (seen["status"], seen["current_level"], seen["decider_role"]) == (
        "pending",
        1,
        "property_manager",
    )
    assert [lv["name"] for lv in seen["levels"]] == ["department", "manager"]
    assert view(client, admin, normal, last)["decider_role"] == "customer_service"


def test_only_administrators_configure_policies_and_bad_rules_are_refused(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    before = running.event_log.head()
    running.approvals.subscribe("sample_refund", lambda approval, load: [])
    policy = {"levels": [{"name": "only", "role": "property_manager"}], "rules": []}
    assert_problem(
        client.put(
            "/api/v1/approval-policies/sample_refund", json=policy, headers=people["dept"].headers
        ),
        403,
    )
    bad_rules = [
        {"then": "skip", "skip": ["nowhere"], "reason": "x"},
        {"then": "approve", "amount_below": "10", "reason": "no currency"},
        {"then": "approve", "amount_below": 10.5, "currency": "CNY", "reason": "a float"},
        {"then": "maybe", "reason": "x"},
    ]
    for rule in bad_rules:
        r = client.put(
            "/api/v1/approval-policies/sample_refund",
            json={**policy, "rules": [rule]},
            headers=admin,
        )
        assert_problem(r, 422)
    assert running.event_log.head() == before


def test_return_for_changes_then_resubmission_starts_again_at_the_first_level(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, _ = open_approval(running, people["finance"].id)
    ok(decide(client, people["front"], approval_id, "approve"))
    p = ok(decide(client, people["dept"], approval_id, "return", reason="attach the receipt"))
    seen = view(client, admin, approval_id, p["position"])
    assert (seen["status"], seen["current_level"], seen["note"]) == (
        "returned",
        None,
        "attach the receipt",
    )
    before = running.event_log.head()
    assert_problem(decide(client, people["dept"], approval_id, "approve"), 409)
    assert running.event_log.head() == before

    position = running.approvals.resubmit(
        approval_id,
        UUID(people["finance"].id),
        summary="refund, receipt attached",
        amount=Decimal("480.00"),
        currency="CNY",
    )
    seen = view(client, admin, approval_id, position)
    assert (seen["status"], seen["current_level"], seen["amount"]) == ("pending", 1, "480.00")


def test_the_read_model_serves_a_to_do_list(
    client: TestClient, admin: dict[str, str], running: Container, people: dict[str, Person]
) -> None:
    approval_id, position = open_approval(running, people["finance"].id)
    view(client, admin, approval_id, position)  # waits for the read model
    with running.pool.connection() as conn:
        row = conn.execute(
            "SELECT approval_id, kind, estate_id, status, current_level, decider_role, "
            "delegate_id, requested_by, opened_at FROM approvals WHERE approval_id = %s",
            [approval_id],
        ).fetchone()
    assert row is not None
    assert row[1:8] == (
        "sample_refund",
        ESTATE_A,
        "pending",
        1,
        "customer_service",
        None,
        UUID(people["finance"].id),
    )
    mine = ok(
        client.get("/api/v1/approvals", params={"to_decide": True}, headers=people["front"].headers)
    )
    assert [a["id"] for a in mine] == [str(approval_id)]
    assert (
        ok(
            client.get(
                "/api/v1/approvals", params={"to_decide": True}, headers=people["dept"].headers
            )
        )
        == []
    )
    own = ok(client.get("/api/v1/approvals", headers=people["finance"].headers))
    assert [a["id"] for a in own] == [str(approval_id)]
