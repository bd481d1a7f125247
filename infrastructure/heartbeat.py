"""A process's heartbeat: a file whose modification time says its loop went round lately.

The projector, the scheduler and the worker run as services of their own in
production (docker-compose.yml); none serves HTTP, so a container
healthcheck cannot ask them. Each touches ``data_dir/alive/<role>`` when its
loop completes a round (the projector after a catch-up, the scheduler after
a tick, the worker while its threads live and Redis answers), at most once
every :data:`EVERY` seconds; ``estatelog alive ROLE`` exits 0 while the file
is younger than a limit. A process that hangs (a lock, a dead connection it
waits on) or cannot reach its servers stops beating, and the container is
reported unhealthy.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

EVERY = 5.0
ROLES = ("projector", "scheduler", "worker")


def heartbeat_path(data_dir: Path, role: str) -> Path:
    return data_dir / "alive" / role


class Heartbeat:
    """Touches its file, at most once every ``every`` seconds."""

    def __init__(self, path: Path, every: float = EVERY) -> None:
        self.path = path
        self.every = every
        self._last = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self.path.touch()
        os.utime(self.path)  # touch() keeps the time of an existing file on some systems


def seconds_since_beat(path: Path) -> float | None:
    """How long ago the file was touched; None if it never was."""
    try:
        return max(time.time() - path.stat().st_mtime, 0.0)
    except FileNotFoundError:
        return None
