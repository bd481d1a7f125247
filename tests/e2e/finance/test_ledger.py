"""The books through HTTP: manual journals, statements, as-of reads, period close."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from pypdf import PdfReader

from domain.errors import InvalidTransition
from domain.finance.accounts import (
    BANK,
    FUND_BANK,
    FUND_PAYABLE,
    PAID_IN_CAPITAL,
    RECEIVABLES,
)
from domain.finance.books import Books, ManualJournal, post
from projections.finance import statements
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.fonts import ASCII, build_font
from tests.e2e.finance.helpers import close_period, post_journal, reverse_journal

REVENUE = "6001.01"
SUPPLIES = "6602.02"


def line(account: str, debit: str = "0", credit: str = "0", **dims: Any) -> dict[str, Any]:
    return {"account": account, "debit": debit, "credit": credit, "currency": "CNY", **dims}


def journal(
    fw: FinanceWorld,
    booked_on: str,
    memo: str,
    *lines: dict[str, Any],
    status: int = 202,
    estate_id: str | None = None,
    who: Any = None,
) -> Any:
    """A manual journal asked by ``who`` (finance) and approved by a second person."""
    return post_journal(
        fw, booked_on, memo, list(lines), estate_id=estate_id, maker=who, status=status
    )


def statement(
    fw: FinanceWorld, kind: str, who: Any = None, status: int = 200, **params: Any
) -> Any:
    params.setdefault("estate_id", fw.estate_id)
    params = {k: v for k, v in params.items() if v is not None}
    return fw.get(f"/finance/statements/{kind}", who or fw.finance, status=status, **params)


def january_books(fw: FinanceWorld) -> dict[str, Any]:
    """Opening capital, a revenue, an expense (manual journals) and a fund deposit, booked
    in January."""
    fw.clock.set(2026, 1, 25)
    opening = journal(
        fw,
        "2026-01-01",
        "Opening balance",
        line(BANK, debit="100000.00"),
        line(PAID_IN_CAPITAL, credit="100000.00"),
    )
    time.sleep(0.05)
    between = datetime.now(UTC)
    time.sleep(0.05)
    revenue = journal(
        fw,
        "2026-01-10",
        "Property fee collected outside billing",
        line(BANK, debit="5000.00"),
        line(REVENUE, credit="5000.00"),
    )
    expense = journal(
        fw,
        "2026-01-20",
        "Office supplies",
        line(SUPPLIES, debit="1200.00"),
        line(BANK, credit="1200.00"),
    )
    # The fund moves through its own sub-ledger: a journal on 2241 is refused.
    fund = fw.post(
        "/finance/fund/deposits",
        fw.finance,
        {
            "unit_id": fw.units[0],
            "amount": "3000.00",
            "currency": "CNY",
            "method": "bank_transfer",
            "reference": "FUND-0001",
            "booked_on": "2026-01-21",
        },
        status=201,
    ).json()
    fw.settle("finance_ledger")
    return {
        "opening": opening,
        "revenue": revenue,
        "expense": expense,
        "fund": fund,
        "between": between,
    }


def test_malformed_journals_are_refused(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 1, 25)
    journal(
        fw,
        "2026-01-02",
        "Unbalanced",
        line(BANK, debit="10.00"),
        line(PAID_IN_CAPITAL, credit="9.99"),
        status=422,
    )
    journal(
        fw,
        "2026-01-02",
        "Receivables by hand",
        line(RECEIVABLES, debit="10.00"),
        line(REVENUE, credit="10.00"),
        status=422,
    )
    journal(
        fw,
        "2026-01-02",
        "Fund without a unit",
        line(FUND_BANK, debit="10.00"),
        line(FUND_PAYABLE, credit="10.00"),
        status=422,
    )
    journal(
        fw,
        "2026-01-02",
        "Unknown account",
        line("9999", debit="10.00"),
        line(BANK, credit="10.00"),
        status=422,
    )
    journal(
        fw,
        "2026-01-02",
        "Sub-cent",
        line(BANK, debit="10.001"),
        line(PAID_IN_CAPITAL, credit="10.001"),
        status=422,
    )
    journal(
        fw,
        "2026-01-02",
        "Float",
        {**line(BANK), "debit": 10.5},
        line(PAID_IN_CAPITAL, credit="10.50"),
        status=422,
    )
    journal(
        fw,
        "2026-02-02",
        "Future",
        line(BANK, debit="1.00"),
        line(PAID_IN_CAPITAL, credit="1.00"),
        status=422,
    )


def test_statements_agree_with_each_other(fw: FinanceWorld) -> None:
    january_books(fw)
    tb = statement(fw, "trial-balance", **{"from": "2026-01-01", "to": "2026-01-31"}).json()
    assert tb["totals"]["CNY"] == {
        "opening": "0.00",
        "debit": "109200.00",
        "credit": "109200.00",
        "closing": "0.00",
        "balanced": True,
    }
    bank = next(r for r in tb["rows"] if r["account"] == BANK)
    assert bank["closing"] == "103800.00"

    bs = statement(fw, "balance-sheet", at="2026-01-31").json()["totals"]["CNY"]
    assert (bs["assets"], bs["liabilities"], bs["equity"], bs["result"]) == (
        "106800.00",
        "3000.00",
        "100000.00",
        "3800.00",
    )
    assert bs["balanced"] is True

    pl = statement(fw, "income-statement", **{"from": "2026-01-01", "to": "2026-01-31"}).json()
    assert pl["totals"]["CNY"] == {
        "revenue": "5000.00",
        "expense": "1200.00",
        "net_result": "3800.00",
    }

    cf = statement(fw, "cash-flow", **{"from": "2026-01-05", "to": "2026-01-31"}).json()
    cny = cf["totals"]["CNY"]
    assert (cny["opening"], cny["net"], cny["closing"]) == ("100000.00", "6800.00", "106800.00")
    assert cny["reconciles"] is True
    assert {c["category"]: c["amount"] for c in cny["categories"]} == {
        "maintenance fund deposits": "3000.00",
        "other payments": "-1200.00",
        "other receipts": "5000.00",
    }

    fund = statement(fw, "fund", **{"from": "2026-01-01", "to": "2026-01-31"}).json()
    assert fund["fund_bank"] == {"CNY": "3000.00"}
    assert [(u["unit_id"], u["deposits"], u["closing"]) for u in fund["units"]] == [
        (fw.units[0], "3000.00", "3000.00")
    ]

    aging = statement(fw, "receivables-aging", at="2026-01-31").json()
    assert aging["bills"] == [] and aging["control"] == {}


def test_as_of_position_and_moment_leave_out_later_entries(fw: FinanceWorld) -> None:
    books = january_books(fw)
    before_revenue = books["revenue"]["position"] - 1
    tb = statement(fw, "trial-balance", as_of_position=before_revenue).json()
    assert {r["account"] for r in tb["rows"]} == {BANK, PAID_IN_CAPITAL}
    assert tb["as_of_position"] == before_revenue

    then = statement(fw, "income-statement", as_of=books["between"].isoformat()).json()
    assert then["revenue"] == [] and then["totals"] == {}

    entries = fw.get(
        "/finance/ledger/journal",
        fw.finance,
        estate_id=fw.estate_id,
        as_of_position=books["opening"]["position"],
    ).json()["items"]
    assert [e["memo"] for e in entries] == ["Opening balance"]
    assert [(x["account"], x["debit"]) for x in entries[0]["lines"]] == [
        (BANK, "100000.00"),
        (PAID_IN_CAPITAL, "0.00"),
    ]


def test_closed_period_is_frozen_and_corrections_reverse_today(fw: FinanceWorld) -> None:
    books = january_books(fw)
    base = f"/finance/estates/{fw.estate_id}/periods"
    fw.post(f"{base}/2026-01/close", fw.finance, status=409)  # January has not ended

    fw.clock.set(2026, 2, 2)
    fw.post(f"{base}/2026-02/close", fw.finance, status=409)
    close_period(fw, "2026-01")
    fw.post(f"{base}/2026-01/close", fw.finance, status=409)  # once

    closed = fw.get(base, fw.finance).json()["closed"]
    assert [c["period"] for c in closed] == ["2026-01"]
    with fw.container.pool.connection() as conn:
        digest = statements.period_digest(
            conn, fw.estate_id, "2026-01", closed[0]["through_position"]
        )
    assert closed[0]["digest"] == digest and len(digest) == 64

    journal(
        fw,
        "2026-01-31",
        "Late correction",
        line(BANK, debit="1.00"),
        line(PAID_IN_CAPITAL, credit="1.00"),
        status=409,
    )

    expense_id = books["expense"]["id"]
    reversal = reverse_journal(fw, expense_id, "booked twice")
    reverse_journal(fw, expense_id, "again", status=409)
    fw.settle("finance_ledger")
    entries = fw.get("/finance/ledger/journal", fw.finance, estate_id=fw.estate_id, limit=1).json()[
        "items"
    ]
    assert entries[0]["position"] == reversal["position"]
    assert entries[0]["booked_on"] == "2026-02-02"
    assert [(x["account"], x["debit"], x["credit"]) for x in entries[0]["lines"]] == [
        (SUPPLIES, "0.00", "1200.00"),
        (BANK, "1200.00", "0.00"),
    ]
    # January as closed is unchanged; February carries the correction.
    jan = statement(fw, "income-statement", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert jan.json()["totals"]["CNY"]["expense"] == "1200.00"
    feb = statement(fw, "income-statement", **{"from": "2026-02-01", "to": "2026-02-28"})
    assert feb.json()["totals"]["CNY"]["expense"] == "-1200.00"


def test_estate_scoping(fw: FinanceWorld) -> None:
    january_books(fw)
    statement(fw, "trial-balance", who=fw.other_finance, status=404)
    journal(
        fw,
        "2026-01-02",
        "Not mine",
        line(BANK, debit="1.00"),
        line(PAID_IN_CAPITAL, credit="1.00"),
        who=fw.other_finance,
        status=404,
    )
    own = statement(fw, "trial-balance", who=fw.other_finance, estate_id=None).json()
    assert own["rows"] == []

    everything = statement(fw, "trial-balance", who=fw.auditor, estate_id=None).json()
    assert everything["totals"]["CNY"]["debit"] == "109200.00"
    journal(
        fw,
        "2026-01-02",
        "Auditors do not book",
        line(BANK, debit="1.00"),
        line(PAID_IN_CAPITAL, credit="1.00"),
        who=fw.auditor,
        status=403,
    )
    fw.post(f"/finance/estates/{fw.estate_id}/periods/2025-12/close", fw.manager, status=403)


def test_owner_statement_is_for_the_unit_occupants(fw: FinanceWorld) -> None:
    january_books(fw)
    mine = fw.get(f"/finance/units/{fw.units[0]}/statement", fw.owners[0]).json()
    assert mine["unit_id"] == fw.units[0] and mine["currencies"] == {}
    fw.get(f"/finance/units/{fw.units[0]}/statement", fw.owners[1], status=404)
    fw.get(f"/finance/units/{fw.units[0]}/statement", fw.finance, status=200)
    fw.get(f"/finance/units/{fw.units[0]}/statement", fw.other_finance, status=404)


def test_statements_export_as_xlsx_and_pdf(fw: FinanceWorld) -> None:
    january_books(fw)
    for kind in statements_kinds():
        xlsx = statement(fw, kind, format="xlsx")
        assert xlsx.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert xlsx.content[:2] == b"PK"
        pdf = statement(fw, kind, format="pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    owner = fw.get(f"/finance/units/{fw.units[0]}/statement", fw.owners[0], format="pdf")
    assert owner.headers["content-type"] == "application/pdf"


def test_statement_pdfs_print_with_the_font_the_setting_names(
    fw: FinanceWorld, tmp_path: Path
) -> None:
    january_books(fw)
    font = build_font(tmp_path / "cjk.ttf", ASCII + "试算平衡表")

    fw.container.settings.pdf_font = "core"
    core = statement(fw, "trial-balance", format="pdf", lang="en").content
    fw.container.settings.pdf_font = str(font)
    cjk = statement(fw, "trial-balance", format="pdf", lang="en").content

    for pdf, font_name, subtitle in (
        (core, "Helvetica (core, Latin-1)", "[U+8BD5][U+7B97][U+5E73][U+8861][U+8868]"),
        (cjk, "EstatelogTest (cjk.ttf)", "试算平衡表"),
    ):
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.metadata is not None
        assert str(reader.metadata.producer).endswith(f"; font: {font_name}")
        assert reader.pages[0].extract_text().startswith(f"Trial balance\n{subtitle}\n")


def statements_kinds() -> list[str]:
    return [
        "trial-balance",
        "balance-sheet",
        "income-statement",
        "cash-flow",
        "receivables-aging",
        "fund",
    ]


def test_the_chart_is_listed(fw: FinanceWorld) -> None:
    chart = fw.get("/finance/accounts", fw.auditor).json()
    assert {a["code"] for a in chart} >= {BANK, RECEIVABLES, FUND_PAYABLE}


def test_a_bulk_run_projects_in_batches(fw: FinanceWorld) -> None:
    """Thousands of entries saved at once take the COPY path and book every line."""
    fw.clock.set(2026, 1, 25)
    count = 3000
    journals = (
        ManualJournal.post(
            id=uuid4(),
            estate_id=UUID(fw.estate_id),
            booked_on=fw.clock().date(),
            memo=f"bulk {i}",
            lines=[line(BANK, debit="1.25"), line(PAID_IN_CAPITAL, credit="1.25")],
            posted_by=UUID(fw.finance.id),
            at=fw.clock(),
        )
        for i in range(count)
    )
    started = time.perf_counter()
    fw.container.event_log.save_bulk(journals)
    fw.settle("finance_ledger")
    elapsed = time.perf_counter() - started
    tb = statement(fw, "trial-balance").json()
    assert tb["totals"]["CNY"]["debit"] == "3750.00" and tb["totals"]["CNY"]["balanced"]
    with fw.container.pool.connection() as conn:
        lines = conn.execute(
            "SELECT count(*) FROM finance_ledger_lines WHERE estate_id = %s", [fw.estate_id]
        ).fetchone()
    assert lines == (2 * count,)
    assert elapsed < 30, elapsed


def test_periods_close_in_order_after_they_end() -> None:
    estate, by, at = UUID(int=1), UUID(int=2), datetime(2026, 4, 2, tzinfo=UTC)
    books = Books(estate_id=estate, at=at)

    def close(period: str, today: date = date(2026, 4, 2)) -> None:
        books.close(
            period=period,
            today=today,
            first_entry=date(2026, 1, 15),
            through_position=10,
            digest="0" * 64,
            by=by,
            at=at,
        )

    with pytest.raises(InvalidTransition, match="earlier period 2026-01"):
        close("2026-02")
    with pytest.raises(InvalidTransition, match="not ended"):
        close("2026-04")
    close("2026-01")
    close("2026-02")
    with pytest.raises(InvalidTransition, match="already closed"):
        close("2026-02")
    assert books.is_closed(date(2026, 2, 28)) and not books.is_closed(date(2026, 3, 1))
    assert books.is_closed(date(2025, 6, 1))  # before a closed period is frozen too


def test_a_reversal_mirrors_the_lines_and_happens_once() -> None:
    at = datetime(2026, 3, 5, tzinfo=UTC)
    original = ManualJournal.post(
        id=uuid4(),
        estate_id=UUID(int=1),
        booked_on=date(2026, 1, 3),
        memo="Opening",
        lines=[line(BANK, debit="7.00"), line(PAID_IN_CAPITAL, credit="7.00")],
        posted_by=UUID(int=2),
        at=at,
    )
    reversal = original.reverse(
        reversal_id=uuid4(), by=UUID(int=2), reason="wrong", today=date(2026, 3, 5), at=at
    )
    entry = post("Posted", vars(reversal.collect_events()[0]))
    assert entry is not None and entry.check().booked_on == date(2026, 3, 5)
    assert [(x.account, x.debit, x.credit) for x in entry.lines] == [
        (BANK, 0, 7),
        (PAID_IN_CAPITAL, 7, 0),
    ]
    with pytest.raises(InvalidTransition):
        original.reverse(
            reversal_id=uuid4(), by=UUID(int=2), reason="again", today=date(2026, 3, 5), at=at
        )
    with pytest.raises(InvalidTransition):
        reversal.reverse(
            reversal_id=uuid4(), by=UUID(int=2), reason="undo", today=date(2026, 3, 5), at=at
        )
