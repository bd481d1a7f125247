"""Each read model reports its position, its lag in events and seconds, and its state."""

from __future__ import annotations

import time

import pytest

from bootstrap import Container
from infrastructure.database import apply_ddl
from projections.runtime import Projector
from replay.operations import rebuild_all
from tests.integration.store.test_projector import _Brittle, _register

pytestmark = pytest.mark.fresh_schema


def test_a_projector_behind_reports_its_lag_and_none_once_caught_up(
    container: Container,
) -> None:
    head = _register(container, 3)
    time.sleep(0.05)
    behind = {s.name: s for s in container.projector.status()}
    assert behind["audit_trail"].lag_events == head and behind["audit_trail"].position == 0
    assert behind["audit_trail"].lag_seconds >= 0.05
    assert behind["audit_trail"].state == "running"

    container.projector.catch_up()
    caught_up = {s.name: s for s in container.projector.status()}
    assert all(s.lag_events == 0 and s.lag_seconds == 0 for s in caught_up.values())


def test_a_failed_read_model_reports_its_error_and_a_rebuild_repairs_it(
    container: Container,
) -> None:
    brittle = _Brittle()
    container.projector.projections.append(brittle)
    apply_ddl(container.pool, brittle.ddl)
    _register(container, 4)
    container.projector.catch_up()
    failed = {s.name: s for s in container.projector.status()}["brittle"]
    assert failed.state == "failed" and failed.failed_position == 3
    assert "resident2" in str(failed.error) and failed.lag_events > 0

    brittle.broken = False  # the fix is deployed; rebuild it from scratch
    rebuild_all(container, ["brittle"])
    container.projector.catch_up()  # the projector forgets the failure the rebuild cleared
    repaired = {s.name: s for s in container.projector.status()}["brittle"]
    assert repaired.state == "running" and repaired.error is None
    assert repaired.position == container.event_log.head()
    other = Projector(container.event_log, container.pool, [brittle])
    assert other.catch_up() == 0
