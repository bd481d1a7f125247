"""The HTTP ceiling: a bare FastAPI endpoint doing one raw INSERT.

Served by uvicorn with the same settings as ``estatelog serve`` (one process,
``proxy_headers=False``; or ``N`` worker processes, as ``serve --workers N``),
with a connection pool of the API's default size in each process.
Bench only: never part of the product.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from uuid import uuid4

import uvicorn
from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from bench.appends import RAW_TABLE, STATE
from interfaces.cli.workers import run_workers


def create_app(database_url: str, pool_size: int) -> FastAPI:
    pool = ConnectionPool(
        database_url, min_size=pool_size, max_size=pool_size, kwargs={"autocommit": True}
    )
    app = FastAPI()

    @app.post("/bare")
    def bare() -> dict[str, int]:  # sync, like the API's command routes (threadpool)
        with pool.connection() as conn:
            row = conn.execute(
                f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) "
                "VALUES (%s, 1, 'bench:Ticket.Opened', %s) RETURNING notification_id",
                (uuid4(), STATE),
                prepare=True,
            ).fetchone()
        assert row is not None
        return {"position": row[0]}

    return app


def app_factory() -> FastAPI:
    """One app and pool per worker process (``python -m bench.bare_app PORT WORKERS``)."""
    return create_app(os.environ["ESTATELOG_DATABASE_URL"], int(os.environ.get("POOL", "10")))


if __name__ == "__main__":
    port = int(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "warning"}
    if workers > 1:  # as ``estatelog serve --workers N``
        run_workers("bench.bare_app:app_factory", workers, **options)
    else:
        uvicorn.run(app_factory(), proxy_headers=False, **options)
