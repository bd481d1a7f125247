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
from uuid import UUID, SafeUUID

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


def _uuid_from_hex(data: str) -> UUID:
    # UUID(hex) parses and validates in Python; the stored hex was written
    # from a UUID, so build one straight from its integer (about 4x faster,
    # and every event carries at least one).
    value = int(data, 16)
    if not 0 <= value < 1 << 128 or len(data) != 32:
        return UUID(data)  # not ours: let UUID explain what is wrong
    uuid = _NEW_UUID(UUID)
    _SET(uuid, "int", value)
    _SET(uuid, "is_safe", _UNKNOWN_SAFETY)
    return uuid


_NEW_UUID = UUID.__new__
_SET = object.__setattr__
# Read once: an enum member's attribute lookup is a descriptor call every time.
_UNKNOWN_SAFETY = SafeUUID.unknown


def _untag_enum(data: Any) -> Enum:
    topic, value = data
    enum_class = resolve_topic(topic)
    if not (isinstance(enum_class, type) and issubclass(enum_class, Enum)):
        raise ValueError(f"stored enum topic {topic!r} does not name an Enum")
    return enum_class(_untag(value))


def _untag_dict(data: dict[str, Any]) -> dict[str, Any]:
    for key, value in data.items():
        data[key] = _untag(value)
    return data


_DECODERS: dict[str, Any] = {
    "uuid_hex": _uuid_from_hex,
    "datetime_iso": datetime.fromisoformat,
    "decimal_str": Decimal,
    "date_iso": date.fromisoformat,
    "enum": _untag_enum,
    "dict": _untag_dict,
    "set": lambda data: {_untag(v) for v in data},
    "bytes_hex": bytes.fromhex,
}


def _untag_tagged(kind: str, data: Any) -> Any:
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise ValueError(f"unknown stored type tag {kind!r}")
    return decoder(data)


def _untag(obj: Any) -> Any:
    # Hot on every read of the log: containers fresh from orjson.loads are
    # changed in place, scalars are never passed down a call, and a tag met
    # as a value is decoded on the spot rather than through another call.
    if type(obj) is dict:
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return _untag_tagged(obj["_type_"], obj["_data_"])
        for key, value in obj.items():
            kind = type(value)
            if kind is dict:
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    obj[key] = _untag_tagged(value["_type_"], value["_data_"])
                else:
                    obj[key] = _untag(value)
            elif kind is list:
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
