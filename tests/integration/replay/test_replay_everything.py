"""Replay equals live for every read model of every context, on a living estate.

The demo estate exercises every context (registry, equipment and alarms,
work orders and plans, approvals, community, notifications, to-do lists);
after it, each read model rebuilt from the log, and each built as of the
head, must equal the live one row for row. A read model that stamps rows
with the time it ran, or depends on the order the projector met events in,
fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bootstrap import Container
from interfaces.cli.demo import load_demo
from replay.asof import build_as_of
from replay.operations import rebuild_all
from replay.readmodels import replayable
from tests.integration.replay.readmodel_rows import read_models

pytestmark = pytest.mark.fresh_schema


def test_every_read_model_of_a_living_estate_rebuilds_and_builds_as_of_equal_to_live(
    container: Container,
) -> None:
    summary = load_demo(container, password="a-long-enough-demo-pass", now=datetime.now(UTC))
    assert summary.loaded
    container.projector.catch_up()
    head = container.event_log.head()
    projections = replayable(container.projector.projections)
    assert all(container.projector.position(p.name) == head for p in projections)
    live = read_models(container)
    assert sum(len(rows) for rows in live.values()) > 500  # a living estate, not an empty one
    empty = sorted(table for table, rows in live.items() if not rows)

    as_of = build_as_of(
        container.event_log, container.database_url, projections, head, "estatelog_everything"
    )
    assert read_models(container, as_of.schema) == live

    rebuild_all(container)
    assert read_models(container) == live
    assert empty == sorted(table for table, rows in read_models(container).items() if not rows)
