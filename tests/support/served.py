"""The API served by uvicorn in a thread of the test's process, on a free port:
a client reads a response as a browser does, chunk by chunk, while the test
measures the process (its memory, other requests' latency)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from bootstrap import Container
from interfaces.http.app import create_app


@contextmanager
def served(container: Container, **options: Any) -> Iterator[str]:
    """The base URL of the API on ``container``, until the block ends (``options``
    are uvicorn's)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(container), log_level="warning", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
