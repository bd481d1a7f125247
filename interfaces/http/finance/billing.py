"""HTTP routes of billing runs: bill an estate's units for a period, list its runs.

Finance staff of the estate run billing (R5.1); the runs are read by those
who read the estate's finance. A run's bills are read on the unit accounts
(``accounts.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AliasChoices, BaseModel, Field

from application.actor import HIDDEN
from application.errors import NotFound
from application.finance.accounts import AccountService
from application.finance.accounts.commands import RunBilling
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Command, Cursor, Page, Period, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from projections.finance.accounts import queries

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: bills and payments"]
)

PROJECTION = "finance_accounts"


def _service(request: Request) -> AccountService:
    return container(request).finance.accounts


class BillingRunRequest(Command):
    period: Period


class RunView(BaseModel):
    id: UUID = Field(validation_alias=AliasChoices("run_id", "id"))
    estate_id: UUID
    period: str
    bills: int
    units_billed: int
    units_skipped: int
    amount: Decimal
    currency: str
    position: int
    already_run: bool
    kind: str = Field(description="regular, or supplementary: a later run of a billed period")
    supplement: int = Field(description="0, or the supplementary run's number in its period")


@from_view(
    queries.RunRow,
    rename={"run_id": "id"},
    describe={
        "rates": "the rates the run billed at",
        "shared_costs": "the shared costs it billed; null for a run recorded before they were",
        "kind": "regular, or supplementary: a later run of a billed period",
        "supplement_of": "the period's regular run",
    },
)
class BillingRun(BaseModel):
    """A billing run as recorded (a period's supplementary runs before its regular one)."""


@router.post("/estates/{estate_id}/billing-runs", status_code=status.HTTP_201_CREATED)
def run_billing(
    estate_id: UUID,
    body: BillingRunRequest,
    request: Request,
    response: Response,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RunView:
    """Bill every owned unit of the estate for the period, each fee item once.

    201 with the run's figures. Running a billed period again bills, on new
    bills, the items in force now and the shared costs recorded since that
    no run of the period billed (201, ``kind`` supplementary); with nothing
    new, 200 with the first run's figures.
    """
    result = _service(request).bill(RunBilling(principal, estate_id, body.period))
    if result.already_run:
        response.status_code = status.HTTP_200_OK
    return RunView(**vars(result))


@router.get("/estates/{estate_id}/billing-runs")
async def billing_runs(
    estate_id: UUID,
    request: Request,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 120,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
) -> Page[BillingRun]:
    """The estate's billing runs, newest period first."""
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, str, int) if cursor else None
    runs = await query_off_loop(
        request, queries.billing_runs, principal.reach("finance:read"), estate_id, key, limit + 1
    )
    if runs is None:
        raise NotFound(HIDDEN)
    return paged(runs, limit, BillingRun.model_validate, lambda r: (r["period"], r["supplement"]))
