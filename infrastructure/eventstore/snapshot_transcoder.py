"""orjson transcoding for snapshots: an aggregate's whole state, as it is.

Events carry arguments the domain chose to be JSON-shaped; an aggregate's
working state is richer: dicts keyed by UUIDs (or None), tuples, frozensets,
dataclasses such as a ``Bill``. A snapshot must come back as the same state a
full fold gives, and fast: it is read in place of thousands of events. So it
has a format of its own, written and read only here (events keep theirs,
untouched: events are forever, a snapshot is a cache of them). A value of a
type JSON lacks is a dict of one key, the type's mark, ``{"$d": "312.50"}``,
less than half the event tags' bytes; a dict of the state that looks like one
(a single key starting with ``$``) is wrapped in ``{"$o": ...}``.

An :class:`~domain.finance.archive.Archive` (a unit account's settled items,
decision 0033) is stored as its size and its buckets, each a string of its
encoding compressed (``{"$A": [size, ["eJy...", ...]]}``, zlib then base64), and
comes back as buckets that decode on first read (:class:`LazyBucket`, decision
0040): reading the snapshot costs a string per bucket and a fifth of the bytes,
and a command that reads no archived item decodes none. A bucket never read is
written back as it came.

Snapshots written before this module (``User``, ``ReceiptBook``) used the event
transcoder's tags (``{"_type_": ..., "_data_": ...}``) and carry the command
metadata the event mapper stamps; they are still read, and the metadata is
dropped.
"""

from __future__ import annotations

import base64
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from domain.finance.archive import Archive
from infrastructure.eventstore.mapper import META_KEY
from infrastructure.eventstore.transcoder import (
    NaiveDatetimeError,
    _is_tag,
    _untag,
    _untag_enum,
    _uuid_from_hex,
)


def _snap(obj: Any) -> Any:
    kind = type(obj)
    if kind is str or kind is int or kind is bool or kind is float or obj is None:
        return obj
    if kind is dict:
        return _snap_dict(obj)
    if kind is list:
        return [_snap(value) for value in obj]
    if kind is UUID:
        return {"$u": obj.hex}
    if kind is Decimal:
        return {"$d": str(obj)}
    if kind is datetime:
        if obj.tzinfo is None:
            raise NaiveDatetimeError(f"naive datetime {obj!r}: give it a timezone")
        return {"$t": obj.astimezone(UTC).isoformat()}
    if kind is date:
        return {"$D": obj.isoformat()}
    if isinstance(obj, Enum):
        return {"$e": [get_topic(kind), _snap(obj.value)]}
    if kind is tuple:
        return {"$T": [_snap(value) for value in obj]}
    if kind is set or kind is frozenset:
        mark = "$s" if kind is set else "$f"
        return {mark: [_snap(value) for value in sorted(obj, key=repr)]}
    if kind is Archive:
        return {"$A": [obj.size, [_bucket_blob(bucket) for bucket in obj.buckets]]}
    if is_dataclass(obj) and not isinstance(obj, type):
        return {"$c": [get_topic(kind), {f.name: _snap(getattr(obj, f.name)) for f in fields(obj)}]}
    if kind is bytes:
        return {"$b": obj.hex()}
    raise TypeError(f"cannot store a {kind.__name__} in a snapshot: {obj!r}")


def _snap_dict(obj: dict[Any, Any]) -> Any:
    if all(type(key) is str for key in obj):
        values = {key: _snap(value) for key, value in obj.items()}
        if (len(values) == 1 and next(iter(values))[:1] == "$") or _is_tag(values):
            return {"$o": values}
        return values
    if all(type(key) is UUID for key in obj):
        return {"$U": {key.hex: _snap(value) for key, value in obj.items()}}
    return {"$m": [[_snap(key), _snap(value)] for key, value in obj.items()]}


def _bucket_blob(bucket: Mapping[Any, Any]) -> str:
    if type(bucket) is LazyBucket:
        return bucket.blob
    # Level 1: a fifth of the bytes at a third of level 6's time; the
    # snapshotter pays it once per bucket changed since the last snapshot.
    return base64.b64encode(zlib.compress(orjson.dumps(_snap(dict(bucket))), 1)).decode()


class LazyBucket(Mapping[Any, Any]):
    """An archive's bucket as a snapshot stored it, decoded when first read.

    The cached aggregate is shared by request threads, so the decode happens
    once, under a lock; the bucket never changes after it (an archive is
    replaced, never changed), so its stored text stays true and is what a new
    snapshot writes for it.
    """

    __slots__ = ("_items", "_lock", "blob")

    def __init__(self, blob: str) -> None:
        self.blob = blob
        self._items: dict[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def decoded(self) -> bool:
        return self._items is not None

    def _read(self) -> dict[Any, Any]:
        items = self._items
        if items is None:
            with self._lock:
                items = self._items
                if items is None:
                    items = _unsnap(orjson.loads(zlib.decompress(base64.b64decode(self.blob))))
                    self._items = items
        return items

    def __getitem__(self, key: Any) -> Any:
        return self._read()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._read()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __repr__(self) -> str:
        return f"LazyBucket({self._read()!r})" if self.decoded else "LazyBucket(<not read>)"


def _archive(data: Any) -> Archive[Any, Any]:
    size, blobs = data
    return Archive(tuple(LazyBucket(blob) for blob in blobs), size)


def _dataclass(data: Any) -> Any:
    topic, values = data
    cls = resolve_topic(topic)
    if not (isinstance(cls, type) and is_dataclass(cls)):
        raise ValueError(f"stored dataclass topic {topic!r} does not name a dataclass")
    # Past __init__ (and __post_init__'s checks): the values were valid when
    # taken; a frozen class is filled the same way.
    instance = cls.__new__(cls)
    values = _unsnap_in_place(values)
    if hasattr(instance, "__dict__"):
        instance.__dict__.update(values)
    else:
        for name, value in values.items():
            object.__setattr__(instance, name, value)
    return instance


_DECODERS: dict[str, Any] = {
    "$u": _uuid_from_hex,
    "$d": Decimal,
    "$t": datetime.fromisoformat,
    "$D": date.fromisoformat,
    "$e": _untag_enum,  # its value is a scalar, alike in both formats
    "$T": lambda data: tuple(_unsnap(value) for value in data),
    "$s": lambda data: {_unsnap(value) for value in data},
    "$f": lambda data: frozenset(_unsnap(value) for value in data),
    "$c": _dataclass,
    "$b": bytes.fromhex,
    "$o": lambda data: _unsnap_in_place(data),
    "$A": _archive,
    "$U": lambda data: {_uuid_from_hex(key): _unsnap(value) for key, value in data.items()},
    "$m": lambda data: {_unsnap(key): _unsnap(value) for key, value in data},
}


def _unsnap(obj: Any) -> Any:
    kind = type(obj)
    if kind is dict:
        if len(obj) == 1:
            for key, value in obj.items():
                if key[:1] == "$":
                    return _DECODERS[key](value)
        elif len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return _untag(obj)  # a snapshot in the event transcoder's format
        return _unsnap_in_place(obj)
    if kind is list:
        for i, value in enumerate(obj):
            if type(value) is dict or type(value) is list:
                obj[i] = _unsnap(value)
        return obj
    return obj


def _unsnap_in_place(obj: dict[str, Any]) -> dict[str, Any]:
    for key, value in obj.items():
        if type(value) is dict or type(value) is list:
            obj[key] = _unsnap(value)
    return obj


class SnapshotTranscoder(Transcoder):
    """Encodes a snapshot's state so that it decodes to an equal state."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(_snap(obj))

    def decode(self, data: bytes) -> Any:
        decoded = _unsnap(orjson.loads(data))
        decoded.pop(META_KEY, None)  # a snapshot written by the event mapper
        return decoded
