"""HTTP routes of one person's part of a unit account (decisions 0021, 0029).

The owner's statement (对账单): the bills a person owes or owed on the unit,
the payments they made (with their receipt numbers), their credit and
balance; the fee clearance certificate (物业费结清证明) a seller asks for at a
sale. Staff of the estate and auditors read any person's statement, the name
masked; the person themself (their linked login) reads their own, the name in
clear, on every unit they owe or owed on, sold ones included. Both print as
PDF (``format=pdf``); a certificate is printed again from its event alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from application.finance.accounts.clearance import PrintedCertificate
from application.finance.accounts.commands import IssueClearance
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, folding_to
from interfaces.http.consistency import reached, serving
from interfaces.http.exports import ExportFormat, export_response, pdf_font_of
from interfaces.http.finance.accounts import PROJECTION, BillView, _service
from interfaces.http.finance.owner_documents import certificate_report, statement_report
from interfaces.http.finance.receipts import PROJECTION as RECEIPTS
from interfaces.http.problems import Problem
from interfaces.http.reads import query, query_off_loop
from interfaces.http.schemas import Accepted, Command, Page
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from projections.finance.accounts import owners

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: bills and payments"]
)


@from_view(owners.StatementPayment, rename={"payment_id": "id"})
class StatementPaymentView(BaseModel):
    """A payment of the person's, with its receipt number (收据号)."""


@from_view(
    owners.OwnerStatement,
    retype={"bills": list[BillView], "payments": list[StatementPaymentView]},
)
class OwnerStatementView(BaseModel):
    pass


@from_view(owners.OwnedUnit)
class OwnedUnitView(BaseModel):
    """A unit on which the caller's person owes or owed, with their balance there."""


class ClearanceRequest(Command):
    as_of: date | None = Field(None, description="bills issued up to this day; default today")


class CertificateView(BaseModel):
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


class ClearanceIssued(CertificateView, Accepted):
    pass


@router.get("/me/statements")
async def my_statements(
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Page[OwnedUnitView]:
    """Every unit, in any estate, on which a person linked to the caller owes or owed
    (a unit sold and left included: the seller's arrears stay the seller's), with
    their balance there; each one's statement is the route below."""
    serving(request, "registry")
    await reached(request, PROJECTION, after)
    found = await query_off_loop(request, owners.owned_units, principal.user_id)
    # one person's units: a handful, one page
    return Page(items=[OwnedUnitView.model_validate(row) for row in found], next_cursor=None)


@router.get("/units/{unit_id}/owners/{person_id}/statement", response_model=OwnerStatementView)
async def owner_statement(
    unit_id: UUID,
    person_id: UUID,
    request: Request,
    after: int | None = None,
    format: ExportFormat = "json",
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Any:
    """One person's statement on a unit: the bills they owe or owed (their debts at
    billing time), the payments they made with their receipt numbers, their credit
    and balance. Staff of the estate and auditors: the name masked; the person
    themself (their linked login): the name in clear; anyone else 404, the unit's
    occupants included. ``format=xlsx|pdf`` answers it as a document."""
    serving(request, "registry")
    await reached(request, PROJECTION, after)
    await reached(request, RECEIPTS, after)
    reach = principal.reach("finance:read")
    found = await query_off_loop(request, owners.owner_statement, reach, unit_id, person_id)
    if found is None:
        raise Problem(404, "no such unit, or no such person of its estate")
    if found["own"]:
        own_name = _service(request).own_name
        found["name"] = await anyio.to_thread.run_sync(own_name, principal, person_id)
    body = OwnerStatementView.model_validate(found)
    if format == "json":
        return body
    report = statement_report(body.model_dump(mode="json"), _now(request))
    name = f"statement-{found['unit_number']}-{person_id}"
    # Rendering is CPU work: off the event loop (docs/finance/exports.md).
    return await anyio.to_thread.run_sync(_document, request, report, format, name)


@router.post(
    "/units/{unit_id}/owners/{person_id}/clearance-certificates",
    status_code=status.HTTP_201_CREATED,
    response_model=ClearanceIssued,
    summary="Certify that a person owes nothing on a unit (物业费结清证明)",
)
def issue_clearance(
    unit_id: UUID,
    person_id: UUID,
    body: ClearanceRequest,
    request: Request,
    format: Literal["json", "pdf"] = "json",
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Any:
    """Certify that the person owes nothing on the unit for bills issued up to ``as_of``
    (物业费结清证明): recorded as an event; 409 naming the open bills otherwise.
    ``format=pdf`` answers the certificate itself (201), to hand over."""
    service = _service(request)
    certificate, position = service.certify(
        IssueClearance(principal, unit_id, person_id, body.as_of)
    )
    if format == "pdf":
        printed = service.certificate(principal, unit_id, person_id, certificate.id)
        answer = _certificate_pdf(request, printed, reprint=False)
        answer.status_code = status.HTTP_201_CREATED
        return answer
    return ClearanceIssued(position=position, **_figures(certificate))


@router.get(
    "/units/{unit_id}/owners/{person_id}/clearance-certificates/{certificate_id}",
    response_model=CertificateView,
)
def clearance_certificate(
    unit_id: UUID,
    person_id: UUID,
    certificate_id: UUID,
    request: Request,
    format: Literal["json", "pdf"] = "json",
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Any:
    """An issued certificate, read again from its event: for its person (their linked
    login) and the estate's finance readers. ``format=pdf`` prints it again, marked
    补打 REPRINT; printing records nothing. ``as_of``: 404 unless issued by then."""
    upto = folding_to(request)
    printed = _service(request).certificate(principal, unit_id, person_id, certificate_id, upto)
    if format == "pdf":
        return _certificate_pdf(request, printed, reprint=True)
    return CertificateView(**_figures(printed.certificate))


def _figures(certificate: Any) -> dict[str, Any]:
    fields = ("id", "unit_id", "person_id", "as_of", "currency", "bill_ids", "charged", "paid")
    return {
        "waived": certificate.waived,
        "outstanding": Decimal(0),
        "issued_by": certificate.issued_by,
        "issued_at": certificate.at,
        **{name: getattr(certificate, name) for name in fields},
    }


def _certificate_pdf(request: Request, printed: PrintedCertificate, *, reprint: bool) -> Response:
    c = printed.certificate
    place = query(
        request, owners.certificate_place, c.unit_id, c.person_id, c.bill_ids, c.issued_by
    )
    report = certificate_report(printed, place, _now(request), reprint=reprint)
    return _document(request, report, "pdf", f"clearance-{c.id}")


def _document(request: Request, report: Any, fmt: str, filename: str) -> Response:
    font = pdf_font_of(container(request).settings)
    return export_response(report, fmt, filename, pdf_font=font)


def _now(request: Request) -> datetime:
    return _service(request).deps.clock()
