"""Read-your-writes: a query may wait until a read model has reached a position."""

from __future__ import annotations

import anyio

from infrastructure.bootstrap import Container
from interfaces.http.problems import Problem
from projections.runtime import wait_for_position

MAX_WAIT_SECONDS = 10.0


async def reached(container: Container, projection: str, after: int | None) -> None:
    """Return once ``projection`` has applied event ``after``, or answer 504."""
    if not after:
        return
    ok = await anyio.to_thread.run_sync(
        wait_for_position, container.pool, projection, after, MAX_WAIT_SECONDS
    )
    if not ok:
        raise Problem(
            504,
            f"the {projection} read model has not reached position {after} "
            f"within {MAX_WAIT_SECONDS:.0f} s; retry later",
            title="Read model behind",
        )
