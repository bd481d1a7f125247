"""Every context's read models, in the order the projector applies them.

``bootstrap.py`` puts the identity context's own (the audit trail, logins, the
user directory, the alert outbox) before these: they need the log's schema.
A new context adds its ``read_models`` here.
"""

from __future__ import annotations

from projections import (
    approvals,
    community,
    equipment,
    finance,
    gate,
    meters,
    notifications,
    operations,
    parking,
    patrols,
    quality,
    registry,
    stores,
    tasks,
    workorders,
)
from projections.catalog import ReadModelDeps
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [
        *registry.read_models(deps),
        *equipment.read_models(deps),
        *workorders.read_models(deps),
        *approvals.read_models(deps),
        *community.read_models(deps),
        *stores.read_models(deps),
        *notifications.read_models(deps),
        *tasks.read_models(deps),
        *finance.read_models(deps),
        *gate.read_models(deps),
        *meters.read_models(deps),
        *operations.read_models(),
        *parking.read_models(deps),
        *quality.read_models(deps),
        *patrols.read_models(deps),
    ]
