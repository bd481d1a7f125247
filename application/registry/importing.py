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


def check_columns(table: Table, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    errors = [
        RowError(1, c, "required column is missing") for c in required if c not in table.columns
    ]
    known = set(required) | set(optional)
    errors += [RowError(1, c, "unknown column") for c in table.columns if c not in known]
    if errors:
        raise ImportRejected(errors, rows=len(table.rows))


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
    if cleaned in ("", "false", "no", "0", "n"):
        return False
    if cleaned in ("true", "yes", "1", "y"):
        return True
    raise ValidationFailed("true or false")


def relation(value: str) -> Relation:
    try:
        return Relation(value.strip().lower())
    except ValueError:
        raise ValidationFailed(f"one of {', '.join(Relation)}") from None


def matching(value: str, pattern: Pattern[str], column: str, hint: str) -> str | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    if not pattern.match(cleaned):
        raise ValidationFailed(f"{column}: {hint}")
    return cleaned
