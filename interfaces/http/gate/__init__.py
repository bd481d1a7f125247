"""HTTP routes of the gate context (访客/门禁): visitor passes (``passes.py``),
the gate's check-in and check-out, its day and who is inside, and the events
door and gate controllers report (``desk.py``).

The routes parse and format; the handlers in ``application/gate`` authorize
and decide, the queries in ``projections/gate/queries.py`` read.
"""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.gate import desk, passes

router = APIRouter()
for part in (passes, desk):
    router.include_router(part.router)
