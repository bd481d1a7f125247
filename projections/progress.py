"""The application's ``ReadModelProgress`` port (``application/ports.py``),
answered from the projector's ``projection_positions`` table."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from projections.runtime import wait_for_position


class PositionWaiter:
    """Waits, on a connection of its own, until a read model has applied a position."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def wait(self, read_model: str, position: int, timeout: float) -> bool:
        return wait_for_position(self.pool, read_model, position, timeout)
