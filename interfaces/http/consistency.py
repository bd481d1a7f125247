"""Read-your-writes: a query may wait until a read model has reached a position.

The position comes from ``?after=P`` or, for clients that cannot touch the
query string, the ``X-Estatelog-After: P`` header; both name the position a
command answered with.
"""

from __future__ import annotations

import logging
import time

import anyio
from fastapi import Request
from psycopg_pool import ConnectionPool

from infrastructure.autocommit import autocommitted
from interfaces.http.problems import Problem
from interfaces.http.security import container
from projections.positions import applied
from projections.runtime import stopped_read_models, wait_for_position

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 10.0
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
    rows are stale, and a check on them could let the wrong caller through."""
    stopped = _stopped(request)
    if time.monotonic() - stopped.checked > STOPPED_CHECK_SECONDS:
        stopped.refresh()
    for projection in projections:
        failure = stopped.stopped.get(projection)
        if failure is not None:
            raise _unavailable(projection, *failure)


async def reached(
    request: Request, projection: str, after: int | None, *, at_least: int = 0
) -> None:
    """Return once ``projection`` has applied the requested position, or answer 504;
    answer 503 at once if it has stopped (failed) for good.

    ``at_least`` is a position the query itself needs (an as-of query needs
    everything up to its position), whatever the caller asked for. A position
    the log has not reached is refused at once (422 with the head): no read
    model can reach it by waiting, and the wait would hold a worker.
    """
    stopped = _stopped(request)
    failure = await stopped.of(projection)
    if failure is not None:
        raise _unavailable(projection, *failure)
    position = max(requested_position(request, after) or 0, at_least)
    if not position:
        return
    # Nearly always the read model is there already: one statement says so.
    # Only a read model still behind costs the head of the log and a
    # connection of its own to LISTEN on.
    if await anyio.to_thread.run_sync(_applied, container(request).pool, projection, position):
        return
    head = await anyio.to_thread.run_sync(container(request).event_log.head)
    if position > head:
        raise Problem(
            422,
            f"position {position} is beyond the head of the log ({head}); "
            "pass a position a command answered with",
            title="Position beyond the log",
            head=head,
        )
    ok = await anyio.to_thread.run_sync(
        wait_for_position, container(request).pool, projection, position, MAX_WAIT_SECONDS
    )
    if not ok:
        failure = await stopped.of(projection, fresh=True)
        if failure is not None:
            raise _unavailable(projection, *failure)
        raise Problem(
            504,
            f"the {projection} read model has not reached position {position} "
            f"within {MAX_WAIT_SECONDS:.0f} s; retry later",
            title="Read model behind",
        )


def _applied(pool: ConnectionPool, projection: str, position: int) -> bool:
    """Whether ``projection`` has applied ``position`` (one statement, autocommit)."""
    with autocommitted(pool) as conn:
        now = applied(conn, projection)
    return now is not None and now[0] >= position
