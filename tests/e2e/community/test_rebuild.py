"""The approvals and community read models rebuild from the log row for row."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import system_acting_for
from application.approvals.commands import Approve, Delegate, ReturnForChanges
from application.approvals.service import ApprovalRequest
from application.community import commands as c
from application.context import CommandContext, acting
from bootstrap import Container
from domain.approvals.rules import Urgency
from domain.community.service_request import Category
from domain.community.survey import SubjectKind
from domain.identity.policy import Role
from replay.operations import rebuild_all
from tests.e2e.approvals.people import ESTATE_A, FakeResidence
from tests.support.actors import actor_of
from tests.support.world import world

pytestmark = pytest.mark.fresh_schema

PASSWORD = "a-long-enough-secret-1"


def test_rebuilt_approval_and_community_read_models_equal_the_live_ones(
    container: Container,
) -> None:
    container.community.residence = residence = FakeResidence()
    identity, community, approvals = container.identity, container.community, container.approvals
    builder = world(container, PASSWORD)
    ids = {
        name: builder.user(name, role, *(() if role is Role.OWNER else (ESTATE_A,)))
        for name, role in (
            ("front", Role.CUSTOMER_SERVICE),
            ("dept", Role.PROPERTY_MANAGER),
            ("boss", Role.ADMIN),
            ("resident", Role.OWNER),
        )
    }
    with acting(CommandContext(actor_id=ids["boss"], actor_role="admin")):
        approvals.configure(
            "refund",
            [
                {"name": "front_desk", "role": "customer_service"},
                {"name": "manager", "role": "admin"},
            ],
            [{"then": "skip", "urgency": ["urgent"], "skip": ["front_desk"], "reason": "urgent"}],
        )
        approvals.configure("refund", [{"name": "manager", "role": "admin"}], [])
    refund = ApprovalRequest(
        kind="refund",
        subject_id=UUID(int=7),
        estate_id=ESTATE_A,
        requested_by=ids["dept"],
        summary="refund",
        approval_id=uuid4(),
        amount=Decimal("12.50"),
        currency="CNY",
        urgency=Urgency.HIGH,
    )
    approvals.open(refund)
    approvals.decide(
        ReturnForChanges(system_acting_for(ids["boss"]), refund.approval_id, "receipt?")
    )
    approvals.resubmit(refund.approval_id, ids["dept"], summary="refund with receipt")

    as_ = {name: actor_of(identity.get(user_id)) for name, user_id in ids.items()}
    front, dept = as_["front"], as_["dept"]
    home = residence.move_in(str(ids["resident"]), ESTATE_A)
    rid, _, _ = community.submit_request(
        c.SubmitServiceRequest(as_["resident"], ESTATE_A, home, Category.GREENING, "hedge")
    )
    community.accept_request(c.AcceptServiceRequest(front, rid))
    approval_id: UUID = container.event_log.repository.get(rid).approval_id
    approvals.decide(Delegate(system_acting_for(ids["front"]), approval_id, ids["dept"]))
    for by in ("dept", "dept", "boss"):  # front desk (delegated), department, manager
        approvals.decide(Approve(system_acting_for(ids[by]), approval_id))
    community.schedule_request(
        c.ScheduleServiceRequest(front, rid, datetime(2026, 6, 1, tzinfo=UTC))
    )
    community.complete_request(c.CompleteServiceRequest(front, rid, "trimmed"))
    community.close_request(c.CloseServiceRequest(front, rid))
    community.answer_survey(
        c.AnswerSurvey(as_["resident"], SubjectKind.SERVICE_REQUEST, rid, {"overall": 5})
    )
    cid, _, _ = community.file_complaint(
        c.FileComplaint(as_["resident"], ESTATE_A, home, "noise", "pump")
    )
    for step, fields in (
        ("assign", {"handler_id": ids["front"]}),
        ("respond", {"response": "x"}),
        ("resolve", {"resolution": "y"}),
        ("close", {}),
    ):
        community.take_complaint_step(c.TakeComplaintStep(front, cid, step, fields))  # type: ignore[arg-type]
    aid, _ = community.draft_announcement(c.DraftAnnouncement(dept, ESTATE_A, "t", "b"))
    community.revise_announcement(c.ReviseAnnouncement(dept, aid, "title", "body"))
    community.submit_announcement(c.SubmitAnnouncement(dept, aid))

    head = container.event_log.head()
    container.projector.catch_up()
    live = _rows(container)
    assert all(
        live[t]
        for t in (
            "approvals",
            "approvals_steps",
            "approvals_policies",
            "community_service_requests",
            "community_surveys",
        )
    )
    report = rebuild_all(container)
    assert report.position == head
    assert _rows(container) == live


def _rows(container: Container) -> dict[str, object]:
    from tests.integration.replay.readmodel_rows import read_models

    rows = read_models(container)
    return {t: r for t, r in rows.items() if t.startswith(("approvals", "community_"))}
