"""Community handlers on the in-memory log: who may take each step, and what
each step saves. Given a world of two estates, when a command, then these
events (or this refusal, with nothing saved)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.community import commands as c
from application.community.service import CommunityService, RecordNotFound
from application.errors import NotFound
from domain.community.service_request import Category, ServiceRequest
from domain.community.survey import SubjectKind
from domain.errors import InvalidTransition, NotEntitled, ValidationFailed
from domain.identity.policy import Role
from domain.registry.places import Estate
from tests.support.actors import actor, registered
from tests.support.memory import MemoryEventLog, NoRegistry, memory_deps

NOW = datetime(2026, 1, 1, 8, tzinfo=UTC)


@dataclass
class World:
    community: CommunityService
    log: MemoryEventLog
    estate: UUID
    other_estate: UUID
    home: UUID
    resident: Actor
    neighbour: Actor
    clerk: Actor
    stranger: Actor

    def names_since(self, position: int) -> list[str]:
        return [type(e).__name__ for e in self.log.domain_events()[position:]]

    def refused(self, error: type[Exception], command: Callable[[], Any]) -> None:
        """The command is refused with ``error`` and saves nothing."""
        head = self.log.head()
        with pytest.raises(error):
            command()
        assert self.log.head() == head


@pytest.fixture
def world() -> World:
    deps = memory_deps()
    log = deps.event_log
    assert isinstance(log, MemoryEventLog) and isinstance(deps.registry, NoRegistry)
    estate, other = Estate.register("A1", "A", "-"), Estate.register("B1", "B", "-")
    log.save_and_position(estate, other)
    resident, neighbour = actor(Role.OWNER), actor(Role.OWNER)
    home = uuid4()
    deps.registry.homes[resident.user_id] = [(estate.id, home)]
    deps.registry.homes[neighbour.user_id] = [(estate.id, uuid4())]
    community = CommunityService(deps, ApprovalService(deps))
    return World(
        community=community,
        log=log,
        estate=estate.id,
        other_estate=other.id,
        home=home,
        resident=resident,
        neighbour=neighbour,
        clerk=registered(log, "front", Role.CUSTOMER_SERVICE, estate.id),
        stranger=registered(log, "elsewhere", Role.CUSTOMER_SERVICE, other.id),
    )


def submitted(w: World, by: Actor | None = None) -> UUID:
    request_id, _, _ = w.community.submit_request(
        c.SubmitServiceRequest(by or w.resident, w.estate, w.home, Category.CLEANING, "stairs")
    )
    return request_id


# ---- service requests ---------------------------------------------------------


def test_a_resident_requests_a_service_for_the_unit_they_live_in(world: World) -> None:
    head = world.log.head()
    submitted(world)
    assert world.names_since(head) == ["Submitted"]


def test_a_resident_may_not_request_for_a_unit_they_do_not_occupy(world: World) -> None:
    for unit in (uuid4(), None):
        world.refused(
            RecordNotFound,
            lambda unit=unit: world.community.submit_request(
                c.SubmitServiceRequest(world.resident, world.estate, unit, Category.OTHER, "x")
            ),
        )


def test_staff_request_for_their_estate_but_not_for_another(world: World) -> None:
    request_id, _, _ = world.community.submit_request(
        c.SubmitServiceRequest(world.clerk, world.estate, None, Category.GREENING, "hedge")
    )
    assert world.community.get(ServiceRequest, request_id).requested_by == world.clerk.user_id
    world.refused(
        NotFound,
        lambda: world.community.submit_request(
            c.SubmitServiceRequest(world.stranger, world.estate, None, Category.GREENING, "x")
        ),
    )


def test_accepting_opens_the_approval_in_the_same_append(world: World) -> None:
    request_id = submitted(world)
    head = world.log.head()
    opened = world.community.accept_request(c.AcceptServiceRequest(world.clerk, request_id))
    assert world.names_since(head) == ["Opened", "Accepted"]
    assert opened.position == world.log.head()
    assert world.community.get(ServiceRequest, request_id).approval_id == opened.approval_id
    # The log numbered the approval in that append (decision 0050): read back.
    number = world.community.approvals.number_of(opened.approval_id)
    assert re.fullmatch(r"[A-Z0-9]+-AP-\d{4}-000001", number), number


@pytest.mark.parametrize("who", ["stranger", "resident"])
def test_only_staff_of_the_estate_handle_a_request_others_find_nothing(
    world: World, who: str
) -> None:
    request_id = submitted(world)
    by: Actor = getattr(world, who)
    world.refused(
        NotFound, lambda: world.community.accept_request(c.AcceptServiceRequest(by, request_id))
    )
    world.refused(
        NotFound,
        lambda: world.community.decline_request(c.DeclineServiceRequest(by, request_id, "no")),
    )


def test_the_requester_cancels_and_the_open_approval_is_withdrawn_with_it(world: World) -> None:
    request_id = submitted(world)
    world.community.accept_request(c.AcceptServiceRequest(world.clerk, request_id))
    world.refused(
        NotFound,
        lambda: world.community.cancel_request(
            c.CancelServiceRequest(world.neighbour, request_id, "not mine")
        ),
    )
    head = world.log.head()
    world.community.cancel_request(c.CancelServiceRequest(world.resident, request_id, "solved"))
    assert sorted(world.names_since(head)) == ["Cancelled", "Withdrawn"]


def test_cancelling_loads_the_open_approval_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each aggregate once per attempt: the approval the handler looked at to
    # see it is still open is the one it withdraws.
    request_id = submitted(world)
    world.community.accept_request(c.AcceptServiceRequest(world.clerk, request_id))
    loads: list[UUID] = []
    get = world.log.repository.get

    def counted(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loads.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(world.log.repository, "get", counted)
    world.community.cancel_request(c.CancelServiceRequest(world.resident, request_id, "solved"))
    assert loads.count(request_id) == 1
    assert len(loads) == len(set(loads))


def test_a_schedule_names_a_time_with_its_offset(world: World) -> None:
    request_id = submitted(world)
    naive = datetime(2026, 6, 1, 9)  # the refused input: no offset
    world.refused(
        ValidationFailed,
        lambda: world.community.schedule_request(
            c.ScheduleServiceRequest(world.clerk, request_id, naive)
        ),
    )
    aware = naive.replace(tzinfo=UTC)
    world.refused(  # not approved yet: the aggregate refuses
        InvalidTransition,
        lambda: world.community.schedule_request(
            c.ScheduleServiceRequest(world.clerk, request_id, aware)
        ),
    )


# ---- complaints ------------------------------------------------------------------


def filed(w: World) -> UUID:
    complaint_id, _, _ = w.community.file_complaint(
        c.FileComplaint(w.resident, w.estate, w.home, "noise", "the pump hums")
    )
    return complaint_id


def step(w: World, by: Actor, complaint_id: UUID, name: Any, **fields: Any) -> int:
    return w.community.take_complaint_step(c.TakeComplaintStep(by, complaint_id, name, fields))


def test_staff_handle_a_complaint_and_the_complainant_confirms(world: World) -> None:
    complaint_id = filed(world)
    head = world.log.head()
    step(world, world.clerk, complaint_id, "assign", handler_id=world.clerk.user_id)
    step(world, world.clerk, complaint_id, "respond", response="we will look")
    step(world, world.clerk, complaint_id, "resolve", resolution="fixed")
    step(world, world.resident, complaint_id, "confirm")
    assert world.names_since(head) == ["HandlerAssigned", "Responded", "Resolved", "Confirmed"]


def test_a_complaint_is_handled_only_by_staff_of_its_estate(world: World) -> None:
    complaint_id = filed(world)
    for by in (world.stranger, world.resident):
        world.refused(
            NotFound, lambda by=by: step(world, by, complaint_id, "respond", response="x")
        )


def test_work_is_handed_only_to_staff_who_serve_the_estate(world: World) -> None:
    complaint_id = filed(world)
    world.refused(
        ValidationFailed,
        lambda: step(world, world.clerk, complaint_id, "assign", handler_id=world.stranger.user_id),
    )


def test_only_the_complainant_confirms_or_reopens(world: World) -> None:
    complaint_id = filed(world)
    step(world, world.clerk, complaint_id, "assign", handler_id=world.clerk.user_id)
    step(world, world.clerk, complaint_id, "respond", response="we will look")
    step(world, world.clerk, complaint_id, "resolve", resolution="fixed")
    world.refused(NotFound, lambda: step(world, world.neighbour, complaint_id, "confirm"))
    world.refused(
        (NotFound, NotEntitled),
        lambda: step(world, world.clerk, complaint_id, "reopen", reason="x"),
    )


# ---- surveys ----------------------------------------------------------------------


def closed_request(w: World) -> UUID:
    """A request closed by staff; its approval is given by hand (the approval
    workflow has its own tests)."""
    request_id = submitted(w)
    w.community.accept_request(c.AcceptServiceRequest(w.clerk, request_id))
    request = w.community.get(ServiceRequest, request_id)
    request.approval_decided(request.approval_id, "approved", None, NOW)
    w.log.save_and_position(request)
    w.community.schedule_request(c.ScheduleServiceRequest(w.clerk, request_id, NOW))
    w.community.complete_request(c.CompleteServiceRequest(w.clerk, request_id))
    w.community.close_request(c.CloseServiceRequest(w.clerk, request_id))
    return request_id


def answer(w: World, by: Actor, request_id: UUID) -> tuple[UUID, int]:
    return w.community.answer_survey(
        c.AnswerSurvey(by, SubjectKind.SERVICE_REQUEST, request_id, {"overall": 4})
    )


def test_the_requester_answers_the_survey_of_a_closed_request_once(world: World) -> None:
    open_request = submitted(world)
    world.refused(InvalidTransition, lambda: answer(world, world.resident, open_request))
    request_id = closed_request(world)
    world.refused(NotFound, lambda: answer(world, world.neighbour, request_id))
    head = world.log.head()
    answer(world, world.resident, request_id)
    assert world.names_since(head) == ["Answered"]
    world.refused(InvalidTransition, lambda: answer(world, world.resident, request_id))


# ---- announcements -----------------------------------------------------------------


def test_staff_draft_announcements_for_their_estate_only(world: World) -> None:
    manager = registered(world.log, "manager", Role.PROPERTY_MANAGER, world.estate)
    draft = c.DraftAnnouncement(manager, world.estate, "Water off", "Saturday")
    announcement_id, _ = world.community.draft_announcement(draft)
    world.refused(
        NotFound,
        lambda: world.community.draft_announcement(
            c.DraftAnnouncement(manager, world.other_estate, "t", "b")
        ),
    )
    elsewhere = registered(world.log, "pm.b", Role.PROPERTY_MANAGER, world.other_estate)
    world.refused(
        NotFound,
        lambda: world.community.submit_announcement(
            c.SubmitAnnouncement(elsewhere, announcement_id)
        ),
    )
    world.refused(  # not approved: the aggregate refuses
        InvalidTransition,
        lambda: world.community.publish_announcement(
            c.PublishAnnouncement(manager, announcement_id)
        ),
    )


def test_the_board_of_a_resident_is_the_estates_they_live_in(world: World) -> None:
    assert world.community.board_estates(world.resident) == {world.estate}
    assert world.community.board_estates(world.clerk) == {world.estate}
    assert world.community.board_estates(actor(Role.ADMIN)) is None
