"""Read-your-writes: a query waits until its read model has reached a position.

The position is the last one the caller's session's commands answered with,
which every process learns from Redis with the caller (decision 0045), or a
later one the caller names: ``?after=P`` or, for clients that cannot touch
the query string, the ``X-Estatelog-After: P`` header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import Request
from psycopg_pool import ConnectionPool

from application.errors import NotFound
from infrastructure.autocommit import autocommitted
from interfaces.http.asof import reading_as_of
from interfaces.http.middleware import CALLER_STATE
from interfaces.http.problems import Problem
from interfaces.http.security import container
from projections.positions import applied
from projections.runtime import stopped_read_models, wait_for_position

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The default of the ``read_wait_seconds`` setting.
MAX_WAIT_SECONDS = 10.0
#: Retry-After of a read whose read model is behind: the projector's pace is
#: thousands of events a second; behind for 10 s it is busy, or stopped.
BEHIND_RETRY_SECONDS = 2
AFTER_HEADER = "x-estatelog-after"
#: How stale the list of stopped read models may be (one query a second at most).
STOPPED_CHECK_SECONDS = 1.0


def requested_position(request: Request, after: int | None) -> int | None:
    """The position the caller asked to read after, from the query or the header."""
    header = request.headers.get(AFTER_HEADER)
    if header is None:
        return after
    # ASCII digits only: int() would also read " 12", "1_000" and other scripts' digits.
    if not (header.isascii() and header.isdigit()):
        raise Problem(422, "X-Estatelog-After must be a position (a whole number)")
    from_header = int(header)
    if after is not None and after != from_header:
        raise Problem(422, "?after= and X-Estatelog-After name different positions")
    return from_header


class StoppedReadModels:
    """Which read models have stopped, as of at most a second ago (one per app)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.checked = float("-inf")
        self.stopped: dict[str, tuple[int, str]] = {}

    def refresh(self) -> None:
        try:
            with autocommitted(self.pool) as conn:
                self.stopped = stopped_read_models(conn)
        except Exception:  # the database is down: the query itself will say so
            log.debug("cannot read which read models stopped", exc_info=True)
        self.checked = time.monotonic()

    async def of(self, projection: str, *, fresh: bool = False) -> tuple[int, str] | None:
        if fresh or time.monotonic() - self.checked > STOPPED_CHECK_SECONDS:
            await anyio.to_thread.run_sync(self.refresh)
        return self.stopped.get(projection)


def _stopped(request: Request) -> StoppedReadModels:
    state = request.app.state
    if getattr(state, "stopped_read_models", None) is None:
        state.stopped_read_models = StoppedReadModels(container(request).pool)
    return state.stopped_read_models  # type: ignore[no-any-return]


def _unavailable(projection: str, failed_position: int, _error: str) -> Problem:
    # The error itself stays with operators (GET /api/v1/projections): its text
    # can quote an event's fields or a row of another estate.
    return Problem(
        503,
        f"the {projection} read model stopped at position {failed_position} and serves "
        "nothing until an operator fixes and resumes it (estatelog replay resume "
        f"{projection})",
        title="Read model stopped",
        headers={"Retry-After": "60"},
        read_model=projection,
        failed_position=failed_position,
    )


def serving(request: Request, *projections: str) -> None:
    """Answer 503 at once if one of these read models has stopped, for code that
    reads their tables from a worker thread (a command's checks, a helper shared
    by sync routes) rather than through :func:`reached`: a stopped read model's
    rows are stale, and a check on them could let the wrong caller through.
    A read as of a past position reads a finished build: nothing to check."""
    if reading_as_of(request) is not None:
        return
    stopped = _stopped(request)
    if time.monotonic() - stopped.checked > STOPPED_CHECK_SECONDS:
        stopped.refresh()
    for projection in projections:
        failure = stopped.stopped.get(projection)
        if failure is not None:
            raise _unavailable(projection, *failure)


def after_own_writes(request: Request, command: Callable[[], T], *projections: str) -> T:
    """Run ``command``, whose checks read ``projections``; if it is refused as
    not found while one of them has not yet applied the caller's own last write
    (decision 0045), wait for that write as a read does and run it once more.

    A clerk who has just moved a resident in logs that resident's repair at
    once, instead of being told the resident lives nowhere. A refused command
    appended nothing, so running it again is safe; a command that succeeds
    (nearly every one) costs no statement more."""
    try:
        return command()
    except NotFound:
        if not _waited_for_own_writes(request, projections):
            raise
    return command()


def _waited_for_own_writes(request: Request, projections: tuple[str, ...]) -> bool:
    """Wait until each of ``projections`` has applied the caller's last write:
    True if one had not, False if there was nothing to wait for; 503 if one
    does not get there."""
    written = written_position(request)
    known = _known(request)
    pool = container(request).pool
    waited = False
    for projection in projections:
        if not written or known.has(projection, written):
            continue
        now = _applied(pool, projection)
        known.saw(projection, now)
        # A session's position beyond the head is of another log (one restored since).
        position = min(written, container(request).event_log.head())
        if now >= position:
            continue
        wait = container(request).settings.read_wait_seconds
        if not wait_for_position(pool, projection, position, wait):
            stopped = _stopped(request)
            stopped.refresh()
            failure = stopped.stopped.get(projection)
            if failure is not None:
                raise _unavailable(projection, *failure)
            raise behind(projection, position, wait)
        known.saw(projection, position)
        waited = True
    return waited


class KnownPositions:
    """How far each read model was last seen to have applied, in this process.

    Positions only grow, so a read for a position at or below one seen here
    needs no statement to say the read model has it: a caller with nothing
    pending costs no round trip more. (A rebuild starts a read model again
    from nothing; its reads are partial meanwhile with or without this.)
    """

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def has(self, projection: str, position: int) -> bool:
        return self.seen.get(projection, 0) >= position

    def saw(self, projection: str, position: int) -> None:
        # A race between two threads only keeps the lower of two true positions.
        if position > self.seen.get(projection, 0):
            self.seen[projection] = position


def _known(request: Request) -> KnownPositions:
    state = request.app.state
    if getattr(state, "known_positions", None) is None:
        state.known_positions = KnownPositions()
    return state.known_positions  # type: ignore[no-any-return]


def written_position(request: Request) -> int:
    """The last position the caller's session's commands answered with, as
    Redis told when the caller was looked up (0 for none, or no caller)."""
    known = getattr(request.state, CALLER_STATE, None)
    caller = known[1] if known is not None else None
    return caller.written if caller is not None else 0


async def reached(
    request: Request, projection: str, after: int | None, *, at_least: int = 0
) -> None:
    """Return once ``projection`` has applied what the caller needs, or answer
    503 "read model behind"; answer 503 at once if it has stopped for good.

    What the caller needs is the latest of the position they asked for
    (``?after=``, ``X-Estatelog-After``), ``at_least`` (an as-of query needs
    everything up to its position) and the position their session's last
    command answered with (decision 0045): a caller reads their own writes
    without naming them. A position they asked for that the log has not
    reached is refused at once (422 with the head): no read model can reach
    it by waiting, and the wait would hold a worker.

    A read as of a past position (decision 0051) reads a finished as-of build,
    not the live read model: it waits for nothing.
    """
    if reading_as_of(request) is not None:
        return
    stopped = _stopped(request)
    failure = await stopped.of(projection)
    if failure is not None:
        raise _unavailable(projection, *failure)
    asked = max(requested_position(request, after) or 0, at_least)
    written = written_position(request)
    position = max(asked, written)
    known = _known(request)
    if not position or known.has(projection, position):
        return
    # Nearly always the read model is there already: one statement says so.
    # Only a read model still behind costs the head of the log and a
    # connection of its own to LISTEN on.
    pool = container(request).pool
    now = await anyio.to_thread.run_sync(_applied, pool, projection)
    known.saw(projection, now)
    if now >= position:
        return
    head = await anyio.to_thread.run_sync(container(request).event_log.head)
    if asked > head:
        raise Problem(
            422,
            f"position {asked} is beyond the head of the log ({head}); "
            "pass a position a command answered with",
            title="Position beyond the log",
            head=head,
        )
    # A session's position beyond the head is of another log (one restored
    # since): nothing can reach it, and the caller did not ask for it.
    position = max(asked, min(written, head))
    if now >= position:
        return
    wait = container(request).settings.read_wait_seconds
    if await anyio.to_thread.run_sync(wait_for_position, pool, projection, position, wait):
        known.saw(projection, position)
        return
    failure = await stopped.of(projection, fresh=True)
    if failure is not None:
        raise _unavailable(projection, *failure)
    raise behind(projection, position, wait)


def behind(projection: str, position: int, waited: float) -> Problem:
    """The answer for a read model that has not reached the caller's position:
    never the 404 or the old data its rows would give."""
    return Problem(
        503,
        f"the {projection} read model has not yet applied position {position}, which "
        f"holds your latest change, after {waited:g} s; what it holds is older. "
        "Retry in a few seconds",
        title="Read model behind",
        headers={"Retry-After": str(BEHIND_RETRY_SECONDS)},
        read_model=projection,
        position=position,
    )


def _applied(pool: ConnectionPool, projection: str) -> int:
    """The last position ``projection`` has applied (one statement, autocommit)."""
    with autocommitted(pool) as conn:
        now = applied(conn, projection)
    return int(now[0]) if now is not None else 0
