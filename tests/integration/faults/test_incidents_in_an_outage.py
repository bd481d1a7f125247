"""The database away is a level-1 incident, recorded when it is back (R6.2, decision 0047).

While the server is stopped every request answers 503 and the recorder can
append nothing: it keeps the occurrences in memory, and appends them, with
the administrators' alert, once the database answers again.
"""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.operations.incidents import Level, Source, incident_id_for
from tests.integration.faults.stoppable_postgres import StoppablePostgres
from tests.integration.faults.test_database_outage import assert_unavailable


def test_the_outage_waits_in_memory_and_is_recorded_when_the_database_is_back(
    outage_client: TestClient,
    outage_admin: dict[str, str],
    outage_container: Container,
    stoppable: StoppablePostgres,
) -> None:
    incidents = outage_container.incidents
    stoppable.stop("immediate")
    for _ in range(3):
        assert_unavailable(outage_client.get("/api/v1/users", headers=outage_admin))
    assert incidents.pending() == 1
    assert not incidents.flush()  # the log cannot take it: it stays
    assert incidents.pending() == 1

    stoppable.start()
    deadline = time.monotonic() + 20
    while not incidents.flush():
        assert time.monotonic() < deadline, "not recorded after the database came back"
        time.sleep(0.2)
    incident = outage_container.event_log.repository.get(
        incident_id_for(Source.API, "postgresql_unavailable", "postgresql")
    )
    assert incident.level == Level.SYSTEM_CRASH and incident.occurrences == 3
    assert incident.first_seen < incident.last_seen
    alerts = [
        n for n in outage_container.event_log.read(after=0, limit=1000) if "AdminAlert" in n.topic
    ]
    assert len(alerts) == 1
    outage_container.projector.catch_up()  # no projector thread runs here
    page = outage_client.get("/api/v1/incidents?level=1", headers=outage_admin)
    assert page.status_code == 200
    [shown] = page.json()["items"]
    assert (shown["kind"], shown["where"], shown["occurrences"]) == (
        "postgresql_unavailable",
        "postgresql",
        3,
    )
