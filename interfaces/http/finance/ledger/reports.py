"""The statements of the books as xlsx and pdf reports: one table per currency.

Each builder takes the JSON body a statement route answers and lays it out
as an :class:`application.reporting.Report`, which ``interfaces/http/exports.py``
renders in the asked format. Exports are in Chinese by default (titles,
headers, account and line names: the chart's ``name_zh``); ``lang="en"``
gives English, with the Chinese title as the subtitle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from application.reporting import Column, Report, Table
from interfaces.http.finance.ledger.words import ZH, Lang, label, report_titles

#: The estates a statement covers, by name (None: every estate; decision 0053).
Estates = Sequence[str] | None


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, Decimal, date)):
        return value
    return str(value)


def table(
    title: str,
    columns: Sequence[tuple[str, str, str]],
    rows: Sequence[dict[str, Any]],
    totals: dict[str, Any] | None = None,
    lang: Lang = "en",
) -> Table:
    return Table(
        title=label(title, lang),
        columns=tuple(Column(k, label(t, lang), kind) for k, t, kind in columns),  # type: ignore[arg-type]
        rows=tuple(tuple(_cell(r.get(k)) for k, _, _ in columns) for r in rows),
        totals=None if totals is None else tuple(_cell(totals.get(k)) for k, _, _ in columns),
    )


def meta(body: dict[str, Any], estates: Estates, lang: Lang = "en") -> tuple[tuple[str, str], ...]:
    """The lines above the tables: the estates covered by name, the dates, the
    position, when it was made."""
    everything = label("all", lang)
    meta = [("Estates", everything if estates is None else "、".join(estates))]
    for key, name in (("from", "From"), ("to", "To"), ("at", "At")):
        if body.get(key) is not None:
            meta.append((name, str(body[key])))
    if body.get("as_of_position") is not None:
        meta.append(("As of position", str(body["as_of_position"])))
    meta.append(("Generated at", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")))
    return tuple((label(k, lang), v) for k, v in meta)


def _account(lang: Lang) -> list[tuple[str, str, str]]:
    """The account columns: its code, and its name in the export's language."""
    return [("account", "Account", "text"), ("name_zh" if lang == ZH else "name", "Name", "text")]


def _named(rows: Sequence[dict[str, Any]], key: str, lang: Lang) -> list[dict[str, Any]]:
    """The rows with ``key`` (a section, a category) in the export's language."""
    return [{**r, key: label(r[key], lang)} if key in r else r for r in rows]


def trial_balance_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [
        *_account(lang),
        ("opening", "Opening", "money"),
        ("debit", "Debit", "money"),
        ("credit", "Credit", "money"),
        ("closing", "Closing", "money"),
    ]
    total = {cols[1][0]: label("Total", lang)}
    tables = tuple(
        table(c, cols, [r for r in body["rows"] if r["currency"] == c], {**t, **total}, lang)
        for c, t in body["totals"].items()
    )
    return Report(*report_titles("Trial balance", lang), meta(body, estates, lang), tables)


def balance_sheet_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [("section", "Section", "text"), *_account(lang), ("balance", "Balance", "money")]
    name = cols[2][0]
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"section": section, **r}
            for section in ("assets", "liabilities", "equity")
            for r in body[section]
            if r["currency"] == c
        ]
        rows.append(
            {"section": "equity", name: label("Current result", lang), "balance": t["result"]}
        )
        check = label("Assets = liabilities + equity + result", lang)
        rows = _named(rows, "section", lang)
        tables.append(table(c, cols, rows, {name: check, "balance": t["assets"]}, lang))
    return Report(*report_titles("Balance sheet", lang), meta(body, estates, lang), tuple(tables))


def income_statement_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [("section", "Section", "text"), *_account(lang), ("amount", "Amount", "money")]
    net = {cols[2][0]: label("Net result", lang)}
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"section": section, **r}
            for section in ("revenue", "expense")
            for r in body[section]
            if r["currency"] == c
        ]
        rows = _named(rows, "section", lang)
        tables.append(table(c, cols, rows, {**net, "amount": t["net_result"]}, lang))
    lines = meta(body, estates, lang)
    return Report(*report_titles("Income statement", lang), lines, tuple(tables))


def cash_flow_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    cols = [("category", "Category", "text"), ("amount", "Amount", "money")]
    tables = []
    for c, t in body["totals"].items():
        rows = [
            {"category": "Opening cash", "amount": t["opening"]},
            *t["categories"],
            {"category": "Net change", "amount": t["net"]},
        ]
        closing = {"category": label("Closing cash", lang), "amount": t["closing"]}
        tables.append(table(c, cols, _named(rows, "category", lang), closing, lang))
    lines = meta(body, estates, lang)
    return Report(*report_titles("Cash flow statement", lang), lines, tuple(tables))


# Where and who by name (decision 0053); the JSON twin keeps their IDs beside them.
_PLACE = [("estate_name", "Estate", "text"), ("unit_number", "Unit", "text")]
_AGING_BILLS = [
    ("bill_id", "Bill", "text"),
    *_PLACE,
    ("debtors", "Debtors", "text"),
    ("currency", "Currency", "text"),
    ("due_on", "Due", "date"),
    ("days_past_due", "Days past due", "number"),
    ("bucket", "Bucket", "text"),
    ("outstanding", "Outstanding", "money"),
]


def _aging_tables(buckets: Sequence[str]) -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """The aging report's tables, by the name :func:`aging_batches` gives their rows."""
    sums = [
        ("currency", "Currency", "text"),
        *[(b, b, "money") for b in buckets],
        ("within 1 year", "within 1 year", "money"),
        ("total", "Total", "money"),
    ]
    return {
        "bills": ("Bills", _AGING_BILLS),
        "totals": ("Totals", sums),
        "units": ("By unit", [*_PLACE, *sums]),
        "debtors": ("By debtor", [*_PLACE, ("debtors", "Debtors", "text"), *sums]),
    }


def _aging_rows(name: str, rows: Sequence[dict[str, Any]], lang: Lang) -> list[dict[str, Any]]:
    if name in ("bills", "debtors"):
        rows = [{**d, "debtors": "、".join(d["payer_names"])} for d in rows]
    if name == "bills":
        return _named(rows, "bucket", lang)
    return list(rows)


def aging_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    rows = {
        "bills": body["bills"],
        "totals": [{"currency": c, **t} for c, t in body["totals"].items()],
        "units": body["units"],
        "debtors": body["debtors"],
    }
    return Report(
        *report_titles("Receivables aging", lang),
        meta(body, estates, lang),
        tuple(
            table(title, cols, _aging_rows(name, rows[name], lang), lang=lang)
            for name, (title, cols) in _aging_tables(body["buckets"]).items()
        ),
    )


def aging_file(
    head: dict[str, Any],
    estates: Estates,
    lang: Lang,
    batches: Iterable[tuple[str, list[dict[str, Any]]]],
) -> tuple[Report, Iterator[tuple[int, list[tuple[Any, ...]]]]]:
    """The aging report as a file that streams: its tables without rows (``head``
    is the body without them), and its rows as ``batches`` of
    ``projections.finance.statements.aging_batches`` bring them, per table index."""
    tables = _aging_tables(head["buckets"])
    report = Report(
        *report_titles("Receivables aging", lang),
        meta(head, estates, lang),
        tuple(table(title, cols, (), lang=lang) for title, cols in tables.values()),
    )
    index = {name: i for i, name in enumerate(tables)}

    def rows() -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        for name, found in batches:
            cols = tables[name][1]
            named = _aging_rows(name, found, lang)
            yield index[name], [tuple(_cell(r.get(k)) for k, _, _ in cols) for r in named]

    return report, rows()


_FUND_UNITS = [
    *_PLACE,
    ("currency", "Currency", "text"),
    ("opening", "Opening", "money"),
    ("deposits", "Deposits", "money"),
    ("spending", "Spending", "money"),
    ("closing", "Closing", "money"),
]
_FUND_BANK = [("currency", "Currency", "text"), ("balance", "Balance", "money")]


def fund_report(body: dict[str, Any], estates: Estates, lang: Lang = ZH) -> Report:
    bank = [{"currency": c, "balance": v} for c, v in body["fund_bank"].items()]
    total = label("Total", lang)
    totals = [{"estate_name": total, "currency": c, **t} for c, t in body["totals"].items()]
    return Report(
        *report_titles("Maintenance fund statement", lang),
        meta(body, estates, lang),
        (
            table("Units", _FUND_UNITS, [*body["units"], *totals], lang=lang),
            table("Fund bank account", _FUND_BANK, bank, lang=lang),
        ),
    )


def fund_file(
    head: dict[str, Any],
    estates: Estates,
    lang: Lang,
    batches: Iterable[tuple[str, list[dict[str, Any]]]],
) -> tuple[Report, Iterator[tuple[int, list[tuple[Any, ...]]]]]:
    """The fund statement as a file that streams (as :func:`aging_file`), from the
    batches of ``projections.finance.statements.fund_batches``."""
    report = Report(
        *report_titles("Maintenance fund statement", lang),
        meta(head, estates, lang),
        (
            table("Units", _FUND_UNITS, (), lang=lang),
            table("Fund bank account", _FUND_BANK, (), lang=lang),
        ),
    )
    total = label("Total", lang)

    def rows() -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        for name, found in batches:
            if name == "totals":
                found = [{"estate_name": total, **t} for t in found]
            index, cols = (1, _FUND_BANK) if name == "bank" else (0, _FUND_UNITS)
            yield index, [tuple(_cell(r.get(k)) for k, _, _ in cols) for r in found]

    return report, rows()


def owner_report(body: dict[str, Any], lang: Lang = ZH) -> Report:
    cols = [
        ("booked_on", "Date", "date"),
        ("memo", "Memo", "text"),
        ("account", "Account", "text"),
        ("debit", "Charged", "money"),
        ("credit", "Paid / credited", "money"),
        ("balance", "Balance", "money"),
    ]
    tables = tuple(
        table(
            c,
            cols,
            [{"memo": label("Opening balance", lang), "balance": s["opening"]}, *s["lines"]],
            {"memo": label("Closing balance", lang), "balance": s["closing"]},
            lang,
        )
        for c, s in body["currencies"].items()
    )
    owners = "、".join(o["name"] or "" for o in body["owners"])
    place = [
        ("Estate", body["estate_name"]),
        ("Building", body["building"]),
        ("Unit", body["unit_number"]),
        ("Owners", owners),
    ]
    lines = (*((label(k, lang), v or "") for k, v in place), *meta(body, [], lang)[1:])
    return Report(*report_titles("Owner statement", lang), lines, tables)
