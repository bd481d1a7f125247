"""ASGI factory for servers that start several worker processes (production)."""

from __future__ import annotations

from fastapi import FastAPI

from bootstrap import build
from infrastructure.settings import Settings
from interfaces.cli.logs import configure_logging
from interfaces.http.app import create_app


def app_factory() -> FastAPI:
    """One container per worker process, built from the environment; each worker
    is a fresh process, so it sets up its JSON log lines itself."""
    settings = Settings()
    configure_logging(settings)
    return create_app(build(settings))
