"""The statements that can grow without bound, as workbooks that stream
(decision 0036): the aging a bill a row, the fund statement a unit a row."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from interfaces.http.exports import export_stream
from interfaces.http.finance.ledger.reports import aging_file, fund_file
from interfaces.http.language import Lang, in_language
from interfaces.http.reads import streamed
from projections.finance import statements


def names_of(named: dict[UUID, str] | None) -> list[str] | None:
    return None if named is None else list(named.values())


def aging_file_of(
    request: Request, named: dict[UUID, str] | None, day: date, upto: int | None, lang: Lang
) -> Response:
    """The aging as a workbook that streams: a bill a row, as many as are open."""
    estates = None if named is None else list(named)
    batches = streamed(request, statements.aging_batches, estates, day, upto)
    head = {"at": day, "as_of_position": upto, "buckets": list(statements.AGING_BUCKETS)}
    report, rows = aging_file(head, names_of(named), lang, batches)
    return in_language(export_stream(report, rows, f"receivables-aging-{day}"), lang)


def fund_file_of(
    request: Request,
    named: dict[UUID, str] | None,
    date_from: date | None,
    date_to: date | None,
    upto: int | None,
    lang: Lang,
) -> Response:
    """The fund statement as a workbook that streams: a unit a row, as many as hold a fund."""
    estates = None if named is None else list(named)
    batches = streamed(request, statements.fund_batches, estates, date_from, date_to, upto)
    head = {"from": date_from, "to": date_to, "as_of_position": upto}
    report, rows = fund_file(head, names_of(named), lang, batches)
    return in_language(export_stream(report, rows, f"fund-{date_to or 'all'}"), lang)
