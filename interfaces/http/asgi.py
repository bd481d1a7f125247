"""ASGI factory for servers that start several worker processes (production)."""

from __future__ import annotations

from fastapi import FastAPI

from bootstrap import build
from interfaces.http.app import create_app


def app_factory() -> FastAPI:
    """One container per worker process, built from the environment."""
    return create_app(build())
