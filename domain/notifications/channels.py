"""Channels and priorities, and which channels one notification goes out on.

In-app is always on: the inbox is where every notification can be found
again. E-mail and SMS are opt-in per user. An urgent notification goes out on
every channel the user has an address for, whatever they chose: a trapped
passenger or a fire alarm must not wait for someone to open the app.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from domain.errors import ValidationFailed


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def parse_channels(values: Collection[str]) -> list[str]:
    """The chosen channels, validated, in a stable order (in-app always included)."""
    chosen = {Channel.IN_APP.value}
    for value in values:
        try:
            chosen.add(Channel(value).value)
        except ValueError:
            raise ValidationFailed(
                f"channel: one of {', '.join(c.value for c in Channel)}"
            ) from None
    return [c.value for c in Channel if c.value in chosen]


def parse_priority(value: str) -> str:
    try:
        return Priority(value).value
    except ValueError:
        raise ValidationFailed(f"priority: one of {', '.join(p.value for p in Priority)}") from None


def channels_for(
    priority: str, chosen: Collection[str], has_email: bool, has_phone: bool
) -> list[str]:
    """The channels a notification of ``priority`` goes out on for one user.

    ``chosen`` are the user's preferences (in-app is implied). A channel the
    user has no address for is still returned when chosen, so that the
    delivery history can say it was skipped and why.
    """
    if priority == Priority.URGENT:
        wanted = {Channel.IN_APP.value}
        if has_email or Channel.EMAIL.value in chosen:
            wanted.add(Channel.EMAIL.value)
        if has_phone or Channel.SMS.value in chosen:
            wanted.add(Channel.SMS.value)
    else:
        wanted = {Channel.IN_APP.value, *chosen}
    return [c.value for c in Channel if c.value in wanted]
