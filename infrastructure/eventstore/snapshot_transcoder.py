"""orjson transcoding for snapshots: an aggregate's whole state, as it is.

Events carry arguments the domain chose to be JSON-shaped; an aggregate's
working state is richer: dicts keyed by UUIDs (or None), tuples, frozensets,
dataclasses such as a ``Bill``. A snapshot must come back as the same state a
full fold gives, so these are tagged too, with tags the event transcoder never
writes: events keep their own format, untouched (events are forever; a snapshot
is a cache of them, written and read only by this module).

Snapshots written before this module (``User``, ``ReceiptBook``) used the event
transcoder and carry the command metadata the event mapper stamps; its tags
are a subset of these, and the metadata is dropped on the way out.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from infrastructure.eventstore.mapper import META_KEY
from infrastructure.eventstore.transcoder import _is_tag, _tag, _untag_tagged


def _snap(obj: Any) -> Any:
    kind = type(obj)
    if kind is dict:
        if all(type(key) is str for key in obj):
            tagged = {key: _snap(value) for key, value in obj.items()}
            return {"_type_": "dict", "_data_": tagged} if _is_tag(tagged) else tagged
        return {"_type_": "mapping", "_data_": [[_snap(k), _snap(v)] for k, v in obj.items()]}
    if kind is list:
        return [_snap(value) for value in obj]
    if kind is tuple:
        return {"_type_": "tuple", "_data_": [_snap(value) for value in obj]}
    if kind is set or kind is frozenset:
        name = "set" if kind is set else "frozenset"
        return {"_type_": name, "_data_": [_snap(value) for value in sorted(obj, key=repr)]}
    if is_dataclass(obj) and not isinstance(obj, type):
        values = {f.name: _snap(getattr(obj, f.name)) for f in fields(obj)}
        return {"_type_": "dataclass", "_data_": [get_topic(kind), values]}
    return _tag(obj)  # scalars, UUIDs, Decimals, dates, enums, bytes: as in events


def _dataclass(data: Any) -> Any:
    topic, values = data
    cls = resolve_topic(topic)
    if not (isinstance(cls, type) and is_dataclass(cls)):
        raise ValueError(f"stored dataclass topic {topic!r} does not name a dataclass")
    # Past __init__ (and __post_init__'s checks): the values were valid when taken,
    # and frozen or slotted classes are set the same way.
    instance = cls.__new__(cls)
    for name, value in values.items():
        object.__setattr__(instance, name, _unsnap(value))
    return instance


_DECODERS: dict[str, Any] = {
    "dict": lambda data: {key: _unsnap(value) for key, value in data.items()},
    "mapping": lambda data: {_unsnap(k): _unsnap(v) for k, v in data},
    "tuple": lambda data: tuple(_unsnap(value) for value in data),
    "set": lambda data: {_unsnap(value) for value in data},
    "frozenset": lambda data: frozenset(_unsnap(value) for value in data),
    "dataclass": _dataclass,
}


def _unsnap(obj: Any) -> Any:
    if type(obj) is dict:
        if _is_tag(obj):
            decoder = _DECODERS.get(obj["_type_"])
            if decoder is not None:
                return decoder(obj["_data_"])
            return _untag_tagged(obj["_type_"], obj["_data_"])
        return {key: _unsnap(value) for key, value in obj.items()}
    if type(obj) is list:
        return [_unsnap(value) for value in obj]
    return obj


class SnapshotTranscoder(Transcoder):
    """Encodes a snapshot's state so that it decodes to an equal state."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(_snap(obj))

    def decode(self, data: bytes) -> Any:
        decoded = _unsnap(orjson.loads(data))
        decoded.pop(META_KEY, None)  # a snapshot written by the event mapper
        return decoded
