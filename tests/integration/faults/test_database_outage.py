"""Commands while PostgreSQL is down, and just after it is back (issue 12, §6).

A real server of the test's own is stopped and started with ``pg_ctl``.
While it is down a command answers 503 problem+json with ``Retry-After``
within a few seconds (not 500 after half a minute); within a moment of the
server accepting connections again commands succeed; and a server that drops
every connection of the pools does not fail the next append.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.http.problems import PROBLEM_JSON
from tests.conftest import ADMIN_PASSWORD, bearer, login
from tests.integration.faults.stoppable_postgres import StoppablePostgres

PASSWORD = "a-long-enough-password-1"


def new_user(client: TestClient, headers: dict[str, str], name: str) -> httpx.Response:
    body: dict[str, Any] = {
        "username": name,
        "password": PASSWORD,
        "display_name": name.title(),
        "roles": ["owner"],
    }
    return client.post("/api/v1/users", json=body, headers=headers)


def read_users(client: TestClient) -> httpx.Response:
    """The users' list, read by a session that wrote nothing: no projector follows
    the log here, so the writer's own reads would wait for it and answer 503
    "read model behind" (decision 0045)."""
    return client.get("/api/v1/users", headers=bearer(login(client, "admin", ADMIN_PASSWORD)))


def events(server: StoppablePostgres) -> int:
    """The events of commands: not the outage's incident (level 1) and its alert,
    which the recorder appends once the server is back (decision 0047)."""
    # Counted, not read from the head: a crash makes the position sequence skip.
    with psycopg.connect(server.url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM estatelog_events WHERE topic NOT LIKE '%:Incident.%' "
            "AND topic NOT LIKE '%:AdminAlert.%'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["status"] == 503
    assert "request id" not in response.json()["detail"]


def test_a_command_answers_503_with_retry_after_while_the_database_is_down(
    outage_client: TestClient, outage_admin: dict[str, str], stoppable: StoppablePostgres
) -> None:
    assert new_user(outage_client, outage_admin, "before").status_code == 201
    stoppable.stop("immediate")

    started = time.monotonic()
    command = new_user(outage_client, outage_admin, "during")
    took = time.monotonic() - started
    assert_unavailable(command)
    assert took < 5, f"the 503 took {took:.1f} s"

    started = time.monotonic()
    keyed = new_user(outage_client, {**outage_admin, "Idempotency-Key": "k"}, "keyed")
    assert_unavailable(keyed)
    read = outage_client.get("/api/v1/users", headers=outage_admin)
    assert_unavailable(read)
    assert time.monotonic() - started < 5


def test_commands_succeed_within_two_seconds_of_the_database_returning(
    outage_client: TestClient,
    outage_admin: dict[str, str],
    outage_container: Container,
    stoppable: StoppablePostgres,
) -> None:
    for mode in ("immediate", "fast"):
        stoppable.stop(mode)
        assert_unavailable(new_user(outage_client, outage_admin, f"down-{mode}"))
        time.sleep(1.5)  # long enough for the pools' reconnect attempts to back off
        stoppable.start()
        back = time.monotonic()
        while (response := new_user(outage_client, outage_admin, f"up-{mode}")).status_code == 503:
            assert time.monotonic() - back < 2, "still 503 two seconds after the restart"
            time.sleep(0.05)
        assert response.status_code == 201, response.text
        assert time.monotonic() - back < 2
        assert read_users(outage_client).status_code == 200


def test_a_keyed_command_during_an_outage_leaves_nothing_behind(
    outage_client: TestClient,
    outage_admin: dict[str, str],
    outage_container: Container,
    stoppable: StoppablePostgres,
) -> None:
    headers = {**outage_admin, "Idempotency-Key": "during-the-outage"}
    before = events(stoppable)
    stoppable.stop("immediate")
    assert_unavailable(new_user(outage_client, headers, "kept"))
    stoppable.start()
    with psycopg.connect(stoppable.url) as conn:
        row = conn.execute("SELECT count(*) FROM idempotent_requests").fetchone()
    assert row == (0,)  # no key left half-way: the retry runs the command

    deadline = time.monotonic() + 5
    while (retried := new_user(outage_client, headers, "kept")).status_code == 503:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert retried.status_code == 201, retried.text
    assert retried.headers.get("idempotent-replayed") is None
    again = new_user(outage_client, headers, "kept")
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == retried.content
    assert events(stoppable) == before + 1


def test_dropping_every_connection_does_not_fail_the_next_append(
    outage_client: TestClient,
    outage_admin: dict[str, str],
    outage_container: Container,
    stoppable: StoppablePostgres,
) -> None:
    """More connections dropped than the old group-commit budget of ten
    attempts: the pool finds them dropped instead of spending an attempt on each."""
    event_pool = outage_container.event_log.chained_recorder.datastore.pool
    event_pool.wait(timeout=10)  # all twelve idle connections opened
    assert new_user(outage_client, outage_admin, "first").status_code == 201
    with psycopg.connect(stoppable.admin_url, autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = 'estatelog' AND pid <> pg_backend_pid()"
        ).fetchone()
    assert dropped is not None and dropped[0] > 10
    time.sleep(0.2)  # the backends are gone

    head = outage_container.event_log.head()
    response = new_user(outage_client, outage_admin, "second")
    assert response.status_code == 201, response.text
    assert outage_container.event_log.head() == head + 1
    assert read_users(outage_client).status_code == 200


def test_the_database_going_down_between_commit_and_answer_runs_nothing_twice(
    outage_client: TestClient,
    outage_admin: dict[str, str],
    outage_container: Container,
    stoppable: StoppablePostgres,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old order left such a key pending (409 for five minutes, then the
    command ran again); now the key was committed with the events."""
    store = outage_container.idempotency
    store_answer = store.answer

    def server_dies_first(*args: Any) -> None:
        stoppable.stop("immediate")
        store_answer(*args)

    monkeypatch.setattr(store, "answer", server_dies_first)
    headers = {**outage_admin, "Idempotency-Key": "commit-then-crash"}
    before = events(stoppable)
    first = new_user(outage_client, headers, "committed")
    assert first.status_code == 201  # committed; its answer could not be stored
    monkeypatch.undo()
    stoppable.start()

    deadline = time.monotonic() + 5
    while (retried := new_user(outage_client, headers, "committed")).status_code == 503:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert retried.status_code == 200, retried.text
    assert retried.headers.get("idempotent-replayed") == "true"
    assert retried.json() == {"position": first.json()["position"]}
    assert events(stoppable) == before + 1
