"""``estatelog serve --workers N``: the API in N uvicorn worker processes on one socket."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


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


def run_workers(app: str, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string of a factory) from ``workers`` processes until
    interrupted, as ``uvicorn.run(app, factory=True, workers=workers)`` does."""
    config = TcpConfig(app, factory=True, workers=workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
