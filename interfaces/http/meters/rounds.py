"""Routes of reading rounds (抄表任务): a manager plans the meters a technician
reads for a period, in route order; the technician reads them
(``POST /meters/{meter_id}/readings`` with the ``round_id``) and sees the
round's progress; the manager closes it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.meters import commands as c
from application.meters.service import MeterNotFound
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.meters.routes import MANAGE, PROJECTION, READ, After, Limit, _before, handlers
from interfaces.http.meters.schemas import NewRound, RoundStatus, RoundSummary, RoundView
from interfaces.http.schemas import Accepted, Created, Cursor, Page, Period, accepted, paged
from interfaces.http.security import Principal, requires
from projections.meters import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["meters"])


@router.post("/meter-rounds", status_code=status.HTTP_201_CREATED)
def plan_round(
    body: NewRound, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Plan a round: the estate's meters a technician of the estate reads for
    ``period``, in route order, by ``due_on``."""
    round_id, position = handlers(request).plan_round(c.PlanRound(principal, **body.model_dump()))
    return Created(id=round_id, position=position)


@router.get("/meter-rounds")
async def list_rounds(
    request: Request,
    estate_id: UUID | None = None,
    status_: Annotated[RoundStatus | None, Query(alias="status")] = None,
    period: Annotated[Period | None, Query()] = None,
    limit: Limit = 100,
    after: After = None,
    cursor: Cursor = None,
    principal: Principal = requires(READ),
) -> Page[RoundSummary]:
    """Rounds of the caller's estates, or assigned to them, newest first."""
    await reached(request, PROJECTION, after)
    rows = await reads.query_off_loop(
        request,
        queries.rounds,
        principal.reach(READ.action),
        estate_id=estate_id,
        status=str(status_.value) if status_ else None,
        period=period,
        limit=limit + 1,
        before_id=_before(cursor),
    )
    return paged(rows, limit, lambda r: RoundSummary.model_validate(r), lambda r: (r["round_id"],))


@router.get("/meter-rounds/{round_id}")
async def get_round(
    round_id: UUID, request: Request, after: After = None, principal: Principal = requires(READ)
) -> RoundView:
    """One round with its meters in route order and what was read."""
    await reached(request, PROJECTION, after)
    reach = principal.reach(READ.action)
    row = await reads.query_off_loop(request, queries.reading_round, reach, round_id)
    if row is None:
        raise MeterNotFound()
    stops = await reads.query_off_loop(request, queries.round_stops, round_id)
    return RoundView.model_validate({**row, "stops": stops})


@router.post("/meter-rounds/{round_id}/close", response_model=Accepted)
def close_round(
    round_id: UUID, request: Request, principal: Principal = requires(MANAGE)
) -> Response:
    """Close the round, read or not: unread meters stay listed as unread."""
    return accepted(handlers(request).close_round(c.CloseRound(principal, round_id)))
