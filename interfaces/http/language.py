"""The language of an export: Chinese unless the caller asks for English.

Exports (statement xlsx/PDF, the audit trail's CSV/xlsx) print their titles
and column names in Chinese, as Chinese offices file them (decision 0044).
A caller asks for English with ``Accept-Language: en`` (a browser in English
sends it) or ``?lang=en``; the query parameter wins, being the more deliberate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response

Lang = Literal["zh", "en"]
ZH: Lang = "zh"
EN: Lang = "en"

#: A route's ``lang`` parameter: absent, ``Accept-Language`` decides.
LangQuery = Annotated[
    Lang | None,
    Query(description="exports: zh or en; absent: Accept-Language decides, zh by default"),
]


def accepted(header: str | None) -> Lang:
    """The language ``Accept-Language`` prefers among ours (RFC 9110 12.5.4):
    the highest weight wins, the earlier on a tie; none of ours, or a header
    that cannot be read, is Chinese."""
    best: tuple[float, int, Lang] | None = None
    for index, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if weight <= 0:
            continue
        candidate = (-weight, index, ZH if primary == "zh" else EN)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else ZH


def export_language(request: Request, lang: Lang | None) -> Lang:
    """``lang`` if given, else what the request's ``Accept-Language`` prefers."""
    return lang if lang is not None else accepted(request.headers.get("accept-language"))


def in_language(response: Response, lang: Lang) -> Response:
    """``response`` marked with its language, and as one that varies with the header."""
    response.headers["Content-Language"] = "zh-CN" if lang == ZH else "en"
    response.headers["Vary"] = "Accept-Language"
    return response
