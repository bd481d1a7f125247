"""A request's cost in database round trips, counted where psycopg waits for the server.

psycopg sends a statement and waits for its answer in one generator,
``execute(pgconn)``: the cursor calls it for a statement (and once more,
before, when it prepares one), the connection for the commands it sends on
its own (``BEGIN`` before the first statement outside autocommit, ``COMMIT``
and ``ROLLBACK`` at the end of a transaction). Each call is one round trip,
counted here under the statement's first word (``PREPARE`` for the
preparing one). In pipeline mode statements are only queued: the round trip
is each Sync (the pipeline's end, or ``sync()``), counted as ``PIPELINE``.
A new connection (``psycopg.connect``) counts as one ``CONNECT``, though its
start-up and authentication take several.

Redis round trips are counted apart (``redis``): every command the client
sends outside a pipeline, and each pipeline, is one packet sent and one
answer awaited. ``log`` lists every round trip in order, with its statement.

Only the request's threads count (the route's worker, the group-commit
writer): the projector's and the snapshotter's threads (``estatelog-*``)
follow the log on their own and are not the request's cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import redis.connection
from psycopg import _connection_base, _cursor_base, _pipeline_base, generators


def _text(query: Any) -> str:
    if isinstance(query, bytes):
        return query.decode(errors="replace")
    if isinstance(query, str):
        return query
    try:
        return str(query.as_string(None))  # a Composed, rendered without a connection
    except Exception:
        return "SQL"


def _first_word(query: Any) -> str:
    words = _text(query).split()
    return words[0].upper() if words else "?"


class RoundTrips(Counter[str]):
    """PostgreSQL round trips by first word; Redis's in ``redis``; all in ``log``."""

    def __init__(self) -> None:
        super().__init__()
        self.redis = 0
        self.log: list[str] = []

    @property
    def database(self) -> int:
        return sum(self.values())


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    """Round trips made by non-background threads while the body runs, by first word."""
    sent = RoundTrips()
    lock = threading.Lock()
    local = threading.local()  # the statement a cursor is running, and whether it prepares

    def request_thread() -> bool:
        return not threading.current_thread().name.startswith("estatelog-")

    def count(label: str, text: str | None = None) -> None:
        if request_thread():
            with lock:
                sent[label] += 1
                sent.log.append(f"{label}: {text or label}"[:160])

    cursor_execute = psycopg.Cursor.execute
    cursor_executemany = psycopg.Cursor.executemany
    send_prepare = _cursor_base.BaseCursor._send_prepare
    statement_round_trip = _cursor_base.execute
    command_round_trip = generators.execute
    exec_command = _connection_base.BaseConnection._exec_command
    enqueue_sync = _pipeline_base.BasePipeline._enqueue_sync
    connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]
    module_connect = psycopg.connect  # the same, bound when psycopg was imported

    def labelled(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
            outer = getattr(local, "label", None)
            local.label = (_first_word(query), _text(query))
            try:
                return method(self, query, *args, **kwargs)
            finally:
                local.label = outer

        return run

    def preparing(self: Any, *args: Any, **kwargs: Any) -> Any:
        local.preparing = True
        return send_prepare(self, *args, **kwargs)

    def statement(pgconn: Any) -> Any:
        label, text = getattr(local, "label", None) or ("?", None)
        if getattr(local, "preparing", False):
            local.preparing = False
            count("PREPARE", text)
        else:
            count(label, text)
        return statement_round_trip(pgconn)

    def command(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._pipeline:
            count(_first_word(query), _text(query))
        return exec_command(self, query, *args, **kwargs)

    def connecting(cls: Any, *args: Any, **kwargs: Any) -> Any:
        count("CONNECT")
        return connect(cls, *args, **kwargs)

    def connecting_module(*args: Any, **kwargs: Any) -> Any:
        count("CONNECT")
        return module_connect(*args, **kwargs)

    def synced(self: Any) -> None:
        count("PIPELINE")
        enqueue_sync(self)

    send_packed = redis.connection.AbstractConnection.send_packed_command

    def redis_sent(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        if request_thread():
            with lock:
                sent.redis += 1
                sent.log.append("REDIS")
        return send_packed(self, command, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(redis.connection.AbstractConnection, "send_packed_command", redis_sent)
        patch.setattr(psycopg.Cursor, "execute", labelled(cursor_execute))
        patch.setattr(psycopg.Cursor, "executemany", labelled(cursor_executemany))
        patch.setattr(_cursor_base.BaseCursor, "_send_prepare", preparing)
        patch.setattr(_cursor_base, "execute", statement)
        patch.setattr(_connection_base.BaseConnection, "_exec_command", command)
        patch.setattr(_pipeline_base.BasePipeline, "_enqueue_sync", synced)
        patch.setattr(psycopg.Connection, "connect", classmethod(connecting))
        patch.setattr(psycopg, "connect", connecting_module)
        # ``_exec_command`` reaches the server through ``generators.execute``;
        # it is counted above, by the command it sends, so it is left alone.
        assert generators.execute is command_round_trip
        yield sent
