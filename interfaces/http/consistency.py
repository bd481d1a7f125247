"""Read-your-writes: a query may wait until a read model has reached a position.

The position comes from ``?after=P`` or, for clients that cannot touch the
query string, the ``X-Estatelog-After: P`` header; both name the position a
command answered with.
"""

from __future__ import annotations

import anyio
from fastapi import Request

from interfaces.http.problems import Problem
from interfaces.http.security import container
from projections.runtime import wait_for_position

MAX_WAIT_SECONDS = 10.0
AFTER_HEADER = "x-estatelog-after"


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


async def reached(
    request: Request, projection: str, after: int | None, *, at_least: int = 0
) -> None:
    """Return once ``projection`` has applied the requested position, or answer 504.

    ``at_least`` is a position the query itself needs (an as-of query needs
    everything up to its position), whatever the caller asked for. A position
    the log has not reached is refused at once (422 with the head): no read
    model can reach it by waiting, and the wait would hold a worker.
    """
    position = max(requested_position(request, after) or 0, at_least)
    if not position:
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
        raise Problem(
            504,
            f"the {projection} read model has not reached position {position} "
            f"within {MAX_WAIT_SECONDS:.0f} s; retry later",
            title="Read model behind",
        )
