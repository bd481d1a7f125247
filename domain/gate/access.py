"""What door and gate controllers (门禁) report, as telemetry of their equipment.

A controller is equipment of kind ``door`` or ``gate``. Each event it
reports becomes a state reading of that equipment, so forced and held-open
doors raise alarms through the alarm lifecycle like any alarm state
(``domain/equipment/rules.py``: ``forced_open``, ``held_open``), and a door
closed again returns them to normal. A door held open for less than
:data:`HELD_OPEN_SECONDS` is no alarm: the controller reports it, nothing is
raised. An opening by a visitor pass is also recorded against the pass.
"""

from __future__ import annotations

from enum import StrEnum

#: A door open longer than this is held open (an alarm).
HELD_OPEN_SECONDS = 60


class AccessEvent(StrEnum):
    OPENED_BY_CARD = "opened_by_card"
    OPENED_BY_PASS = "opened_by_pass"  # noqa: S105 (an event name)
    FORCED_OPEN = "forced_open"
    HELD_OPEN = "held_open"
    CLOSED = "closed"


#: The state each event puts the controller in; an opening is a normal state.
STATES = {
    AccessEvent.OPENED_BY_CARD: "open",
    AccessEvent.OPENED_BY_PASS: "open",
    AccessEvent.FORCED_OPEN: "forced_open",
    AccessEvent.HELD_OPEN: "held_open",
    AccessEvent.CLOSED: "closed",
}


def state_of(event: AccessEvent, open_seconds: int | None) -> str:
    """The state reading of an event: a door held open briefly is just open."""
    if event is AccessEvent.HELD_OPEN and (open_seconds or 0) < HELD_OPEN_SECONDS:
        return "open"
    return STATES[event]
