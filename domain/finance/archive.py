"""Items an aggregate keeps in two places: the open ones it works on, the settled in an archive.

A unit account's settled bills and payments are still asked about (an invoice
for a paid bill, the reversal of a payment of long ago), but a command never
needs to copy or scan them (decision 0033). So a :class:`Filed` holds its open
items in a plain dict, which a command's deep copy copies, and its settled ones
in an :class:`Archive`, which is never changed, only replaced, so the cached
aggregate and every copy of it share one (``__deepcopy__`` returns it).

A bucket is any mapping that is never changed: a dict here, or one a snapshot
decodes only when first read (decision 0040), so that a cold load of an old
account restores none of its settled items until one is asked for.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Buckets of an archive: replacing one item copies the bucket's index and one
#: bucket (about 1/64 of the items), not the whole archive.
WIDTH = 64
_MISSING: Any = object()
#: Values a copy shares: none of them can change. ``copy.deepcopy`` rebuilds a
#: UUID through its ``__reduce_ex__``, which was most of a payment's copy.
_SHARED = frozenset({str, int, bool, float, Decimal, UUID, date, datetime, type(None)})


def copy_open(value: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy(value, memo)``, sharing what cannot change.

    The plain containers an aggregate keeps (dict, list, set, tuple) are copied
    here, each once (``memo``: an object held twice is copied once, as
    ``deepcopy`` does); anything else goes to ``copy.deepcopy``.
    """
    kind = type(value)
    if kind in _SHARED:
        return value
    seen = memo.get(id(value), _MISSING)
    if seen is not _MISSING:
        return seen
    if kind is dict:
        copied: Any = {}
        memo[id(value)] = copied
        for k, v in value.items():
            copied[k if type(k) in _SHARED else copy_open(k, memo)] = (
                v if type(v) in _SHARED else copy_open(v, memo)
            )
    elif kind is list:
        copied = []
        memo[id(value)] = copied
        copied.extend(v if type(v) in _SHARED else copy_open(v, memo) for v in value)
    elif kind is set:
        copied = {v if type(v) in _SHARED else copy_open(v, memo) for v in value}
    elif kind is tuple:
        items = tuple(v if type(v) in _SHARED else copy_open(v, memo) for v in value)
        copied = value if all(a is b for a, b in zip(items, value, strict=True)) else items
    else:
        return copy.deepcopy(value, memo)
    memo[id(value)] = copied
    return copied


def copy_fields(source: object, copied: object, memo: dict[int, Any]) -> None:
    """Give ``copied`` a copy of ``source``'s attributes (:func:`copy_open`)."""
    memo[id(source)] = copied
    copied.__dict__.update(copy_open(source.__dict__, memo))


def _slot(key: Hashable) -> int:
    # Not ``hash()``: a str's hash changes from process to process, and a
    # snapshot keeps the buckets as they are.
    if isinstance(key, UUID):
        return key.int % WIDTH
    return zlib.crc32(str(key).encode()) % WIDTH


@dataclass(frozen=True, eq=False)
class Archive(Mapping[K, V]):
    """A map that is never changed: :meth:`with_` and :meth:`without` return a new one.

    Reading a key reads one bucket; replacing one copies that bucket alone.
    """

    buckets: tuple[Mapping[K, V], ...] = ()
    size: int = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> Archive[K, V]:
        return self  # shared: nothing ever changes it

    def __copy__(self) -> Archive[K, V]:
        return self

    def __getitem__(self, key: K) -> V:
        if not self.buckets:
            raise KeyError(key)
        return self.buckets[_slot(key)][key]

    def __contains__(self, key: object) -> bool:
        return bool(self.buckets) and key in self.buckets[_slot(key)]  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[K]:
        for bucket in self.buckets:
            yield from bucket

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def with_(self, key: K, value: V) -> Archive[K, V]:
        buckets: list[Mapping[K, V]] = list(self.buckets) or [{} for _ in range(WIDTH)]
        slot = _slot(key)
        bucket = dict(buckets[slot])
        grows = key not in bucket
        bucket[key] = value
        buckets[slot] = bucket
        return Archive(tuple(buckets), self.size + grows)

    def without(self, key: K) -> Archive[K, V]:
        if key not in self:
            return self
        buckets = list(self.buckets)
        slot = _slot(key)
        buckets[slot] = {k: v for k, v in buckets[slot].items() if k != key}
        return Archive(tuple(buckets), self.size - 1)


@dataclass(eq=False)
class Filed(Mapping[K, V], Generic[K, V]):
    """Items by key, open or archived; read as one mapping.

    Change an item only through :meth:`reopen` (which gives it back open, a copy
    if it was archived) and archive it with :meth:`settle`: an archived item is
    shared by every copy of the aggregate and must never change.
    """

    open: dict[K, V] = field(default_factory=dict)
    archive: Archive[K, V] = field(default_factory=Archive)

    def __getitem__(self, key: K) -> V:
        value = self.open.get(key, _MISSING)
        if value is _MISSING:
            return self.archive[key]
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return key in self.open or key in self.archive

    def __iter__(self) -> Iterator[K]:
        yield from self.open
        yield from self.archive

    def __len__(self) -> int:
        return len(self.open) + len(self.archive)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Filed):
            return self.open == other.open and self.archive == other.archive
        if isinstance(other, Mapping):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> Filed[K, V]:
        copied = Filed(copy_open(self.open, memo), self.archive)
        memo[id(self)] = copied
        return copied

    def add(self, key: K, value: V) -> None:
        """Keep ``value`` open under ``key``, in place of any archived one."""
        self.archive = self.archive.without(key)
        self.open[key] = value

    def reopen(self, key: K) -> V:
        """The item, open, to change: an archived one is copied out of the archive."""
        value = self.open.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[no-any-return]
        value = copy.deepcopy(self.archive[key])
        self.archive = self.archive.without(key)
        self.open[key] = value
        return value  # type: ignore[no-any-return]

    def settle(self, key: K) -> None:
        """Archive the open item ``key``; it must not change after this."""
        self.archive = self.archive.with_(key, self.open.pop(key))
