"""Announcements: staff draft, submit for approval, publish and withdraw; the
board shows the published ones to those who live in or serve the estate."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.community import commands as c
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.community.schemas import (
    AnnouncementText,
    AnnouncementView,
    Listed,
    NewAnnouncement,
    WithReason,
)
from interfaces.http.consistency import reached
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, container, requires
from projections.community import queries

router = APIRouter(prefix="/api/v1", tags=["community"])


@router.post("/announcements", status_code=status.HTTP_201_CREATED)
def draft_announcement(
    body: NewAnnouncement,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Created:
    announcement_id, position = container(request).community.draft_announcement(
        c.DraftAnnouncement(actor=principal, **body.model_dump())
    )
    return Created(id=announcement_id, position=position)


@router.get("/announcements")
async def list_announcements(
    request: Request,
    listed: Listed,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> list[AnnouncementView]:
    """Every announcement of the caller's estates, drafts included (for their authors)."""
    await reached(request, "community", listed.after)
    rows = await reads.query_off_loop(
        request, queries.announcements, principal.reach("announcements:publish"), **listed.filters
    )
    return [AnnouncementView(**r) for r in rows]


@router.get("/announcement-board")
async def announcement_board(
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_READ_OWN),
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[AnnouncementView]:
    """Published announcements of the estates the caller lives in or serves, newest first."""
    await reached(request, "community", after)
    if not principal.reach("announcements:read").everything:
        # Where a resident lives is the registry's read model: 503 if it has stopped.
        await reached(request, "registry", None)
    estates = container(request).community.board_estates(principal)
    rows = await reads.query_off_loop(
        request, queries.board, estates, estate_id=estate_id, limit=limit
    )
    return [AnnouncementView(**r) for r in rows]


@router.post("/announcements/{announcement_id}/revise", response_model=Accepted)
def revise_announcement(
    announcement_id: UUID,
    body: AnnouncementText,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    """Change a draft; one returned for changes is resubmitted for approval with it."""
    cmd = c.ReviseAnnouncement(principal, announcement_id, body.title, body.body)
    return accepted(container(request).community.revise_announcement(cmd))


@router.post("/announcements/{announcement_id}/submit", response_model=Accepted)
def submit_announcement(
    announcement_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    """Submit a draft for approval (the ``announcement`` policy)."""
    cmd = c.SubmitAnnouncement(actor=principal, announcement_id=announcement_id)
    return accepted(container(request).community.submit_announcement(cmd))


@router.post("/announcements/{announcement_id}/publish", response_model=Accepted)
def publish_announcement(
    announcement_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    cmd = c.PublishAnnouncement(actor=principal, announcement_id=announcement_id)
    return accepted(container(request).community.publish_announcement(cmd))


@router.post("/announcements/{announcement_id}/withdraw", response_model=Accepted)
def withdraw_announcement(
    announcement_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    cmd = c.WithdrawAnnouncement(principal, announcement_id, body.reason)
    return accepted(container(request).community.withdraw_announcement(cmd))
