"""An import file as rows, and the per-row report of a refused one.

Reading the file (CSV or xlsx) into a :class:`Table` is the caller's part
(``interfaces/importfiles.py``); the handler decides on every row at once.
Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record row 2. Blank rows are skipped but keep their numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from re import Pattern
from typing import Any

from domain.errors import DomainError, ValidationFailed
from domain.registry.unit import Relation, floor_number

MAX_ROWS = 20_000
MAX_REPORTED = 1_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    """The file was refused as a whole; ``errors`` says where and why. Nothing applied."""

    def __init__(self, errors: list[RowError], rows: int = 0) -> None:
        super().__init__(f"{len(errors)} error(s) in the import file")
        self.errors = errors
        self.rows = rows

    def report(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors[:MAX_REPORTED]]


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    #: Each column's header as the file wrote it (楼栋 for building), once renamed.
    headers: dict[str, str] = field(default_factory=dict)

    def refused(self, errors: list[RowError]) -> ImportRejected:
        """The refusal of this file for ``errors``, in row order, each column named
        as the file names it."""
        named = [RowError(e.row, self.headers.get(e.column or "", e.column), e.message)
                 for e in errors]  # fmt: skip
        return ImportRejected(sorted(named, key=row_order), rows=len(self.rows))


#: The Chinese header of each column, as a Chinese property office's sheet names it
#: (decision 0044); a file may use these or the English names, even mixed.
CHINESE_COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "楼号", "楼栋编号"),
    "number": ("房号", "房间号", "门牌号"),
    "floor": ("楼层",),
    "gross_area": ("建筑面积",),
    "internal_area": ("套内面积", "套内建筑面积"),
    "use": ("用途", "房屋用途"),
    "building_name": ("楼栋名称",),
    "unit": ("房号", "房间号", "门牌号"),
    "name": ("姓名",),
    "relation": ("关系", "身份", "与房屋关系"),
    "moved_in_on": ("入住日期", "迁入日期"),
    "phone": ("电话", "手机", "手机号", "联系电话"),
    "national_id": ("身份证号", "证件号码", "身份证号码"),
    "co_owner": ("共有人", "是否共有人"),
}


def check_columns(
    table: Table,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    chinese: dict[str, tuple[str, ...]] = CHINESE_COLUMNS,
) -> None:
    """Name ``table``'s columns by their English names, or refuse it: a required
    column missing, one unknown or one named twice (once in each language).
    ``chinese``: each column's Chinese headers (another context's sheet)."""
    known = (*required, *optional)
    english = {alias: c for c in known for alias in (c, *chinese.get(c, ()))}
    named = [english.get(c, c) for c in table.columns]
    errors = [RowError(1, c, "required column is missing") for c in required if c not in named]
    errors += [
        RowError(1, c, f"unknown column; the columns are {', '.join(known)} or their Chinese names")
        for c in table.columns
        if c not in english
    ]
    errors += [
        RowError(1, c, f"names the column {english[c]} a second time")
        for i, c in enumerate(table.columns)
        if c in english and english[c] in named[:i]
    ]
    if errors:
        raise ImportRejected(errors, rows=len(table.rows))
    renames = dict(zip(table.columns, named, strict=True))
    if any(old != new for old, new in renames.items()):
        table.headers = {new: old for old, new in renames.items()}
        table.columns = named
        table.rows = [(n, {renames[k]: v for k, v in row.items()}) for n, row in table.rows]


class Cells:
    """One row being read: each field parsed, each failure noted against its column."""

    def __init__(self, number: int, values: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.errors: list[RowError] = []

    def field(self, column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(self.values.get(column, ""))
        except DomainError as error:
            self.errors.append(RowError(self.number, column, _message(error, column)))
            return None


def _message(error: DomainError, column: str) -> str:
    detail = error.detail
    prefix = f"{column}: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail


def row_order(error: RowError) -> tuple[int, str]:
    return error.row, error.column or ""


def integer(value: str) -> int:
    try:
        return floor_number(int(value.strip()))
    except ValueError:
        raise ValidationFailed("a whole number") from None


def a_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("a date as YYYY-MM-DD") from None


def boolean(value: str) -> bool:
    cleaned = value.strip().lower()
    if cleaned in ("", "false", "no", "0", "n", "否"):
        return False
    if cleaned in ("true", "yes", "1", "y", "是"):
        return True
    raise ValidationFailed("true or false (是 or 否)")


#: The values of ``relation`` and ``use`` as a Chinese sheet writes them.
CHINESE_VALUES = {
    "业主": "owner",
    "住户": "resident",
    "家属": "resident",
    "租户": "tenant",
    "住宅": "residential",
    "商铺": "commercial",
    "商业": "commercial",
    "办公": "office",
    "储藏室": "storage",
    "其他": "other",
}


def english(value: str) -> str:
    """A cell's value in the English the domain names it by (``CHINESE_VALUES``)."""
    cleaned = value.strip().lower()
    return CHINESE_VALUES.get(cleaned, cleaned)


def relation(value: str) -> Relation:
    try:
        return Relation(english(value))
    except ValueError:
        raise ValidationFailed(f"one of {', '.join(Relation)} (业主, 住户, 租户)") from None


def matching(value: str, pattern: Pattern[str], column: str, hint: str) -> str | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    if not pattern.match(cleaned):
        raise ValidationFailed(f"{column}: {hint}")
    return cleaned
