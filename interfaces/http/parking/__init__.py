"""HTTP routes of the car park (停车/道闸).

Staff who manage parking for the estate (``parking:manage``) open its car
park, change the tariff (a new version from a time, never an edit), register
vehicles to units, keep the blocklist and issue monthly passes. The barrier
controller, signed in as a gate account, or the gate guard reports each plate
at a barrier (``POST /car-parks/{id}/gate``, ``gate:operate``): the answer
says whether the barrier opens and what is owed; the fee is taken at the exit
(``/parking-sessions/{id}/payment``) and posted as temporary-parking revenue.
Staff read their estates' car parks, vehicles and sessions and the occupancy
board; an owner reads the vehicles, passes and sessions of their units.

Routes of the car park and its gate in ``car_parks.py``, of vehicles, passes
and sessions in ``vehicles.py``; bodies and views in ``schemas.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.parking import car_parks, vehicles

router = APIRouter()
router.include_router(car_parks.router)
router.include_router(vehicles.router)
