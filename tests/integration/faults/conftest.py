"""Fixtures for tests that take the database away: a server of their own.

The shared test server must never be stopped (other tests, and CI's second
run against the machine's PostgreSQL, use it); these tests get a
:class:`StoppablePostgres` per module and a container built on it. Redis is
the suite's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from bootstrap import Container, build
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.conftest import ADMIN_PASSWORD, bearer, drop_schema, login
from tests.integration.faults.stoppable_postgres import StoppablePostgres


@pytest.fixture(scope="module")
def stoppable() -> Iterator[StoppablePostgres]:
    server = StoppablePostgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def outage_container(
    stoppable: StoppablePostgres, service_urls: tuple[str, str], tmp_path: Path
) -> Iterator[Container]:
    stoppable.ensure_running()
    drop_schema(stoppable.url)
    redis_url = service_urls[1]
    redis.Redis.from_url(redis_url).flushdb()
    container = build(
        Settings(
            data_dir=tmp_path,
            database_url=stoppable.url,
            redis_url=redis_url,
            login_rate_limit_per_minute=1000,
            db_pool_size=12,  # more idle connections than the old retry budget of ten
        )
    )
    try:
        yield container
    finally:
        stoppable.ensure_running()
        container.close()


@pytest.fixture
def outage_client(outage_container: Container) -> Iterator[TestClient]:
    outage_container.identity.ensure_admin("admin", ADMIN_PASSWORD)
    with TestClient(
        create_app(outage_container), client=("203.0.113.7", 50000), raise_server_exceptions=False
    ) as c:
        yield c


@pytest.fixture
def outage_admin(outage_client: TestClient) -> dict[str, str]:
    return bearer(login(outage_client, "admin", ADMIN_PASSWORD))
