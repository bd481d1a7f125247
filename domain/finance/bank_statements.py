"""Bank statements as Chinese banks export them: the layouts and one line's reading.

A statement file (CSV or xlsx, read into rows elsewhere) has a few title
rows (the bank's name, the account, the currency), then a header row, then
one row a transaction, perhaps a total row at the end. Banks name the same
columns differently; :data:`LAYOUTS` says which names each known layout
uses, and the header row decides the layout: the first one all of whose
required columns it has. Reading is pure: rows in, :class:`StatementLine`
out, or :class:`StatementRefused` naming each bad row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.errors import ValidationFailed


@dataclass(frozen=True)
class Layout:
    name: str
    columns: dict[str, str]  # field -> the header's name for it
    required: tuple[str, ...] = ("value_date", "debit", "credit", "balance", "serial")


#: The known layouts; a header with the columns of none is refused.
LAYOUTS = (
    Layout(
        "icbc",
        {
            "value_date": "交易日期",
            "time": "交易时间",
            "debit": "借方发生额",
            "credit": "贷方发生额",
            "balance": "余额",
            "counterparty": "对方户名",
            "counterparty_account": "对方账号",
            "memo": "摘要",
            "serial": "交易流水号",
        },
    ),
    Layout(
        "ccb",
        {
            "value_date": "交易日期",
            "time": "交易时间",
            "debit": "支出金额",
            "credit": "收入金额",
            "balance": "账户余额",
            "counterparty": "对方户名",
            "counterparty_account": "对方账号",
            "memo": "附言",
            "serial": "流水号",
        },
    ),
)
MAX_LINES = 20_000
TOTAL_ROW = re.compile(r"^(合计|总计|本页合计|累计|小计)")


@dataclass(frozen=True)
class StatementLine:
    row: int
    serial: str
    value_date: date
    time: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    counterparty: str
    counterparty_account: str
    memo: str


@dataclass(frozen=True)
class Statement:
    layout: str
    lines: list[StatementLine]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None
    message: str


class StatementRefused(ValidationFailed):
    """The file as a whole is refused; ``problems`` name each row. Nothing is imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        first = problems[0]
        super().__init__(f"row {first.row}: {first.message}")
        self.problems = problems


def read_statement(rows: list[tuple[int, list[str]]]) -> Statement:
    """The statement in ``rows`` (row number, cells as text), or :class:`StatementRefused`."""
    found = _header(rows)
    if found is None:
        names = " / ".join(
            f"{layout.name}: {', '.join(layout.columns[f] for f in layout.required)}"
            for layout in LAYOUTS
        )
        raise StatementRefused([RowProblem(1, None, f"no header row with the columns of {names}")])
    at, layout, index = found
    lines: list[StatementLine] = []
    problems: list[RowProblem] = []
    for number, cells in rows[at + 1 :]:
        if not any(cells) or TOTAL_ROW.match(cells[0] if cells else ""):
            continue
        line = _line(number, cells, layout, index, problems)
        if line is not None:
            lines.append(line)
    if not lines and not problems:
        problems.append(RowProblem(rows[at][0], None, "a header but no transactions"))
    if len(lines) > MAX_LINES:
        problems.append(RowProblem(0, None, f"at most {MAX_LINES} lines in one file; split it"))
    serials = [line.serial for line in lines]
    problems += [
        RowProblem(line.row, layout.columns["serial"], f"serial {line.serial} appears twice")
        for i, line in enumerate(lines)
        if line.serial in serials[:i]
    ]
    if problems:
        raise StatementRefused(problems)
    return Statement(layout.name, lines)


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, Layout, dict[str, int]] | None:
    for at, (_, cells) in enumerate(rows[:30]):
        names = [c.strip() for c in cells]
        for layout in LAYOUTS:
            if all(layout.columns[f] in names for f in layout.required):
                index = {f: names.index(n) for f, n in layout.columns.items() if n in names}
                return at, layout, index
    return None


def _line(
    number: int,
    cells: list[str],
    layout: Layout,
    index: dict[str, int],
    problems: list[RowProblem],
) -> StatementLine | None:
    def cell(name: str) -> str:
        i = index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    before = len(problems)

    def note(name: str, message: str) -> None:
        problems.append(RowProblem(number, layout.columns.get(name), message))

    value_date = _date(cell("value_date"))
    if value_date is None:
        note("value_date", f"not a date: {cell('value_date')!r}")
    amounts = {}
    for name in ("debit", "credit", "balance"):
        amount = _amount(cell(name))
        if amount is None:
            note(name, f"not an amount: {cell(name)!r}")
        amounts[name] = amount or Decimal(0)
    if len(problems) == before and min(amounts["debit"], amounts["credit"]) < 0:
        note("credit", "amounts in and out are never negative")
    elif len(problems) == before and (amounts["debit"] > 0) == (amounts["credit"] > 0):
        note("credit", "a line has money in or money out, one of them")
    if not cell("balance"):
        note("balance", "the balance after the line is missing")
    if not cell("serial"):
        note("serial", "the bank's serial number is missing")
    if len(problems) > before or value_date is None:
        return None
    return StatementLine(
        row=number,
        serial=cell("serial"),
        value_date=value_date,
        time=cell("time"),
        debit=amounts["debit"],
        credit=amounts["credit"],
        balance=amounts["balance"],
        counterparty=cell("counterparty"),
        counterparty_account=cell("counterparty_account"),
        memo=cell("memo"),
    )


def _date(text: str) -> date | None:
    digits = re.sub(r"[年月/.\-]", "-", text.split(" ")[0].split("T")[0]).rstrip("日-")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(digits, fmt).date()
        except ValueError:
            continue
    return None


def _amount(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace("\uff0c", "").replace("¥", "").replace("￥", "").strip()
    if cleaned in ("", "-", "--"):
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))
