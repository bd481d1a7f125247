"""The HTTP ceiling: a bare FastAPI endpoint doing one raw INSERT.

Served by uvicorn with the same settings as ``estatelog serve`` (one process,
``proxy_headers=False``), with a connection pool of the API's default size.
Bench only: never part of the product.
"""

from __future__ import annotations

import os
import sys
from uuid import uuid4

import uvicorn
from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from bench.appends import RAW_TABLE, STATE


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


if __name__ == "__main__":
    port = int(sys.argv[1])
    uvicorn.run(
        create_app(os.environ["ESTATELOG_DATABASE_URL"], int(os.environ.get("POOL", "10"))),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=False,
    )
