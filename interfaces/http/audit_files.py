"""The audit trail as a CSV or Excel file, written a batch of rows at a time.

Both writers take the trail's rows in batches (``projections.audit.trail.
trail_batches``) and yield bytes: the CSV as each batch is written, the
workbook once it is whole, from a temporary file. Either way memory holds
one batch and a buffer, however many rows the file has.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from interfaces.http.language import EN, Lang

Batches = Iterable[list[tuple[Any, ...]]]

#: The trail's column titles in Chinese, the exports' default language
#: (``interfaces/http/language.py``); in English a column is titled by its name.
TITLES_ZH = {
    "position": "日志位置",
    "occurred_at": "发生时间",
    "aggregate_type": "对象类型",
    "event_type": "事件类型",
    "aggregate_id": "对象编号",
    "aggregate_version": "对象版本",
    "actor_id": "操作人编号",
    "actor_role": "操作人角色",
    "client_ip": "客户端IP",
    "user_agent": "客户端程序",
    "request_id": "请求编号",
    "correlation_id": "关联编号",
    "causation_id": "起因编号",
    "actor_name": "操作人",
    "estate_id": "小区编号",
    "estate_name": "小区",
    "unit_id": "房屋编号",
    "unit_number": "房号",
    "details": "详情",
}


def titles(columns: tuple[str, ...], lang: Lang) -> tuple[str, ...]:
    """The header row of an export in ``lang``."""
    return columns if lang == EN else tuple(TITLES_ZH.get(c, c) for c in columns)


CHUNK = 1 << 16


def csv_chunks(columns: tuple[str, ...], batches: Batches) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # BOM: Excel reads UTF-8 Chinese
    writer.writerow(columns)
    for rows in batches:
        for row in rows:
            writer.writerow([_defuse(v) for v in _cells(row)])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(columns: tuple[str, ...], batches: Batches) -> Iterator[bytes]:
    # A zip is written whole before it can be read: the write-only sheet
    # spills its rows to disk as they come, the finished file is read back.
    with tempfile.TemporaryFile() as file:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("audit")
        sheet.append(list(columns))
        for rows in batches:
            for row in rows:
                sheet.append([_printable(_defuse(v)) for v in _cells(row)])
        book.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk


def _cells(row: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for value in row:
        if isinstance(value, dict):
            out.append(orjson.dumps(value).decode())
        elif isinstance(value, datetime):
            out.append(value.isoformat())
        elif value is None:
            out.append("")
        else:
            out.append(str(value) if isinstance(value, UUID) else value)
    return out


def _printable(value: Any) -> Any:
    # A spreadsheet cell cannot hold C0 control characters; old events may (a user agent).
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _defuse(value: Any) -> Any:
    # A user agent such as "=HYPERLINK(...)" must not become a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
