"""Which log position a moment stands for.

"As of time T" means "as of the last position whose event was recorded at or
before T". Positions are handed out in commit order and events are stamped
just before they are saved, so the timestamps rise with the position except
for concurrent commands a few milliseconds apart; the search below treats
them as ordered and returns one consistent prefix of the log. Statements
drawn as of a moment and replay's as-of builds both start here, so it sits
in the lower layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def recorded_at(event_log: Any, position: int) -> tuple[int, datetime] | None:
    """The first event at or after ``position``: its position and timestamp."""
    notes = event_log.recorder.select_notifications(position, 1)
    if not notes:
        return None
    event, _ = event_log.mapper_with_metadata.decode(notes[0])
    return notes[0].id, vars(event)["timestamp"]


def position_at(event_log: Any, moment: datetime) -> int:
    """The last position recorded at or before ``moment`` (0 before the first event)."""
    if moment.tzinfo is None:
        raise ValueError("a moment needs a timezone")
    low, high = 0, event_log.head()
    while low < high:
        middle = (low + high + 1) // 2
        found = recorded_at(event_log, middle)
        if found is None or found[1] > moment:
            high = middle - 1
        else:
            low = found[0]
    return low
