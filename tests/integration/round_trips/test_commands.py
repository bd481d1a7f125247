"""Round trips to PostgreSQL per command (issue 15), counted where psycopg waits
for the server (``tests/support/round_trips.py``), warm: the caller's last
request left their principal kept and their user cached in this process.

Each test names what each round trip is for.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.api.test_object_scoping import PASSWORD
from tests.e2e.finance.conftest import FinanceWorld
from tests.support.round_trips import RoundTrips, counting

LOGIN, WORK_ORDER, PROFILE, ME, LIST, LIST_AFTER, OWN_WRITE = 3, 3, 3, 0, 1, 1, 2


def warm(fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch, send: Any) -> RoundTrips:
    """The second of two identical requests, counted; the first warms connections."""
    assert send().status_code < 300
    with counting(monkeypatch) as sent:
        response = send()
    assert response.status_code < 300, response.text
    # A statement run the fifth time on a connection is prepared then: once.
    assert sent["PREPARE"] <= 1, sent.log
    return sent


def test_a_login_reads_the_user_and_appends(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"username": "owner.1", "password": PASSWORD}
    sent = warm(fw, monkeypatch, lambda: fw.client.post("/api/v1/auth/login", json=body))
    # the user brought up to date (1: the previous login's events), the
    # LoginSucceeded append with its commit (1 pipeline)
    assert sent.database - sent["PREPARE"] == 2 <= LOGIN, sent.log
    assert sent["PIPELINE"] == 1, sent.log


def test_auth_me_reads_nothing_from_postgresql_while_the_user_is_unchanged(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = fw.owners[0].headers
    sent = warm(fw, monkeypatch, lambda: fw.client.get("/api/v1/auth/me", headers=me))
    # the principal kept: one Redis GET of the user's version, nothing else
    assert sent.database == ME, sent.log
    assert sent.redis == 1, sent.log


def test_a_residents_work_order_makes_three_round_trips(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"title": "Leaking tap", "description": "drips all night", "unit_id": fw.units[0]}
    headers = fw.owners[0].headers
    sent = warm(
        fw, monkeypatch, lambda: fw.client.post("/api/v1/workorders", json=body, headers=headers)
    )
    # the resident's homes from the registry's read model (1, autocommit), the
    # unit's estate from the unit's events (1), the append (1 pipeline)
    assert sent.database - sent["PREPARE"] == 3 <= WORK_ORDER, sent.log
    assert sent["BEGIN"] == sent["COMMIT"] == 0, sent.log


def test_a_staff_work_order_makes_two_round_trips(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"title": "Lift stuck", "description": "between floors", "estate_id": fw.estate_id}
    headers = fw.manager.headers
    sent = warm(
        fw, monkeypatch, lambda: fw.client.post("/api/v1/workorders", json=body, headers=headers)
    )
    # the estate exists (1: its events), the append (1 pipeline)
    assert sent.database - sent["PREPARE"] == 2 <= WORK_ORDER, sent.log


def test_a_profile_change_reads_the_user_once(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = fw.owners[0]
    phones = iter(["13800000001", "13800000002"])

    def change() -> Any:
        return fw.client.post(
            f"/api/v1/users/{owner.id}/profile", json={"phone": next(phones)}, headers=owner.headers
        )

    sent = warm(fw, monkeypatch, change)
    # the user, changed by the last request, read once for the principal (1),
    # then recalled for the command; the person's key to seal the phone (1,
    # autocommit); the append (1 pipeline)
    assert sent.database - sent["PREPARE"] == 3 <= PROFILE, sent.log
    # A PREPARE names the table too when psycopg prepares the read on the connection
    # it was handed (not counted above either): the reads are the statements run.
    events_read = [
        line for line in sent.log if "estatelog_events" in line and not line.startswith("PREPARE")
    ]
    assert len(events_read) == 1, sent.log  # the user, once


def test_a_list_route_is_one_statement_in_autocommit(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = fw.manager.headers
    sent = warm(fw, monkeypatch, lambda: fw.client.get("/api/v1/workorders", headers=headers))
    # the page of work orders (1), without BEGIN and COMMIT around it
    assert sent.database - sent["PREPARE"] == LIST, sent.log


def test_a_list_after_a_position_its_read_model_reached_makes_one_round_trip(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = fw.manager.headers
    body = {"title": "Lift stuck", "description": "between floors", "estate_id": fw.estate_id}
    position = fw.client.post("/api/v1/workorders", json=body, headers=headers).json()["position"]
    fw.settle("workorders")
    sent = warm(
        fw,
        monkeypatch,
        lambda: fw.client.get("/api/v1/workorders", params={"after": position}, headers=headers),
    )
    # the page (1): the first request saw the read model at the position, and
    # positions only grow (decision 0045); no head of the log, no connection
    # of its own to LISTEN on (those only while it is behind)
    assert sent.database - sent["PREPARE"] == LIST_AFTER, sent.log
    assert sent["CONNECT"] == sent["LISTEN"] == 0, sent.log


def test_the_first_read_after_the_callers_own_write_asks_the_read_models_position_once(
    fw: FinanceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = fw.manager.headers
    body = {"title": "Lift stuck", "description": "between floors", "estate_id": fw.estate_id}
    assert fw.client.get("/api/v1/workorders", headers=headers).status_code == 200
    assert fw.client.post("/api/v1/workorders", json=body, headers=headers).status_code == 201
    fw.settle("workorders")
    with counting(monkeypatch) as sent:
        response = fw.client.get("/api/v1/workorders", headers=headers)
    assert response.status_code == 200, response.text
    # no ?after=: the session's position came with the caller (one Redis MGET);
    # the read model's position (1), the page (1)
    assert sent.database - sent["PREPARE"] == OWN_WRITE, sent.log
    assert sent.redis == 1, sent.log
    assert sent["CONNECT"] == sent["LISTEN"] == 0, sent.log
