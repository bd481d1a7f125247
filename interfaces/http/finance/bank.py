"""HTTP routes of the estate's bank account: statement import, matching, reconciliation.

Finance staff of the estate import statements (CSV or xlsx as the bank
exports them, the body) and match a line to a payment by hand; finance,
the estate's managers and auditors read the lines and the reconciliation
statement (银行存款余额调节表). Details: docs/finance/bank.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AliasChoices, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from application.actor import HIDDEN
from application.errors import NotFound
from application.finance.bank import BankService, ImportStatement, MatchBankLine
from application.registry.importing import ImportRejected
from domain.finance.bank_lines import MATCH_WINDOW_DAYS
from domain.finance.bank_statements import StatementRefused
from domain.identity.policy import Permission
from interfaces.bankfiles import read_rows
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.registry.imports import IMPORT_BODY, NOT_A_TABLE
from interfaces.http.schemas import Accepted, CurrencyCode, Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from interfaces.importfiles import file_kind
from projections.finance import bank as queries

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: bank reconciliation"]
)
READ_MODELS = ("finance_bank", "finance_accounts", "finance_ledger")


class StatementImported(Accepted):
    id: UUID = Field(validation_alias=AliasChoices("import_id", "id"))
    layout: str
    lines: int
    imported: int
    already_imported: int


class Match(BaseModel):
    payment_id: UUID


def _service(request: Request) -> BankService:
    return container(request).finance.bank


@router.post(
    "/estates/{estate_id}/bank-statements",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
    responses=NOT_A_TABLE,
)
async def import_statement(
    estate_id: UUID,
    request: Request,
    response: Response,
    currency: CurrencyCode = "CNY",
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> StatementImported:
    """Import a statement of the estate's bank account (1002): each line once, by the
    bank's serial number. 201 with what was new; 200 when every line was stored before.
    A file that cannot be read answers 422 naming each bad row, and stores nothing."""
    try:
        kind = file_kind(request.headers.get("content-type"))
    except ImportRejected as wrong:
        raise Problem(415, wrong.errors[0].message, title="Unsupported media type") from None
    content = await request.body()
    command = ImportStatement(principal, estate_id, lambda: read_rows(content, kind), currency)
    try:
        done = await run_in_threadpool(_service(request).import_statement, command)
    except StatementRefused as refused:
        raise Problem(
            422,
            f"{len(refused.problems)} error(s) in the statement; nothing was imported "
            f"(first: {refused.detail})",
            title="Statement refused",
            errors=[vars(p) for p in refused.problems[:1000]],
        ) from None
    if done.imported == 0:
        response.status_code = status.HTTP_200_OK
    return StatementImported(**vars(done))


@router.post("/bank-lines/{line_id}/match")
def match_line(
    line_id: UUID,
    body: Match,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Accepted:
    """Match a credit line to a recorded bank-transfer payment of the same amount, by hand."""
    position = _service(request).match(MatchBankLine(principal, line_id, body.payment_id))
    return Accepted(position=position)


async def _reached(request: Request, after: int | None) -> None:
    for read_model in READ_MODELS:
        await reached(request, read_model, after)


@from_view(
    queries.BankLineRow,
    rename={"line_id": "id"},
    retype={"matched_at": datetime | None},
    describe={
        "serial": "the bank's serial number of the line",
        "layout": "the bank's file layout it was read in",
        "matched_payment_id": "matched by hand",
    },
)
class BankLine(BaseModel):
    """A line of the bank's statement, as imported."""


@from_view(queries.UnmatchedPayment)
class UnmatchedPayment(BaseModel):
    """A bank-transfer payment the statement does not show yet."""


@from_view(queries.MatchedPair, describe={"how": "rule, or hand"})
class MatchedPair(BaseModel):
    """A line and the payment it was matched to."""


@from_view(
    queries.Reconciliation,
    retype={
        "matched": list[MatchedPair],
        "unmatched_lines": list[BankLine],
        "unmatched_payments": list[UnmatchedPayment],
    },
    describe={
        "bank_balance": "the last line's balance; null: no line yet",
        "recorded_not_on_statement": "企业已收银行未收",
        "statement_credits_not_recorded": "银行已收企业未收",
        "statement_debits_not_recorded": "银行已付企业未付",
        "difference": "adjusted bank less adjusted ledger: 0 when reconciled",
    },
)
class Reconciliation(BaseModel):
    """银行存款余额调节表 as of a day, and the items on each side."""


@router.get("/estates/{estate_id}/bank-lines")
async def bank_lines(
    estate_id: UUID,
    request: Request,
    as_of: date | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    after: int | None = None,
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
) -> Page[BankLine]:
    """The imported lines of the estate's bank account, in statement order, a
    page of ``limit`` at a time."""
    await _reached(request, after)
    found = await query_off_loop(
        request,
        queries.lines,
        principal.reach("ledger:read"),
        estate_id,
        as_of,
        after_line=decode_cursor(cursor, UUID)[0] if cursor else None,
        limit=limit + 1,
    )
    if found is None:
        raise NotFound(HIDDEN)
    return paged(found, limit, BankLine.model_validate, lambda r: (r["line_id"],))


@router.get("/estates/{estate_id}/bank-reconciliation")
async def bank_reconciliation(
    estate_id: UUID,
    request: Request,
    as_of: date | None = Query(None, description="a day; without it, everything imported"),
    window_days: Annotated[int, Query(ge=0, le=31)] = MATCH_WINDOW_DAYS,
    after: int | None = None,
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
) -> Reconciliation:
    """银行存款余额调节表 as of a day: the statement's balance and the ledger's (1002),
    each adjusted by the items the other side has not recorded, and those items."""
    await _reached(request, after)
    found = await query_off_loop(
        request,
        queries.reconciliation,
        principal.reach("ledger:read"),
        estate_id,
        as_of,
        window_days,
    )
    if found is None:
        raise NotFound(HIDDEN)
    return Reconciliation.model_validate(found)
