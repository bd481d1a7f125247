"""orjson transcoding for stored events.

orjson writes UUIDs, datetimes, dates and enums as plain strings, which would
not come back as the same types. Such values are tagged on the way in, as
``{"_type_": name, "_data_": value}`` (the eventsourcing library's own tag
format), and restored on the way out. Decimals are strings, never floats.
Datetimes must carry a timezone; they are stored as UTC.

A plain dict that happens to look like a tag (keys exactly ``_type_`` and
``_data_``, e.g. free-form JSON from a request) is itself wrapped in a
``dict`` tag, so stored data can never be read back as a tag it was not:
decoding resolves topics, and must only ever resolve the ones written here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic, resolve_topic


class NaiveDatetimeError(ValueError):
    """A datetime without a timezone cannot be stored: times are UTC."""


def _tag(obj: Any) -> Any:
    if isinstance(obj, dict):
        tagged = {k: _tag(v) for k, v in obj.items()}
        return {"_type_": "dict", "_data_": tagged} if _is_tag(tagged) else tagged
    if isinstance(obj, (list, tuple)):
        return [_tag(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        if isinstance(obj, Enum):
            return {"_type_": "enum", "_data_": [get_topic(type(obj)), obj.value]}
        return obj
    if isinstance(obj, UUID):
        return {"_type_": "uuid_hex", "_data_": obj.hex}
    if isinstance(obj, Decimal):
        return {"_type_": "decimal_str", "_data_": str(obj)}
    if isinstance(obj, datetime):
        if obj.tzinfo is None:
            raise NaiveDatetimeError(f"naive datetime {obj!r}: give it a timezone")
        return {"_type_": "datetime_iso", "_data_": obj.astimezone(UTC).isoformat()}
    if isinstance(obj, date):
        return {"_type_": "date_iso", "_data_": obj.isoformat()}
    if isinstance(obj, Enum):
        return {"_type_": "enum", "_data_": [get_topic(type(obj)), _tag(obj.value)]}
    if isinstance(obj, (set, frozenset)):
        return {"_type_": "set", "_data_": [_tag(v) for v in sorted(obj, key=repr)]}
    if isinstance(obj, bytes):
        return {"_type_": "bytes_hex", "_data_": obj.hex()}
    raise TypeError(f"cannot store a {type(obj).__name__} in an event: {obj!r}")


def _is_tag(obj: dict[str, Any]) -> bool:
    return len(obj) == 2 and "_type_" in obj and "_data_" in obj


def _untag_tagged(kind: str, data: Any) -> Any:
    if kind == "dict":
        for key, value in data.items():
            data[key] = _untag(value)
        return data
    if kind == "uuid_hex":
        return UUID(data)
    if kind == "decimal_str":
        return Decimal(data)
    if kind == "datetime_iso":
        return datetime.fromisoformat(data)
    if kind == "date_iso":
        return date.fromisoformat(data)
    if kind == "enum":
        topic, value = data
        enum_class = resolve_topic(topic)
        if not (isinstance(enum_class, type) and issubclass(enum_class, Enum)):
            raise ValueError(f"stored enum topic {topic!r} does not name an Enum")
        return enum_class(_untag(value))
    if kind == "set":
        return {_untag(v) for v in data}
    if kind == "bytes_hex":
        return bytes.fromhex(data)
    raise ValueError(f"unknown stored type tag {kind!r}")


def _untag(obj: Any) -> Any:
    # Hot on every read of the log: containers fresh from orjson.loads are
    # changed in place, and scalars are never passed down a call.
    if type(obj) is dict:
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return _untag_tagged(obj["_type_"], obj["_data_"])
        for key, value in obj.items():
            if type(value) is dict or type(value) is list:
                obj[key] = _untag(value)
        return obj
    if type(obj) is list:
        for i, value in enumerate(obj):
            if type(value) is dict or type(value) is list:
                obj[i] = _untag(value)
        return obj
    return obj


class OrjsonTranscoder(Transcoder):
    """Encodes event state to JSON bytes with orjson; see the module docstring."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(_tag(obj))

    def decode(self, data: bytes) -> Any:
        return _untag(orjson.loads(data))
