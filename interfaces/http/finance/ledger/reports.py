"""The statements of the books as xlsx and pdf reports: one table per currency.

Each builder takes the JSON body a statement route answers and lays it out
as an :class:`application.reporting.Report`, which ``interfaces/http/exports.py``
renders in the asked format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.reporting import Column, Report, Table


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, Decimal, date)):
        return value
    return str(value)


def _table(
    title: str,
    columns: Sequence[tuple[str, str, str]],
    rows: Sequence[dict[str, Any]],
    totals: dict[str, Any] | None = None,
) -> Table:
    return Table(
        title=title,
        columns=tuple(Column(k, t, kind) for k, t, kind in columns),  # type: ignore[arg-type]
        rows=tuple(tuple(_cell(r.get(k)) for k, _, _ in columns) for r in rows),
        totals=None if totals is None else tuple(_cell(totals.get(k)) for k, _, _ in columns),
    )


def _meta(body: dict[str, Any], estate_ids: list[UUID] | None) -> tuple[tuple[str, str], ...]:
    meta = [("Estates", "all" if estate_ids is None else ", ".join(map(str, estate_ids)))]
    for key, label in (("from", "From"), ("to", "To"), ("at", "At")):
        if body.get(key) is not None:
            meta.append((label, str(body[key])))
    if body.get("as_of_position") is not None:
        meta.append(("As of position", str(body["as_of_position"])))
    meta.append(("Generated at", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")))
    return tuple(meta)


ACCOUNT = [("account", "Account", "text"), ("name", "Name", "text")]


def trial_balance_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [
        *ACCOUNT,
        ("opening", "Opening", "money"),
        ("debit", "Debit", "money"),
        ("credit", "Credit", "money"),
        ("closing", "Closing", "money"),
    ]
    tables = tuple(
        _table(c, cols, [r for r in body["rows"] if r["currency"] == c], {"name": "Total", **t})
        for c, t in body["totals"].items()
    )
    return Report("Trial balance", "试算平衡表", _meta(body, estates), tables)


def balance_sheet_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [("section", "Section", "text"), *ACCOUNT, ("balance", "Balance", "money")]
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"section": section, **r}
            for section in ("assets", "liabilities", "equity")
            for r in body[section]
            if r["currency"] == c
        ]
        rows.append({"section": "equity", "name": "Current result", "balance": t["result"]})
        tables.append(
            _table(
                c,
                cols,
                rows,
                {"name": "Assets = liabilities + equity + result", "balance": t["assets"]},
            )
        )
    return Report("Balance sheet", "资产负债表", _meta(body, estates), tuple(tables))


def income_statement_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [("section", "Section", "text"), *ACCOUNT, ("amount", "Amount", "money")]
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"section": section, **r}
            for section in ("revenue", "expense")
            for r in body[section]
            if r["currency"] == c
        ]
        tables.append(_table(c, cols, rows, {"name": "Net result", "amount": t["net_result"]}))
    return Report("Income statement", "利润表", _meta(body, estates), tuple(tables))


def cash_flow_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [("category", "Category", "text"), ("amount", "Amount", "money")]
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"category": "Opening cash", "amount": t["opening"]},
            *t["categories"],
            {"category": "Net change", "amount": t["net"]},
        ]
        tables.append(_table(c, cols, rows, {"category": "Closing cash", "amount": t["closing"]}))
    return Report("Cash flow statement", "现金流量表", _meta(body, estates), tuple(tables))


def aging_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [
        ("bill_id", "Bill", "text"),
        ("unit_id", "Unit", "text"),
        ("currency", "Currency", "text"),
        ("due_on", "Due", "date"),
        ("days_past_due", "Days past due", "number"),
        ("bucket", "Bucket", "text"),
        ("outstanding", "Outstanding", "money"),
    ]
    buckets = [
        ("currency", "Currency", "text"),
        *[(b, b, "money") for b in body["buckets"]],
        ("within 1 year", "Within 1 year (1年以内)", "money"),
        ("total", "Total", "money"),
    ]
    totals = [{"currency": c, **t} for c, t in body["totals"].items()]
    return Report(
        "Receivables aging",
        "应收账款账龄分析",
        _meta(body, estates),
        (
            _table("Bills", cols, body["bills"]),
            _table("Totals", buckets, totals),
            _table("By unit", [("unit_id", "Unit", "text"), *buckets], body["units"]),
        ),
    )


def fund_report(body: dict[str, Any], estates: list[UUID] | None) -> Report:
    cols = [
        ("unit_id", "Unit", "text"),
        ("currency", "Currency", "text"),
        ("opening", "Opening", "money"),
        ("deposits", "Deposits", "money"),
        ("spending", "Spending", "money"),
        ("closing", "Closing", "money"),
    ]
    bank = [{"currency": c, "balance": v} for c, v in body["fund_bank"].items()]
    totals = [{"unit_id": "Total", "currency": c, **t} for c, t in body["totals"].items()]
    return Report(
        "Maintenance fund statement",
        "专项维修资金分户账",
        _meta(body, estates),
        (
            _table("Units", cols, [*body["units"], *totals]),
            _table(
                "Fund bank account",
                [("currency", "Currency", "text"), ("balance", "Balance", "money")],
                bank,
            ),
        ),
    )


def owner_report(body: dict[str, Any]) -> Report:
    cols = [
        ("booked_on", "Date", "date"),
        ("memo", "Memo", "text"),
        ("account", "Account", "text"),
        ("debit", "Charged", "money"),
        ("credit", "Paid / credited", "money"),
        ("balance", "Balance", "money"),
    ]
    tables = tuple(
        _table(
            c,
            cols,
            [{"memo": "Opening balance", "balance": s["opening"]}, *s["lines"]],
            {"memo": "Closing balance", "balance": s["closing"]},
        )
        for c, s in body["currencies"].items()
    )
    meta = (("Unit", str(body["unit_id"])), *_meta(body, [])[1:])
    return Report("Owner statement", "业主对账单", meta, tables)
