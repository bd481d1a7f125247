"""Group commit: concurrent appends of one process share a transaction.

Callers queue their append and block on a lock of their own. Up to
``max_in_flight`` writer threads take every append queued so far (up to
``max_events``), write them in one transaction through ``write_group`` and
release each caller with its own outcome. Under load a group grows by itself
to the number of appends that arrived during one commit, so one fsync serves
many commands; with one caller a group is just that caller's append.

Two writers by default: while one holds the table lock and commits, the next
has already asked PostgreSQL for the lock, so the hand-over happens in the
server without a round trip through Python. The lock still admits one group
at a time. Writers start when appends arrive and end after a second idle.
Each caller is woken once, by its own lock: no herd of waiters wakes per
commit. A caller that finds nothing queued and nothing being written writes
its own append at once, so a quiet system pays no hand-off.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eventsourcing.persistence import StoredEvent

if TYPE_CHECKING:
    from application.ports import Number
    from infrastructure.idempotency import Claim


@dataclass(eq=False)
class PendingAppend:
    """One caller's append: its events, then its positions or its error."""

    events: Sequence[StoredEvent]
    claim: Claim | None = None  # an Idempotency-Key to claim in the same transaction
    numbers: Sequence[Number] = ()  # serials to assign under the lock (decision 0041)
    positions: list[int] | None = None
    error: BaseException | None = None
    released: threading.Lock = field(default_factory=threading.Lock)


GroupWriter = Callable[[list[PendingAppend]], None]


class GroupCommitter:
    """Runs ``write_group`` on batches of concurrently submitted appends.

    ``write_group`` must set ``positions`` or ``error`` on every append it is
    given; if it raises, the exception becomes the outcome of every append in
    the group that has neither.
    """

    def __init__(
        self,
        write_group: GroupWriter,
        *,
        max_events: int = 2000,
        max_in_flight: int = 2,
        idle_seconds: float = 1.0,
    ) -> None:
        self._write_group = write_group
        self._max_events = max_events
        self._max_in_flight = max_in_flight
        self._idle_seconds = idle_seconds
        self._queue: deque[PendingAppend] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._writers = 0
        self._idle_writers = 0
        self._busy = 0  # groups being written, by writers or inline
        self.groups_written = 0  # with appends_written: the mean group size, for operators
        self.appends_written = 0

    @property
    def max_groups_in_flight(self) -> int:
        """Writers plus one caller writing inline."""
        return self._max_in_flight + 1

    @property
    def queued(self) -> int:
        """Appends waiting for a group (not counting those being written)."""
        with self._cond:
            return len(self._queue)

    def submit(
        self,
        events: Sequence[StoredEvent],
        claim: Claim | None = None,
        numbers: Sequence[Number] = (),
    ) -> list[int]:
        """Append ``events`` atomically; their positions, or the append's own error."""
        mine = PendingAppend(events, claim, numbers)
        with self._cond:
            inline = not self._queue and not self._busy
            if inline:  # nothing else is being written: no hand-off to a writer
                self._busy += 1
                self._count([mine])
            else:
                mine.released.acquire()
                self._queue.append(mine)
                if self._idle_writers:
                    self._cond.notify()
                elif self._writers < self._max_in_flight:
                    self._writers += 1
                    threading.Thread(target=self._writer, name="group-commit", daemon=True).start()
        if inline:
            self._run([mine])
            with self._cond:
                self._busy -= 1
        else:
            mine.released.acquire()  # until a writer has this append's outcome
        if mine.error is not None:
            raise mine.error
        assert mine.positions is not None
        return mine.positions

    def _writer(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._idle_writers += 1
                    woken = self._cond.wait(self._idle_seconds)
                    self._idle_writers -= 1
                    if not woken and not self._queue:
                        self._writers -= 1
                        return
                group = self._take_group()
                self._busy += 1
                self._count(group)
            self._run(group)
            with self._cond:
                self._busy -= 1
            for pending in group:
                pending.released.release()

    def _take_group(self) -> list[PendingAppend]:
        group = [self._queue.popleft()]
        size = len(group[0].events)
        while self._queue and size + len(self._queue[0].events) <= self._max_events:
            pending = self._queue.popleft()
            size += len(pending.events)
            group.append(pending)
        return group

    def _count(self, group: list[PendingAppend]) -> None:
        self.groups_written += 1
        self.appends_written += len(group)

    def _run(self, group: list[PendingAppend]) -> None:
        try:
            self._write_group(group)
        except BaseException as exc:  # every caller must hear how its append ended
            for pending in group:
                if pending.positions is None and pending.error is None:
                    pending.error = exc
        for pending in group:
            if pending.positions is None and pending.error is None:
                pending.error = RuntimeError("group commit left an append without an outcome")
