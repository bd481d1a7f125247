"""The approval workflow's decisions on the in-memory log: level by level,
who may decide, delegation, and the subscribed context told the outcome in
the same append."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.commands import (
    Approve,
    ConfigurePolicy,
    Delegate,
    Reject,
    ReturnForChanges,
)
from application.approvals.service import ApprovalNotFound, ApprovalRequest, ApprovalService
from application.errors import Forbidden, NotFound
from domain.approvals.approval import Approval, ApprovalStatus
from domain.errors import NotEntitled, ValidationFailed
from domain.identity.policy import Role
from tests.support.actors import actor, registered
from tests.support.memory import MemoryEventLog, memory_deps

ESTATE, OTHER = uuid4(), uuid4()


@dataclass
class Desk:
    approvals: ApprovalService
    log: MemoryEventLog
    front: Actor
    front_b: Actor
    dept: Actor
    dept_b: Actor
    boss: Actor
    outcomes: list[str]

    def open(self, requested_by: Actor | None = None) -> UUID:
        request = ApprovalRequest(
            kind="refund",
            subject_id=uuid4(),
            estate_id=ESTATE,
            requested_by=(requested_by or self.dept).user_id,
            summary="a refund",
            approval_id=uuid4(),
        )
        self.approvals.open(request)
        return request.approval_id

    def status(self, approval_id: UUID) -> ApprovalStatus:
        return self.approvals.get(approval_id).status

    def refused(self, error: Any, decision: Any) -> None:
        head = self.log.head()
        with pytest.raises(error):
            self.approvals.decide(decision)
        assert self.log.head() == head


@pytest.fixture
def desk() -> Desk:
    deps = memory_deps()
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    approvals = ApprovalService(deps)
    outcomes: list[str] = []

    def told(approval: Approval, load: Any) -> list[Any]:
        outcomes.append(str(approval.status))
        return []

    approvals.subscribe("refund", told)
    return Desk(
        approvals=approvals,
        log=log,
        front=registered(log, "front", Role.CUSTOMER_SERVICE, ESTATE),
        front_b=registered(log, "front.b", Role.CUSTOMER_SERVICE, OTHER),
        dept=registered(log, "dept", Role.PROPERTY_MANAGER, ESTATE),
        dept_b=registered(log, "dept.b", Role.PROPERTY_MANAGER, ESTATE),
        boss=registered(log, "boss", Role.ADMIN),
        outcomes=outcomes,
    )


def test_each_level_is_decided_by_its_role_and_the_last_approves(desk: Desk) -> None:
    approval_id = desk.open(requested_by=desk.dept_b)
    desk.approvals.decide(Approve(desk.front, approval_id))
    desk.approvals.decide(Approve(desk.dept, approval_id, "fine"))
    assert desk.status(approval_id) is ApprovalStatus.PENDING and desk.outcomes == []
    desk.approvals.decide(Approve(desk.boss, approval_id))
    assert desk.status(approval_id) is ApprovalStatus.APPROVED
    assert desk.outcomes == ["approved"]


def test_a_level_is_not_decided_by_another_role(desk: Desk) -> None:
    approval_id = desk.open()
    desk.refused(NotEntitled, Approve(desk.dept_b, approval_id))  # level 1 is the front desk's


def test_staff_of_another_estate_find_no_approval(desk: Desk) -> None:
    approval_id = desk.open()
    desk.refused(NotFound, Approve(desk.front_b, approval_id))
    desk.refused(NotFound, Reject(desk.front_b, approval_id, "no"))
    desk.refused(ApprovalNotFound, Approve(desk.front, uuid4()))


def test_a_resident_decides_nothing(desk: Desk) -> None:
    approval_id = desk.open()
    desk.refused((NotFound, Forbidden), Approve(actor(Role.OWNER), approval_id))


def test_a_requester_never_decides_their_own_request(desk: Desk) -> None:
    approval_id = desk.open(requested_by=desk.front)
    desk.refused(NotEntitled, Approve(desk.front, approval_id))


def test_a_delegated_level_is_decided_by_the_delegate_only(desk: Desk) -> None:
    approval_id = desk.open()
    desk.approvals.decide(Delegate(desk.front, approval_id, desk.dept_b.user_id))
    desk.refused(NotEntitled, Approve(desk.front, approval_id))  # handed over
    desk.approvals.decide(Approve(desk.dept_b, approval_id))  # the front desk's level
    approval = desk.approvals.get(approval_id)
    assert approval.current == 1 and approval.delegate_id is None


def test_a_level_is_handed_only_to_a_decider_of_the_estate(desk: Desk) -> None:
    approval_id = desk.open()
    for to in (desk.front_b, desk.front, desk.dept):  # another estate; oneself; the requester
        desk.refused(ValidationFailed, Delegate(desk.front, approval_id, to.user_id))


def test_rejected_and_returned_requests_tell_their_context(desk: Desk) -> None:
    rejected, returned = desk.open(), desk.open()
    desk.approvals.decide(Reject(desk.front, rejected, "no receipt"))
    desk.approvals.decide(ReturnForChanges(desk.front, returned, "add the receipt"))
    assert desk.status(rejected) is ApprovalStatus.REJECTED
    assert desk.status(returned) is ApprovalStatus.RETURNED
    assert desk.outcomes == ["rejected"]  # returned is not final


def test_the_policy_is_read_by_staff_who_take_part_not_by_residents(desk: Desk) -> None:
    terms, configured = desk.approvals.policy_in_force(desk.front, "refund")
    assert [level.name for level in terms.levels] == ["front_desk", "department", "manager"]
    assert configured is None
    with pytest.raises(Forbidden):
        desk.approvals.policy_in_force(actor(Role.OWNER), "refund")


def test_an_administrator_configures_the_levels_that_open_requests_follow(desk: Desk) -> None:
    levels = [{"name": "manager", "role": "admin"}]
    with pytest.raises(Forbidden):
        desk.approvals.configure_policy(ConfigurePolicy(desk.dept, "refund", levels))
    desk.approvals.configure_policy(ConfigurePolicy(desk.boss, "refund", levels))
    terms, configured = desk.approvals.policy_in_force(desk.front, "refund")
    assert [level.name for level in terms.levels] == ["manager"] and configured is not None
    approval_id = desk.open()
    desk.refused(NotEntitled, Approve(desk.front, approval_id))  # no front desk level now
    desk.approvals.decide(Approve(desk.boss, approval_id))
    assert desk.status(approval_id) is ApprovalStatus.APPROVED
