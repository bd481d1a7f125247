"""The IDs the request examples share (``interfaces/http/examples.py``)."""

from __future__ import annotations

# IDs the examples share, so that a reader sees one estate, one unit, one person.
ESTATE = "3f1c2a9e-7b4d-4e8a-9c61-0d2b5e8f4a10"
BUILDING = "8a2d6c1f-3e5b-4f7a-b9d0-1c4e7a2b5d83"
UNIT = "c5e8a1b4-2d7f-4a3c-8e96-7f1b3d5a9c24"
PERSON = "5b9d3f7a-1c6e-4b2d-a8f0-9e3c7b1d5a62"
USER = "e2a7c4f9-6b1d-4e3a-9f5c-8d2b6a4e1c37"
TECHNICIAN = "9d4b2e6a-8c3f-4a1d-b7e5-3a9c1f7d2b48"
EQUIPMENT = "7c3e9a5d-4b2f-4d8a-a1c6-5e9b3d7f1a95"
RECORD = "1a6f4c8e-9d3b-4c7e-b2a5-6d1f8e4c3b79"
