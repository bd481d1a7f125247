"""Real PostgreSQL and Redis for every test: embedded unless told otherwise.

``ESTATELOG_TEST_DATABASE_URL`` / ``ESTATELOG_TEST_REDIS_URL`` point the suite
at other servers (CI runs it again against the machine's own). Each test gets
an empty ``public`` schema and an empty Redis database.

Under pytest-xdist (``-n 2``) every worker has a database and a Redis
database of its own, so that one worker's reset never empties the store
another worker's test is using: on the embedded server a database per process
as for any run; on a given server ``<database>_<worker>`` (created, and dropped
at the end) and Redis database number ``<given> + <worker index>``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from bootstrap import Container, build
from infrastructure.embedded import EmbeddedServices, create_database
from infrastructure.passwords import Argon2Passwords
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from interfaces.runner import BackgroundRunner
from tests.support.clock import Clock
from tests.support.examples import QUICK, examples

ROOT = Path(__file__).resolve().parent.parent

# The properties that name no count of their own run Hypothesis's default
# (100), or a tenth of it in `make unit` (tests/support/examples.py).
hypothesis_settings.register_profile("quick", max_examples=examples(100))
if QUICK:
    hypothesis_settings.load_profile("quick")

ADMIN_PASSWORD = "moss-lantern-harbour-39"


def _worker() -> str | None:
    """This process's xdist worker (``gw0``, ``gw1``...), or None in a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _drop_database(url: str) -> None:
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_database_of(url)}" WITH (FORCE)')


def _worker_redis(url: str, worker: str) -> str:
    """Database ``<given> + <worker index>`` of the given Redis server."""
    parts = urlsplit(url)
    given = int(parts.path.lstrip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{given + index}"))


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    database_url = os.environ.get("ESTATELOG_TEST_DATABASE_URL")
    redis_url = os.environ.get("ESTATELOG_TEST_REDIS_URL")
    worker = _worker()
    own_database = False
    if not database_url:
        # One embedded server for all runs; a database of this process's own,
        # so that two runs (or two xdist workers) never reset each other's schema.
        embedded = EmbeddedServices(ROOT / "var" / "test", database=f"estatelog_test_{os.getpid()}")
        database_url = embedded.postgres_url()
        own_database = True
    elif worker:
        database_url = _with_database(database_url, f"{_database_of(database_url)}_{worker}")
        # Kept if a run killed before its end left it: each test empties it anyway.
        create_database(_with_database(database_url, "postgres"), _database_of(database_url))
        own_database = True
    own_redis = None
    if not redis_url:
        own_redis = EmbeddedServices(tmp_path_factory.mktemp("redis"))
        redis_url = own_redis.redis_url()
    elif worker:
        redis_url = _worker_redis(redis_url, worker)
    yield database_url, redis_url
    if own_redis:
        own_redis.stop_redis()
    if own_database:
        _drop_database(database_url)


def drop_schema(database_url: str) -> None:
    """No tables at all: a store as a fresh server has it (restore builds its own)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def reset_database(database_url: str) -> None:
    """An empty store for the next test, its tables kept.

    Deleting the rows of a test's few records is much cheaper than dropping
    the schema and creating its hundred-odd tables and indexes again, which
    used to be most of every test's set-up. Sequences start again at 1. The
    deletes go in one round trip: a hundred of them, one at a time, took
    0.25-0.45 s of every test's set-up at load 14 (0.05-0.18 s together).
    """
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        tables = conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = 'public'"
        ).fetchall()
        if not tables:
            return
        sequences = conn.execute(
            "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
            "WHERE schemaname = 'public'"
        ).fetchall()
        # The log refuses deletes by trigger (append-only); a test's reset is
        # the one place it may, as replication would (needs a superuser).
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f"DELETE FROM {table}" for (table,) in tables]
        statements += [f"ALTER SEQUENCE {sequence} RESTART" for (sequence,) in sequences]
        conn.execute("; ".join(statements))


@pytest.fixture
def settings(
    service_urls: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Settings:
    database_url, redis_url = service_urls
    if request.node.get_closest_marker("fresh_schema"):
        drop_schema(database_url)  # rebuilds swap tables in: start from none at all
    else:
        reset_database(database_url)
    redis.Redis.from_url(redis_url).flushdb()
    return suite_settings(database_url, redis_url, tmp_path)


def suite_settings(database_url: str, redis_url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        login_rate_limit_per_minute=1000,
        db_pool_size=4,
    )


@pytest.fixture
def clock() -> Clock:
    """The container's clock: real time until the test sets it."""
    return Clock()


# argon2id with the least work it allows: the same code and hash format as the
# service's, at microseconds a hash instead of tens of milliseconds. Every user a
# test creates and every login it makes hashes once, which made passwords a
# second of the two-estate world's set-up. The tests about hashing itself
# (test_password_policy.py) put the production parameters back on the service.
TEST_PASSWORDS = Argon2Passwords(time_cost=1, memory_cost=8)


@pytest.fixture
def container(settings: Settings, clock: Clock) -> Iterator[Container]:
    c = build(settings, clock=clock, passwords=TEST_PASSWORDS)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def running(container: Container) -> Iterator[Container]:
    """The container with its projector following the log, as in production."""
    runner = BackgroundRunner(container)
    runner.start(projector=True, workers=False)
    try:
        yield container
    finally:
        runner.stop()


@pytest.fixture
def client(running: Container) -> Iterator[TestClient]:
    with suite_client(running) as c:
        yield c


def suite_client(running: Container) -> TestClient:
    """An HTTP client of ``running``'s API, its first administrator created."""
    running.identity.ensure_admin("admin", ADMIN_PASSWORD)
    return TestClient(create_app(running), client=("203.0.113.7", 50000))


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    """Authorization headers of the first administrator."""
    return bearer(login(client, "admin", ADMIN_PASSWORD))


def given_estate(container: Container, estate_id: object) -> None:
    """An estate registered under exactly ``estate_id`` (tests that name estates by
    fixed IDs; real estates take their ID from their code)."""
    from uuid import UUID

    from eventsourcing.application import AggregateNotFoundError

    from domain.registry.places import Estate

    uid = UUID(str(estate_id))
    try:
        container.event_log.repository.get(uid)
        return
    except AggregateNotFoundError:
        pass
    registered = Estate.Registered  # type: ignore[attr-defined]
    code = f"T{uid.hex[:8]}".upper()
    container.event_log.save(
        Estate._create(registered, id=uid, code=code, name=f"Estate {code}", address="-")
    )
