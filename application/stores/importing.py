"""The parts catalogue from a CSV or xlsx file (物料档案导入): every row or none.

Columns (decision 0044's way: the headers a Chinese office writes, or the
English names, even mixed): 物料编码 / code, 物料名称 / name_zh, 英文名称 /
name (the Chinese name if left out), 计量单位 / unit (个 件 套 盒 米 升 千克
公斤 卷, or the English name), 物料类别 / category (电料 水暖 五金 暖通 电梯配件
消防 保洁用品 绿化 其他, or the English name). A code already in the catalogue,
or twice in the file, is an error of its row; any error refuses the file, each
named by its row and column as the file names it. Reading the file is the
caller's part (``interfaces/importfiles.py``, GBK accepted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.ports import EventLogPort
from application.registry.importing import Cells, RowError, Table, check_columns
from domain.errors import ValidationFailed
from domain.stores.part import Part
from domain.stores.rules import Category, Unit, code_of, part_id, text

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("物料编码", "编码", "物料代码"),
    "name_zh": ("物料名称", "名称"),
    "name": ("英文名称",),
    "unit": ("计量单位", "单位"),
    "category": ("物料类别", "类别"),
}
UNITS = {"个": "piece", "件": "piece", "只": "piece", "套": "set", "盒": "box", "米": "metre",
         "升": "litre", "千克": "kilogram", "公斤": "kilogram", "卷": "roll"}  # fmt: skip
CATEGORIES = {"电料": "electrical", "水暖": "plumbing", "五金": "hardware", "暖通": "hvac",
              "电梯配件": "lift", "消防": "fire", "保洁用品": "cleaning", "绿化": "greening",
              "其他": "other"}  # fmt: skip


@dataclass(frozen=True)
class ImportParts:
    """Add the file's parts to the company's catalogue (``stores:manage:any``)."""

    actor: Actor
    read: Callable[[], Table]


def _one_of(kind: type[Unit] | type[Category], names: dict[str, str], column: str) -> Any:
    def parse(value: str) -> str:
        value = value.strip()
        try:
            return kind(names.get(value, value.lower())).value
        except ValueError:
            known = ", ".join([*names, *(m.value for m in kind)])
            raise ValidationFailed(f"{column}: one of {known}") from None

    return parse


def parts_of(table: Table, log: EventLogPort, by: UUID, at: datetime) -> list[Part]:
    """The file's parts, or ``table.refused(...)`` naming every bad row."""
    check_columns(table, ("code", "name_zh", "unit", "category"), ("name",), COLUMNS)
    errors: list[RowError] = []
    parts: list[Part] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        cells = Cells(number, row)
        code = cells.field("code", code_of)
        name_zh = cells.field("name_zh", lambda v: text(v, "name_zh", 200))
        name = cells.field("name", lambda v: text(v, "name", 200) if v.strip() else "") or name_zh
        unit = cells.field("unit", _one_of(Unit, UNITS, "unit"))
        category = cells.field("category", _one_of(Category, CATEGORIES, "category"))
        if code is not None and seen.setdefault(code, number) != number:
            cells.errors.append(RowError(number, "code", f"repeats row {seen[code]} of this file"))
        if not cells.errors:
            parts.append(Part.register(code=code, name=name, name_zh=name_zh, unit=unit,
                                       category=category, by=by, at=at))  # fmt: skip
        errors += cells.errors
    known = log.load_many([part.id for part in parts])
    rows = {part_id(code): number for code, number in seen.items()}
    errors += [
        RowError(rows[part.id], "code", f"{part.code} is in the catalogue already")
        for part in parts
        if part.id in known
    ]
    if errors:
        raise table.refused(errors)
    return parts
