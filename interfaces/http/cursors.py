"""Page cursors: opaque to the client, checked before they reach SQL.

A cursor carries the sort key of a page's last row. It is written as
base64url of a JSON array so that no value can be confused with a separator,
and read back with the types the query expects: a cursor that does not
decode to them (``?cursor=zzz``, a cursor of another list) is a 400 problem,
never a value handed to PostgreSQL to fail on.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson

from domain.text import control_characters
from interfaces.http.problems import Problem

# How each kind of sort key is written into a cursor and read back out.
_READERS: dict[type, Callable[[Any], Any]] = {
    str: lambda v: v if isinstance(v, str) and control_characters(v) is None else _bad(),
    int: lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _bad(),
    UUID: lambda v: UUID(v) if isinstance(v, str) else _bad(),
    datetime: lambda v: _aware(datetime.fromisoformat(v)) if isinstance(v, str) else _bad(),
    date: lambda v: date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 else _bad(),
}

# A sort key a cursor can carry.
Key = str | int | UUID | datetime | date


def _bad() -> Any:
    raise ValueError("wrong type")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive time")
    return moment


def encode_cursor(*keys: Key) -> str:
    """The cursor for a page that ended at the row with these sort keys."""
    raw = orjson.dumps([k.isoformat() if isinstance(k, date) else k for k in keys])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """The sort keys in ``cursor``, one of each of ``kinds``; a 400 problem if it holds other."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        return tuple(_READERS[kind](value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise Problem(
            400, "cursor: not a cursor of this list; pass next_cursor of the previous page"
        ) from None
