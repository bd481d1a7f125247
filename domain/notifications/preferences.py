"""Each user's notification preferences: channels and contact addresses.

One aggregate per user (its ID derived from the user's), kept apart from the
``User`` aggregate: how someone wants to be told is not who they are. The
e-mail address and phone number arrive sealed by the vault.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.notifications.channels import parse_channels

PREFERENCES_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/notification-preferences")


def preferences_id_for(user_id: UUID) -> UUID:
    return uuid5(PREFERENCES_NAMESPACE, str(user_id))


class NotificationPreferences(Aggregate):
    """Which channels a user wants, and where to reach them."""

    @staticmethod
    def create_id(user_id: UUID, **_: Any) -> UUID:
        return preferences_id_for(user_id)

    @event("Created")
    def __init__(self, user_id: UUID, at: datetime) -> None:
        self.user_id = user_id
        self.channels: list[str] = ["in_app"]
        self.email_enc: str | None = None
        self.phone_enc: str | None = None

    def choose(
        self,
        channels: list[str],
        email_enc: str | None,
        phone_enc: str | None,
        contacts_given: bool,
        at: datetime,
    ) -> bool:
        """Record new choices; False when nothing changed (nothing is recorded)."""
        chosen = parse_channels(channels)
        changed = False
        if chosen != self.channels:
            self._channels_chosen(channels=chosen, at=at)
            changed = True
        if contacts_given and (email_enc, phone_enc) != (self.email_enc, self.phone_enc):
            self._contacts_changed(email_enc=email_enc, phone_enc=phone_enc, at=at)
            changed = True
        return changed

    @event("ChannelsChosen")
    def _channels_chosen(self, channels: list[str], at: datetime) -> None:
        self.channels = list(channels)

    @event("ContactsChanged")
    def _contacts_changed(self, email_enc: str | None, phone_enc: str | None, at: datetime) -> None:
        self.email_enc = email_enc
        self.phone_enc = phone_enc
