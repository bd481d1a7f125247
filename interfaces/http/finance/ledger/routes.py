"""HTTP routes of the books (R5.3): chart, journal, statements, manual journals, close.

Reads need ``ledger:read`` (estate staff for their estates; auditors hold
``ledger:read:any``); without ``estate_id`` a statement covers every estate
the caller may read. Manual journals, their reversal and period close need
``ledger:close`` (the finance role holds it for its estates): a manual
journal changes closed-period-sensitive books as much as a close does, so
the same grant guards both. An owner's statement is for the unit's
occupants (``finance:read:own``) and finance-reading staff of its estate.

``as_of`` (an ISO 8601 moment with a timezone) or ``as_of_position`` draws a
statement as the books stood then: only entries at or before that position.
``format=xlsx|pdf`` answers the same statement as a file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import Field

from application.finance.ledger_commands import ClosePeriod, PostJournal, ReverseJournal
from application.reporting import Report
from domain.finance.accounts import CHART
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute, folding_to
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.exports import ExportFormat, export_response, pdf_font_of
from interfaces.http.finance.ledger.cas_reports import (
    cas_balance_sheet_report,
    cas_income_statement_report,
)
from interfaces.http.finance.ledger.files import aging_file_of, fund_file_of, names_of
from interfaces.http.finance.ledger.reports import (
    aging_report,
    balance_sheet_report,
    cash_flow_report,
    fund_report,
    income_statement_report,
    owner_report,
    trial_balance_report,
)
from interfaces.http.finance.ledger.views import (
    Account,
    ClosedPeriods,
    JournalPage,
    Statement,
    UnitStatement,
)
from interfaces.http.language import Lang, LangQuery, export_language, in_language
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    CurrencyCode,
    Cursor,
    OpensApproval,
    Page,
    Period,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.events import to_json
from projections.finance import statements
from projections.finance.ledger import NAME as LEDGER
from projections.naming import estate_names

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])


class JournalLine(Command):
    account: Annotated[str, SingleLine(20)]
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    currency: CurrencyCode = "CNY"
    unit_id: UUID | None = None
    bill_id: UUID | None = None
    party_id: UUID | None = None


class NewJournal(Command):
    booked_on: date
    memo: Annotated[str, MultiLine(500)]
    lines: Annotated[list[JournalLine], Field(min_length=2, max_length=500)]


class Reversal(Command):
    reason: Annotated[str, MultiLine(500)]


def _json(body: Any) -> Response:
    return Response(to_json(body), media_type="application/json")


def _estates(principal: Principal, estate_id: UUID | None) -> list[UUID] | None:
    return statements.estates_in_reach(principal.reach("ledger:read"), estate_id)


async def _as_of(
    request: Request, as_of: datetime | None, as_of_position: int | None, after: int | None
) -> int | None:
    """The position a read is drawn at (None: now), once the ledger holds it."""
    if as_of is not None and as_of_position is not None:
        raise Problem(422, "give as_of or as_of_position, not both")
    position = as_of_position
    if as_of is not None:
        if as_of.tzinfo is None:
            raise Problem(422, "as_of needs a timezone, e.g. 2026-01-01T00:00:00Z")
        position = await anyio.to_thread.run_sync(
            statements.position_at, container(request).event_log, as_of
        )
    await reached(request, LEDGER, after, at_least=position or 0)
    return position


async def _answer(
    request: Request,
    body: dict[str, Any],
    fmt: str,
    report: Callable[[dict[str, Any]], Report],
    filename: str,
    lang: Lang,
) -> Response:
    if fmt == "json":
        return _json(body)
    font = pdf_font_of(container(request).settings)
    # Laying out a workbook or a PDF is CPU work: off the event loop.
    answer = await anyio.to_thread.run_sync(
        lambda: export_response(report(body), fmt, filename, pdf_font=font)
    )
    return in_language(answer, lang)


# ---- reads -----------------------------------------------------------------------


@router.get("/finance/accounts")
def chart_of_accounts(
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
) -> Page[Account]:
    """The chart of accounts every estate's books use: fixed, so one page."""
    items = [
        Account(
            code=a.code,
            name=a.name,
            name_zh=a.name_zh,
            kind=a.kind.value,
            cash=a.cash,
            sub_ledger=a.sub_ledger.key if a.sub_ledger else None,
        )
        for a in CHART.values()
    ]
    return Page[Account](items=items, next_cursor=None)


@router.get("/finance/ledger/journal", response_model=JournalPage)
async def ledger_journal(
    request: Request,
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
    estate_id: UUID | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    as_of: datetime | None = None,
    as_of_position: Annotated[int | None, Query(ge=0)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Journal entries with their lines, newest first: a page, and the position
    it was read as of (pass it as ``as_of_position`` with the next page's
    cursor to read the same books)."""
    estates = _estates(principal, estate_id)
    upto = await _as_of(request, as_of, as_of_position, after)
    before = decode_cursor(cursor, int)[0] if cursor else None
    body = await query_off_loop(
        request, statements.journal, estates, date_from, date_to, upto, before, limit + 1
    )
    page = paged(body["items"], limit, lambda e: e, lambda e: (e["position"],))
    return _json({"items": page.items, "next_cursor": page.next_cursor, "as_of_position": upto})


STATEMENTS: dict[str, tuple[Callable[..., Any], Callable[..., Report], str]] = {
    "trial-balance": (statements.trial_balance, trial_balance_report, "range"),
    "balance-sheet": (statements.balance_sheet, balance_sheet_report, "at"),
    "income-statement": (statements.income_statement, income_statement_report, "range"),
    "cash-flow": (statements.cash_flow, cash_flow_report, "range"),
    "receivables-aging": (statements.receivables_aging, aging_report, "at"),
    "fund": (statements.fund_statement, fund_report, "range"),
    # The 企业会计准则 layouts (一般企业财务报表格式), with their comparative columns.
    "balance-sheet-cas": (statements.cas_balance_sheet, cas_balance_sheet_report, "at"),
    "income-statement-cas": (statements.cas_income_statement, cas_income_statement_report, "range"),
}


# A statement's kind names the resource read: the OpenAPI document lists the
# names, and any other is a missing statement (404), not a malformed request.
StatementKind = Annotated[str, Path(json_schema_extra={"enum": list(STATEMENTS)})]


@router.get(
    "/finance/statements/{kind}",
    response_model=Statement,
    summary="A financial statement of the books",
)
async def statement(
    kind: StatementKind,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
    estate_id: UUID | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    at: date | None = None,
    as_of: datetime | None = None,
    as_of_position: Annotated[int | None, Query(ge=0)] = None,
    format: ExportFormat = "json",
    lang: LangQuery = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """One statement: trial-balance, balance-sheet, income-statement, cash-flow (for
    ``from``..``to``), receivables-aging (at ``at``, default today) or fund; in the
    企业会计准则 layouts balance-sheet-cas (at ``at``: 期末余额, 年初余额) and
    income-statement-cas (``from``..``to``: 本期金额, 本年累计金额, 上年同期金额)."""
    if kind not in STATEMENTS:
        raise Problem(404, f"no statement {kind!r}; one of {', '.join(STATEMENTS)}")
    query, report, dates = STATEMENTS[kind]
    language = export_language(request, lang)
    estates = _estates(principal, estate_id)
    upto = await _as_of(request, as_of, as_of_position, after)
    named = await _named_estates(request, estates)
    if dates == "at":
        day = at or date_to or container(request).finance.ledger.today
        if kind == "receivables-aging" and format == "xlsx":
            return aging_file_of(request, named, day, upto, language)
        body = await query_off_loop(request, query, estates, day, upto)
    else:
        if kind == "fund" and format == "xlsx":
            return fund_file_of(request, named, date_from, date_to, upto, language)
        body = await query_off_loop(request, query, estates, date_from, date_to, upto)
    body["estates"] = (
        None if named is None else [{"estate_id": e, "estate_name": n} for e, n in named.items()]
    )
    if kind == "receivables-aging":
        body["control"] = await query_off_loop(
            request, statements.receivables_control, estates, body["at"], upto
        )
    suffix = body.get("at") or body.get("to") or "all"
    filename = f"{kind}-{suffix}"
    answer = partial(report, estates=names_of(named), lang=language)
    return await _answer(request, body, format, answer, filename, language)


async def _named_estates(request: Request, estates: list[UUID] | None) -> dict[UUID, str] | None:
    """The estates a statement covers with their names, in order (None: every estate)."""
    if estates is None:
        return None
    names = await query_off_loop(request, estate_names, estates)
    return {e: names.get(e, str(e)) for e in estates}


@router.get("/finance/units/{unit_id}/statement", response_model=UnitStatement)
async def unit_statement(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    as_of: datetime | None = None,
    as_of_position: Annotated[int | None, Query(ge=0)] = None,
    format: ExportFormat = "json",
    lang: LangQuery = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """An owner's statement of one unit: charges, payments and credit, running balance."""
    await reached(request, "registry", None)
    await query_off_loop(request, statements.admit_unit, principal.reach("finance:read"), unit_id)
    upto = await _as_of(request, as_of, as_of_position, after)
    body = await query_off_loop(
        request, statements.owner_statement, unit_id, date_from, date_to, upto
    )
    # An owner reads their own name in clear, as on their own statement (decision 0029).
    own_name = container(request).finance.accounts.own_name
    for owner in body["owners"]:
        mine = await anyio.to_thread.run_sync(own_name, principal, owner["person_id"])
        owner["name"] = mine or owner["name"]
    filename = f"statement-{unit_id}"
    language = export_language(request, lang)
    answer = partial(owner_report, lang=language)
    return await _answer(request, body, format, answer, filename, language)


@router.get("/finance/estates/{estate_id}/periods", response_model=ClosedPeriods)
async def periods(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_READ_ESTATE),
) -> Response:
    """The closed periods of the estate's books, oldest first, with their digests;
    ``as_of``: those closed by then, folded from the log."""
    ledger = container(request).finance.ledger
    upto = folding_to(request)
    closed = await anyio.to_thread.run_sync(ledger.closed_periods, principal, estate_id, upto)
    return _json({"estate_id": estate_id, "closed": closed})


# ---- commands ---------------------------------------------------------------------


class JournalAsked(Accepted, OpensApproval):
    id: UUID  # the journal it posts once approved


@router.post("/finance/estates/{estate_id}/journals", status_code=status.HTTP_202_ACCEPTED)
def post_journal(
    estate_id: UUID,
    body: NewJournal,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_CLOSE_ESTATE),
) -> JournalAsked:
    """Ask to book a manual journal (opening balances, corrections); it posts when a
    second person approves (kind ``journal``); 409 in a closed period."""
    command = PostJournal(
        actor=principal,
        estate_id=estate_id,
        booked_on=body.booked_on,
        memo=body.memo,
        lines=[line.model_dump() for line in body.lines],
    )
    journal_id, approval_id, position = container(request).finance.ledger.post_manual(command)
    return JournalAsked(
        id=journal_id,
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )


@router.post("/finance/journals/{journal_id}/reversal", status_code=status.HTTP_202_ACCEPTED)
def reverse_journal(
    journal_id: UUID,
    body: Reversal,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_CLOSE_ESTATE),
) -> JournalAsked:
    """Ask to reverse a manual journal with the mirrored entry, booked on the day a
    second person approves (kind ``journal``)."""
    command = ReverseJournal(actor=principal, journal_id=journal_id, reason=body.reason)
    reversal_id, approval_id, position = container(request).finance.ledger.reverse_manual(command)
    return JournalAsked(
        id=reversal_id,
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )


class CloseAsked(Accepted, OpensApproval):
    pass


@router.post(
    "/finance/estates/{estate_id}/periods/{period}/close", status_code=status.HTTP_202_ACCEPTED
)
def close_period(
    estate_id: UUID,
    period: Period,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_CLOSE_ESTATE),
) -> CloseAsked:
    """Ask to close a period that has ended (in order, once); it closes, and its entries
    become immutable, when a second person approves (kind ``period_close``)."""
    command = ClosePeriod(actor=principal, estate_id=estate_id, period=period)
    approval_id, position = container(request).finance.ledger.close_period(command)
    return CloseAsked(
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )
