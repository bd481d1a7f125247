"""HTTP routes of the meters context (抄表): meters and readings, reading rounds."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.meters import rounds, routes

router = APIRouter()
for part in (routes, rounds):
    router.include_router(part.router)
