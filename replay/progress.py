"""How far a long operation over the log has come, for whoever watches it.

A :data:`Progress` is called as the work goes, with the position in the log
it has reached and the number of events it has handled so far; the CLI draws
it as a bar with counts and a rate (``interfaces/cli/progress.py``). Calls
come from the working thread, a few times a second at most (once per batch).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def ignore(position: int, events: int) -> None:
    """The default: nobody is watching."""
