"""An export of the audit trail is recorded, and only by those who may export."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.actor import Actor
from application.audit.exports import Exports, RecordExport
from application.errors import Forbidden
from domain.identity.policy import ROLE_PERMISSIONS, Role
from tests.support.memory import MemoryEventLog, memory_deps


def actor(role: Role) -> Actor:
    return Actor(uuid4(), role.value, role.value, ROLE_PERMISSIONS[role], "s")


def test_an_auditors_export_is_recorded_with_its_filters_and_size() -> None:
    deps = memory_deps()
    exports = Exports(deps.event_log, deps.clock)
    command = RecordExport(
        actor(Role.AUDITOR), "audit_trail", "csv", rows=12, filters={"event_type": "LoginFailed"}
    )
    position = exports.record(command)
    assert isinstance(deps.event_log, MemoryEventLog)
    (recorded,) = deps.event_log.domain_events()
    assert position == 1 and type(recorded).__name__ == "Recorded"
    assert (recorded.dataset, recorded.file_format, recorded.rows) == ("audit_trail", "csv", 12)
    assert recorded.filters == {"event_type": "LoginFailed"} and recorded.at == deps.clock()


def test_a_manager_may_not_export_the_trail() -> None:
    deps = memory_deps()
    with pytest.raises(Forbidden):
        Exports(deps.event_log, deps.clock).record(
            RecordExport(actor(Role.PROPERTY_MANAGER), "audit_trail", "xlsx", rows=0)
        )
    assert isinstance(deps.event_log, MemoryEventLog) and deps.event_log.head() == 0
