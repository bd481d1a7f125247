"""A PostgreSQL of its own for tests that stop it, and a container built on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from infrastructure.bootstrap import Container, build
from infrastructure.settings import Settings
from tests.faults.stoppable_postgres import StoppablePostgres


@pytest.fixture
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    server = StoppablePostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def outage_container(
    stoppable_postgres: StoppablePostgres, service_urls: tuple[str, str], tmp_path: Path
) -> Iterator[Container]:
    """The service on the stoppable server (Redis is the shared test one)."""
    _, redis_url = service_urls
    redis.Redis.from_url(redis_url).flushdb()
    settings = Settings(
        data_dir=tmp_path,
        database_url=stoppable_postgres.url,
        redis_url=redis_url,
        login_rate_limit_per_minute=1000,
        db_pool_size=4,
    )
    container = build(settings)
    try:
        yield container
    finally:
        container.close()
