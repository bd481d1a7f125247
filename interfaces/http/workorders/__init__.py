"""HTTP routes of the workorders context: orders and their SLA dashboard
(``orders.py``), maintenance plans (``plans.py``); bodies and views in
``schemas.py``. ``router`` carries them all, as ``app.py`` includes it."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.workorders import orders, plans

router = APIRouter()
router.include_router(orders.router)
router.include_router(plans.router)
