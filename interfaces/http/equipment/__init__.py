"""HTTP routes of the equipment context: equipment, its status board and
facility archive (``devices.py``), telemetry and alarms (``alarms.py``);
bodies and views in ``schemas.py``. ``router`` carries them all, as
``app.py`` includes it."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.equipment import alarms, devices

router = APIRouter()
router.include_router(devices.router)
router.include_router(alarms.router)
