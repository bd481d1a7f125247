"""What a read model is to the runtime and to replay: the protocols it implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import Notification


class Projection(Protocol):
    """A read model: tables, and how one event changes them.

    ``ddl`` and ``apply`` name tables without a schema, so replay can build
    them into a scratch schema (``replay/readmodels.py``). A follower with
    side effects (it enqueues jobs, sends mail) sets ``has_side_effects = True``
    and is never replayed. A change to ``ddl`` rebuilds the read model on the
    next start; so does raising an optional ``version: int`` attribute, for
    rows that must be written again under the same DDL (decision 0018).
    """

    @property
    def name(self) -> str: ...
    @property
    def ddl(self) -> Sequence[str]: ...
    @property
    def tables(self) -> Sequence[str]: ...

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None: ...


# One decoded event: (domain event, metadata, the stored notification).
Decoded = tuple[Any, dict[str, Any], Notification]


class BatchProjection(Projection, Protocol):
    """A read model that can also apply many events at once (the fast path when behind).

    ``apply_batch`` must leave exactly the rows that ``apply`` on each event in
    order would leave, and raise if any of them would fail: the caller then
    undoes the batch and replays it event by event, which names the failing
    event. It runs without a savepoint per event, so it may write with
    ``COPY`` or multi-row statements.
    """

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None: ...


class LogProjection(Projection, Protocol):
    """A read model written by SQL straight from the stored events, never decoded in Python.

    ``apply_positions`` writes the rows for the events after position ``after``
    up to ``upto`` inclusive, reading the log table itself (named with its
    schema: replay builds with the scratch schema alone on the search path);
    ``apply`` does the same for one event. The runtime hands such a read model
    a range of positions instead of decoded events, so events that only log
    projections read are never decoded at all. With ``nul_free`` it reads the
    stored JSON with NUL turned into U+FFFD (``projections/safetext.py``),
    slower: the callers ask for it only once a batch has failed.
    """

    def apply_positions(
        self, cur: psycopg.Cursor[Any], after: int, upto: int, *, nul_free: bool = False
    ) -> None: ...


def reads_the_log(projection: Projection) -> bool:
    return hasattr(projection, "apply_positions")


def batch_applier(projection: Projection) -> Any:
    """The projection's ``apply_batch``, or None if it has no fast path."""
    return getattr(projection, "apply_batch", None)
