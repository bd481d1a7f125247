"""Read models of the notifications context, and the outbox that delivers.

The order matters a little: the preferences are applied before the outbox in
each round, so a channel just chosen is usually honoured by the next event.
"""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.notifications.outbox import NotificationOutbox
from projections.notifications.settings import PreferencesView, ReadReceipts, RemindersView
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [
        PreferencesView(deps.vault),
        RemindersView(),
        ReadReceipts(),
        NotificationOutbox(deps.deliveries),
    ]
