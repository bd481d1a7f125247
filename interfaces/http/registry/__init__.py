"""HTTP routes of the registry context (R1.1, R3.3, R7.4).

Reads come from the ``registry`` read model and are scoped: staff see the
estates they serve, administrators and auditors everything, owners and
residents the units they occupy now (and their estate, building, parking and
own person record). A record outside the caller's reach answers 404, as a
missing one does. Commands go to one handler each
(``application/registry/``), which loads the record, checks the caller on
it, and decides. The routes live by what they handle: ``places.py``,
``people.py``, ``imports.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.registry import imports, people, places

router = APIRouter()
for module in (places, people, imports):
    router.include_router(module.router)

__all__ = ["router"]
