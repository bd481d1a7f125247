"""A format-neutral model of a printable report (R5.3).

Statements build a :class:`Report`; renderers in ``infrastructure.reports`` turn
it into xlsx or PDF bytes. Nothing here does I/O.

Cell values are plain Python values: ``str``, ``int``, ``Decimal`` (money and
exact numbers -- never ``float`` for money), ``date``/``datetime`` or ``None``
for an empty cell. A column's ``kind`` tells the renderers how to format it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ColumnKind = Literal["text", "money", "number", "date"]


@dataclass(frozen=True)
class Column:
    """One column of a table: ``key`` is machine-facing, ``title`` is the header."""

    key: str
    title: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    """A titled grid; every row (and ``totals``, if given) has one cell per column."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    totals: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(
                    f"table {self.title!r}: row {index} has {len(row)} cells, expected {width}"
                )
        if self.totals is not None and len(self.totals) != width:
            raise ValueError(
                f"table {self.title!r}: totals have {len(self.totals)} cells, expected {width}"
            )


@dataclass(frozen=True)
class Report:
    """A document: title, optional subtitle, ``meta`` label/value lines, then tables.

    ``meta`` carries provenance such as ``("Estate", "Finance Garden")``,
    ``("Period", "2026-01 to 2026-03")``, ``("As of position", "1234")`` and
    ``("Generated at", "2026-04-01 09:00 UTC")``.
    """

    title: str
    subtitle: str = ""
    meta: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()
