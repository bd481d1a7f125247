"""The world builders the demo loader uses (``interfaces/world.py``), for tests.

A test builds its estates, people and staff with the same commands as the
demo: one way to make a world, whoever makes it.
"""

from __future__ import annotations

from bootstrap import Container
from interfaces.world import WorldBuilder

__all__ = ["PASSWORD", "WorldBuilder", "world"]

PASSWORD = "a-long-enough-secret-1"


def world(container: Container, password: str = PASSWORD) -> WorldBuilder:
    """Builders that send their commands as the system actor, every account on ``password``."""
    return WorldBuilder(container, password)
