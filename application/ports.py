"""What application services need from the event store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

Ids = Callable[[], UUID]
"""Where every new record's ID comes from (random in production; a sequence in
tests, through ``bootstrap.build(ids=...)``). IDs derived from a natural key
(an estate's code, a unit's account) are not drawn from it."""


@dataclass(eq=False)
class Number:
    """Ask the append that saves ``originator_id`` to number it in ``series`` (decision 0041).

    The serial is taken under the append's table lock: one more than the
    greatest the series has given (or than ``floor``, whichever is greater),
    in the order of the numbered events' positions, so a series has no gaps
    and no two appends ever race for a serial. The numbered event is the
    aggregate's first one in the append unless ``version`` names another.
    The append sets ``serial`` once it has committed; an append that fails
    uses none.
    """

    series: str
    originator_id: UUID
    floor: int = 0
    version: int | None = None
    serial: int | None = None


class EventLogPort(Protocol):
    """The one event log: load aggregates, save them atomically, learn the position."""

    @property
    def repository(self) -> Any: ...

    def save_and_position(self, *aggregates: Any) -> int: ...

    def save_numbered(self, *aggregates: Any, numbers: Sequence[Number]) -> int:
        """Save atomically, numbering as asked (each ``Number.serial`` set); the position."""
        ...

    def serial_of(self, originator_id: UUID) -> int | None:
        """The serial the log gave the aggregate (its first numbered event), or None."""
        ...

    def save_bulk(self, aggregates: Iterable[Any], *, chunk_size: int = 1000) -> int:
        """Save many new aggregates atomically, in bounded memory; the last position."""
        ...

    def load_many(self, ids: Sequence[UUID]) -> dict[UUID, Any]:
        """The aggregates among ``ids`` that exist, rebuilt from one query."""
        ...

    def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        ...

    def recall(self, aggregate_id: UUID) -> Any | None:
        """A private copy of the aggregate as this process last saved it, read
        without a round trip, or None. It may be behind the log (another
        process appended since): only for commands that retry on the append's
        version conflict with a fresh load, which the conflict then forces."""
        ...

    def remember(self, *aggregates: Any) -> None:
        """Keep these just-saved aggregates for :meth:`recall`."""
        ...

    def version_at(self, aggregate_id: UUID, position: int) -> int | None:
        """The aggregate's last version recorded at or before ``position``."""
        ...

    def forget_snapshots(self, aggregate_id: UUID) -> None:
        """Delete the aggregate's snapshots (a cache of its events)."""
        ...


class ReadModelProgress(Protocol):
    """How far the read models have applied the log (read-your-writes for a command).

    A command that decides on a read model's rows (a period's digest, a
    compliance run) first waits for that read model to reach the head.
    """

    def wait(self, read_model: str, position: int, timeout: float) -> bool:
        """True once ``read_model`` has applied ``position``; False after ``timeout``
        seconds, or at once if it stopped before that position."""
        ...
