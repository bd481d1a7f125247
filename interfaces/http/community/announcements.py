"""Announcements: staff draft, submit for approval, publish and withdraw; the
board shows the published ones to those who live in or serve the estate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.community import commands as c
from application.community.service import CommunityService
from domain.community.announcement import AnnouncementStatus
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute
from interfaces.http.community.common import handlers, listing
from interfaces.http.community.schemas import (
    AnnouncementText,
    AnnouncementView,
    NewAnnouncement,
    WithReason,
)
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.routes import Commands
from interfaces.http.schemas import Created, Cursor, Page, paged
from interfaces.http.security import Principal, requires
from projections.community import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["community"])


@router.post("/announcements", status_code=status.HTTP_201_CREATED)
def draft_announcement(
    body: NewAnnouncement,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Created:
    """Draft an announcement for an estate; it is published after its approval."""
    announcement_id, position = handlers(request).draft_announcement(
        c.DraftAnnouncement(actor=principal, **body.model_dump())
    )
    return Created(id=announcement_id, position=position)


listing(
    router,
    "/announcements",
    AnnouncementView,
    queries.announcements,
    Permission.ANNOUNCEMENTS_PUBLISH_ESTATE,
    key="announcement_id",
    name="list_announcements",
    statuses=AnnouncementStatus,
    doc="Every announcement of the caller's estates, drafts included (for their authors).",
)


@router.get("/announcement-board")
async def announcement_board(
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_READ_OWN),
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[AnnouncementView]:
    """Published announcements of the estates the caller lives in or serves, newest first."""
    await reached(request, "community", after)
    if not principal.reach("announcements:read").everything:
        # Where a resident lives is the registry's read model: 503 if it has stopped.
        await reached(request, "registry", None)
    estates = handlers(request).board_estates(principal)
    key = tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None
    rows = await reads.query_off_loop(
        request, queries.board, estates, estate_id=estate_id, before_key=key, limit=limit + 1
    )
    return paged(
        rows,
        limit,
        AnnouncementView.model_validate,
        lambda r: (r["published_at"], r["announcement_id"]),
    )


publish = Commands(router, handlers, Permission.ANNOUNCEMENTS_PUBLISH_ESTATE)
publish(
    "POST",
    "/announcements/{announcement_id}/revise",
    CommunityService.revise_announcement,
    body=AnnouncementText,
    doc="Change a draft; one returned for changes is resubmitted for approval with it.",
)
publish(
    "POST",
    "/announcements/{announcement_id}/submit",
    CommunityService.submit_announcement,
    doc="Submit a draft for approval (the ``announcement`` policy); the answer names the "
    "approval by ID and number.",
    opens_approval=True,
)
publish(
    "POST",
    "/announcements/{announcement_id}/publish",
    CommunityService.publish_announcement,
    doc="Publish an approved announcement on its estate's board.",
)
publish(
    "POST",
    "/announcements/{announcement_id}/withdraw",
    CommunityService.withdraw_announcement,
    body=WithReason,
    doc="Take a published announcement off the board, with the reason.",
)
