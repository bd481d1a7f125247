"""HTTP routes of the community context: service requests, complaints, surveys,
announcements and the announcement board.

Residents act for the units they occupy and see only their own requests,
complaints and surveys, and the board of their estates; staff act on the
estates they serve. The routes parse and format; the handlers in
``application/community`` authorize and decide, the queries in
``projections/community/queries.py`` read.
"""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.community import announcements, complaints, requests

router = APIRouter()
for part in (requests, complaints, announcements):
    router.include_router(part.router)
