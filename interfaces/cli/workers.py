"""``estatelog serve --workers N``: the API in N uvicorn worker processes on one socket."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from infrastructure.metrics import MULTIPROCESS_ENV


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, but its shared listening socket says it is TCP.

    uvicorn (0.54) binds the socket its workers share with ``proto`` 0, and
    accepted connections inherit it; asyncio turns ``TCP_NODELAY`` on only
    for a socket whose ``proto`` is TCP, so with Nagle's algorithm left on,
    every answer on a kept-alive connection waited for the client's delayed
    ACK: about 40 ms a request (uvicorn issue #3149; measured by ``make
    bench``, docs/benchmarks.md). One process is not affected: there asyncio
    binds the socket itself.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock  # a unix socket has no Nagle to turn off
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


#: How long a worker process may take to start before uvicorn gives up on it.
WORKER_STARTUP_SECONDS = 60


def run_workers(app: str, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string of a factory) from ``workers`` processes until
    interrupted, as ``uvicorn.run(app, factory=True, workers=workers)`` does."""
    # A worker builds the whole container before it answers uvicorn's health ping;
    # on a busy two-core machine that took over uvicorn's 5 s, and uvicorn killed
    # and restarted it again and again (40-60 s before two workers were up).
    options.setdefault("timeout_worker_healthcheck", WORKER_STARTUP_SECONDS)
    config = TcpConfig(app, factory=True, workers=workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()


def multiprocess_metrics(data_dir: Path) -> None:
    """Point the workers' metrics at one directory, emptied first (decision 0043).

    Each worker process writes its counts there and a scrape, whichever worker
    answers it, adds every file up. The workers are spawned, so they import
    prometheus-client afresh and read the variable set here. An operator's own
    ``PROMETHEUS_MULTIPROC_DIR`` is kept, and emptied just the same: files of
    processes gone would count again.
    """
    directory = Path(os.environ.get(MULTIPROCESS_ENV) or data_dir / "prometheus")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(directory.resolve())
