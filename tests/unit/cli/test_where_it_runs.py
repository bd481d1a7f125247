"""``estatelog demo`` says where the service answers, or how to start it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from infrastructure.settings import Settings
from interfaces.cli.main import where_it_runs


@contextmanager
def healthy() -> Iterator[int]:
    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_running_service_is_named_by_its_address(tmp_path: Path) -> None:
    with healthy() as port:
        said = where_it_runs(Settings(data_dir=tmp_path, host="0.0.0.0", port=port))
    assert said == f"The service is running: http://127.0.0.1:{port}/docs"


def test_with_nothing_listening_it_says_how_to_start_it(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said = where_it_runs(Settings(data_dir=tmp_path, port=port))
    assert f"not running at http://127.0.0.1:{port}" in said
    assert "make run" in said
