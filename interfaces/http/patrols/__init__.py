"""HTTP routes of the patrols context: routes and plans (``setup.py``), tasks,
check-ins and the completion report (``tasks.py``); bodies and views in
``schemas.py``. ``router`` carries them all, as ``app.py`` includes it."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.patrols import setup, tasks

router = APIRouter()
router.include_router(setup.router)
router.include_router(tasks.router)
