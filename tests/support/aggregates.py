"""Comparing aggregates field by field, types included.

``==`` takes a tuple for a list's equal no more, but takes ``"1"`` for no
UUID and ``1`` for ``Decimal(1)``: a restored state must have the same types,
not only values that compare equal, or the next command may behave otherwise.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from bootstrap import Container
from domain.finance.archive import Archive


def typed(value: Any) -> Any:
    """``value`` as nested (type name, content) pairs, comparable with ``==``."""
    kind = type(value).__qualname__
    if isinstance(value, Archive):
        # Bucket by bucket, as dicts: a snapshot's buckets are mappings that
        # decode when read (decision 0040), a fold's are dicts.
        return kind, value.size, [typed(dict(bucket)) for bucket in value.buckets]
    if isinstance(value, dict):
        return kind, sorted(((typed(k), typed(v)) for k, v in value.items()), key=repr)
    if isinstance(value, (list, tuple)):
        return kind, [typed(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return kind, sorted((typed(v) for v in value), key=repr)
    if is_dataclass(value) and not isinstance(value, type):
        return kind, [(f.name, typed(getattr(value, f.name))) for f in fields(value)]
    if isinstance(value, datetime) and value.tzinfo is not None:
        # The instant, in UTC as the log keeps times: a local time in a DST gap
        # compares unequal to its own UTC instant across zones (PEP 495).
        return kind, value.astimezone(UTC)
    return kind, value


def assert_same_state(restored: Any, full: Any, *, but: tuple[str, ...] = ()) -> None:
    """``restored`` holds what ``full`` holds, in the same types (``but`` these)."""
    assert type(restored) is type(full)
    mine, theirs = vars(restored), vars(full)
    assert sorted(mine) == sorted(theirs), type(full).__name__
    for name in set(theirs) - set(but):
        assert typed(mine[name]) == typed(theirs[name]), f"{type(full).__name__}.{name}"


def snapshot_versions(container: Container, aggregate_id: UUID) -> list[int]:
    """The versions the aggregate has snapshots of, oldest first."""
    with container.pool.connection() as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT originator_version FROM estatelog_snapshots WHERE originator_id = %s "
                "ORDER BY originator_version",
                [aggregate_id],
            )
        ]
