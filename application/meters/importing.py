"""An import file of meter readings: its rows matched to the estate's meters.

Columns (decision 0044: the headers as Chinese offices write them, or their
English names): 房号 / unit (the unit's number), 楼栋 / building (its
building's code: needed only where a number repeats across buildings),
表类型 / kind (水表 water, 电表 electricity, 燃气表 gas, or the English
name), 读数 / reading, 抄表日期 / read_on (YYYY-MM-DD). Any bad row refuses
the file, every error listed by row and column as the file names it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from application.meters.ports import MeterEntry
from application.registry.importing import RowError, Table
from domain.text import DECIMAL_TEXT

HEADERS = {
    "房号": "unit",
    "房间号": "unit",
    "楼栋": "building",
    "楼号": "building",
    "表类型": "kind",
    "读数": "reading",
    "本期读数": "reading",
    "抄表日期": "read_on",
}
KINDS = {
    "水表": "water",
    "水": "water",
    "电表": "electricity",
    "电": "electricity",
    "燃气表": "gas",
    "气表": "gas",
    "燃气": "gas",
    "water": "water",
    "electricity": "electricity",
    "gas": "gas",
}
REQUIRED = ("unit", "kind", "reading", "read_on")


def renamed(table: Table) -> None:
    """The table's columns under their English names, the file's headers kept."""
    for i, column in enumerate(table.columns):
        name = HEADERS.get(column)
        if name is None:
            continue
        table.headers[name] = column
        table.columns[i] = name
        for _, row in table.rows:
            row[name] = row.pop(column)


def matched_rows(table: Table, meters: list[MeterEntry]) -> list[tuple[int, UUID, str, date]]:
    """(row number, meter, reading, read_on) per row; ``table.refused(...)`` if any is bad."""
    renamed(table)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise table.refused([RowError(1, c, "the column is missing") for c in missing])
    by_unit: dict[tuple[str, str], list[MeterEntry]] = {}
    for entry in meters:
        if entry.unit_number is not None:
            by_unit.setdefault((entry.unit_number.upper(), entry.kind), []).append(entry)
    errors: list[RowError] = []
    out: list[tuple[int, UUID, str, date]] = []
    seen: set[UUID] = set()
    for number, row in table.rows:
        kind = KINDS.get(row["kind"].strip().lower())
        if kind is None:
            errors.append(RowError(number, "kind", f"{row['kind']!r}: 水表, 电表 or 燃气表"))
            continue
        try:
            read_on = date.fromisoformat(row["read_on"].replace("/", "-"))
        except ValueError:
            errors.append(RowError(number, "read_on", f"{row['read_on']!r}: a date, YYYY-MM-DD"))
            continue
        found = by_unit.get((row["unit"].strip().upper(), kind), [])
        building = (row.get("building") or "").strip().upper()
        if building:
            found = [e for e in found if (e.building_code or "").upper() == building]
        if len(found) != 1:
            problem = "no such meter" if not found else "several units so numbered: name 楼栋"
            errors.append(RowError(number, "unit", f"{row['unit']!r} ({kind}): {problem}"))
            continue
        if found[0].meter_id in seen:
            errors.append(RowError(number, "unit", "the meter's reading appears twice"))
            continue
        if not DECIMAL_TEXT.fullmatch(row["reading"].strip()):
            # As a body's decimals: Decimal() would read "1e3", "1_000" and "١٢٣".
            errors.append(RowError(number, "reading", f"{row['reading']!r}: digits 0-9, a point"))
            continue
        seen.add(found[0].meter_id)
        out.append((number, found[0].meter_id, row["reading"].strip(), read_on))
    if errors:
        raise table.refused(errors)
    return out
