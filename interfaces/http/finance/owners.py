"""HTTP routes of one person's part of a unit account (decision 0021).

The owner's statement (对账单): the bills a person owes or owed on the unit,
the payments they made, their credit and balance; the fee clearance
certificate (物业费结清证明) a seller asks for at a sale.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from application.finance.accounts.commands import IssueClearance
from domain.identity.policy import Permission
from interfaces.http.consistency import reached, serving
from interfaces.http.finance.accounts import PROJECTION, BillView, PaymentView, _service
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Command
from interfaces.http.security import Principal, requires
from interfaces.http.views import from_view
from projections.finance.accounts import owners

router = APIRouter(prefix="/api/v1/finance", tags=["finance: bills and payments"])


@from_view(
    owners.OwnerStatement,
    retype={"bills": list[BillView], "payments": list[PaymentView]},
)
class OwnerStatementView(BaseModel):
    pass


class ClearanceRequest(Command):
    as_of: date | None = Field(None, description="bills issued up to this day; default today")


class ClearanceIssued(Accepted):
    id: UUID
    unit_id: UUID
    person_id: UUID
    as_of: date
    currency: str
    bill_ids: list[UUID]
    charged: Decimal
    paid: Decimal
    waived: Decimal
    outstanding: Decimal
    issued_by: UUID
    issued_at: datetime


@router.get("/units/{unit_id}/owners/{person_id}/statement")
async def owner_statement(
    unit_id: UUID,
    person_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
) -> OwnerStatementView:
    """One person's statement on a unit: the bills they owe or owed (their debts at
    billing time), the payments they made, their credit and balance; the name masked."""
    serving(request, "registry")
    await reached(request, PROJECTION, after)
    # Staff of the estate and auditors: an occupant's own grant does not open
    # another person's statement, the seller's to the buyer least of all.
    reach = replace(principal.reach("finance:read"), own=False)
    found = await query_off_loop(request, owners.owner_statement, reach, unit_id, person_id)
    if found is None:
        raise Problem(404, "no such unit, or no such person of its estate")
    return OwnerStatementView.model_validate(found)


@router.post(
    "/units/{unit_id}/owners/{person_id}/clearance-certificates",
    status_code=status.HTTP_201_CREATED,
)
def issue_clearance(
    unit_id: UUID,
    person_id: UUID,
    body: ClearanceRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> ClearanceIssued:
    """Certify that the person owes nothing on the unit for bills issued up to ``as_of``
    (物业费结清证明): recorded as an event; 409 naming the open bills otherwise."""
    certificate, position = _service(request).certify(
        IssueClearance(principal, unit_id, person_id, body.as_of)
    )
    fields = ("unit_id", "person_id", "as_of", "currency", "bill_ids", "charged", "paid")
    return ClearanceIssued(
        position=position,
        id=certificate.id,
        waived=certificate.waived,
        outstanding=Decimal(0),
        issued_by=certificate.issued_by,
        issued_at=certificate.at,
        **{name: getattr(certificate, name) for name in fields},
    )
