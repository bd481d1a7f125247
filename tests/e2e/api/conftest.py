"""The two-estate world (``tests/support/estate_world.py``), built once and put back.

Building the world through the API takes 5-6 s of set-up; about twenty tests
read it (and some then act on it). It is built once per test process, its
rows copied out (``tests/support/snapshot.py``), and every test that asks for
``world`` starts from those rows put back into its emptied store, with the
world's secrets (the tokens of its actors are signed with its JWT key, its
people's names sealed with its master key) in the test's data directory. The
test then builds its own container on that store as any test does: what one
test changes, the next never sees.

The world is built again when it is older than ``MAX_AGE``: its actors'
access tokens live 15 minutes.
"""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bootstrap import Container, build
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from interfaces.runner import BackgroundRunner
from tests.conftest import (
    ADMIN_PASSWORD,
    TEST_PASSWORDS,
    bearer,
    login,
    reset_database,
    suite_client,
    suite_settings,
)
from tests.support.clock import Clock
from tests.support.estate_world import World, build_world
from tests.support.snapshot import Rows, copy_in, copy_out, missing_tables

MAX_AGE = 10 * 60  # seconds; the access tokens of the world's actors live 15 minutes


@dataclass(frozen=True)
class Saved:
    world: World
    rows: Rows
    secrets: Path
    built_at: float


class EstateWorlds:
    """Builds the world on first use (and when it has grown old), puts it back on demand."""

    def __init__(self, service_urls: tuple[str, str], tmp: pytest.TempPathFactory) -> None:
        self.database_url, self.redis_url = service_urls
        self.tmp = tmp
        self.saved: Saved | None = None

    def restore(self, settings: Settings) -> World:
        saved = self.saved
        if saved is None or time.monotonic() - saved.built_at > MAX_AGE:
            saved = self.saved = self._build()
        if missing_tables(self.database_url, saved.rows):
            # A test before this one dropped the schema: its tables, made as a
            # container makes them, to copy the rows into.
            build(settings, passwords=TEST_PASSWORDS).close()
        reset_database(self.database_url)
        copy_in(self.database_url, saved.rows)
        shutil.copytree(saved.secrets, settings.secrets_dir, dirs_exist_ok=True)
        return saved.world

    def _build(self) -> Saved:
        started = time.monotonic()
        reset_database(self.database_url)
        redis.Redis.from_url(self.redis_url).flushdb()
        settings = suite_settings(
            self.database_url, self.redis_url, self.tmp.mktemp("estate-world")
        )
        container = build(settings, clock=Clock(), passwords=TEST_PASSWORDS)
        runner = BackgroundRunner(container)
        runner.start(projector=True, workers=False)
        try:
            with suite_client(container) as client:
                admin = bearer(login(client, "admin", ADMIN_PASSWORD))
                world = build_world(client, admin, container)
        finally:
            runner.stop()
            container.close()
        return Saved(world, copy_out(self.database_url), settings.secrets_dir, started)


@pytest.fixture(scope="session")
def estate_worlds(
    service_urls: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EstateWorlds]:
    yield EstateWorlds(service_urls, tmp_path_factory)


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings; for a test of the world, its store holds the world."""
    if "world" in request.fixturenames:
        worlds: EstateWorlds = request.getfixturevalue("estate_worlds")
        worlds.restore(settings)
    return settings


@pytest.fixture
def world(settings: Settings, estate_worlds: EstateWorlds) -> World:
    assert estate_worlds.saved is not None  # put back by ``settings``
    # A copy: a test that notes a record in its world leaves the next one's alone.
    return copy.deepcopy(estate_worlds.saved.world)


TOKEN = "a-scrapers-token-of-at-least-32-characters"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def operated(running: Container) -> Iterator[TestClient]:
    """An API whose settings name the scraper's token (tests/e2e/api/test_operations.py)."""
    running.settings.metrics_token = SecretStr(TOKEN)
    running.identity.ensure_admin("admin", ADMIN_PASSWORD)
    with TestClient(create_app(running)) as client:
        yield client
