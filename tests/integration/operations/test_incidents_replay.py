"""Replay equals live for the incidents and the alerts read models."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from application.actor import system_acting_for
from application.operations import commands as c
from bootstrap import Container
from domain.operations.incidents import Level, Source, incident_id_for
from replay.asof import build_as_of
from replay.operations import rebuild_all
from replay.readmodels import live_schema, table_rows

TABLES = ("incidents", "admin_alerts")


def read_models(container: Container, schema: str | None = None) -> dict[str, Any]:
    with container.pool.connection() as conn:
        schema = schema or live_schema(conn)
        return {table: table_rows(conn, schema, table) for table in TABLES}


pytestmark = pytest.mark.fresh_schema

PLACES = [
    (Level.MINOR_ERROR, Source.API, "KeyError", "GET /api/v1/units"),
    (Level.BUSINESS_INTERRUPTED, Source.PROJECTOR, "read_model_stopped", "registry"),
    (Level.SYSTEM_CRASH, Source.INTEGRITY, "hash_chain_broken", "event_log"),
]


def test_incidents_and_alerts_rebuild_and_build_as_of_equal_to_live(
    container: Container,
) -> None:
    actor = system_acting_for(uuid4())
    ops = container.operations
    for level, *place in PLACES:
        for _ in range(3):
            container.incidents.record(level, *place, f"{place[1]} seen")
            assert container.incidents.flush()
    first, second, _ = (incident_id_for(*p[1:]) for p in PLACES)
    ops.acknowledge_incident(c.AcknowledgeIncident(actor, first))
    ops.resolve_incident(c.ResolveIncident(actor, first, cause="a bug", action="a fix"))
    ops.resolve_incident(c.ResolveIncident(actor, second, cause="disk", action="freed"))
    container.incidents.record(PLACES[1][0], *PLACES[1][1:], "seen again")  # reopens it
    assert container.incidents.flush()
    alert = next(
        n.originator_id
        for n in container.event_log.read(after=0, limit=1000)
        if "AdminAlert" in n.topic
    )
    ops.acknowledge_alert(c.AcknowledgeAlert(actor, alert))

    container.projector.catch_up()
    live = read_models(container)
    assert len(live["incidents"]) == 3 and len(live["admin_alerts"]) == 3
    projections = [
        p for p in container.projector.projections if p.name in ("incidents", "admin_alerts")
    ]
    head = container.event_log.head()
    as_of = build_as_of(
        container.event_log, container.database_url, projections, head, "estatelog_incidents"
    )
    built = read_models(container, as_of.schema)
    assert built == live
    rebuild_all(container)
    again = read_models(container)
    assert again == live
