"""Routes of batch imports (R3.3): a CSV or xlsx body, all rows or none.

The route hands the handler a reader of the file's rows
(``interfaces/importfiles.py``), which the handler calls once it has
authorized the caller, and then decides on all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from application.actor import Actor
from application.registry import commands as c
from application.registry.importing import ImportRejected, Table
from application.registry.imports import ImportDone
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.problems import Problem
from interfaces.http.registry.common import handlers
from interfaces.http.registry.schemas import ImportReport
from interfaces.http.security import Principal, requires
from interfaces.importfiles import file_kind, read_table

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["registry"])


async def _import(
    request: Request,
    estate_id: UUID,
    command: Callable[[Actor, UUID, Callable[[], Table]], c.ImportUnits | c.ImportResidents],
    actor: Actor,
) -> ImportReport:
    try:
        kind = file_kind(request.headers.get("content-type"))
    except ImportRejected as wrong:
        raise Problem(415, wrong.errors[0].message, title="Unsupported media type") from None
    content = await request.body()
    try:
        order = command(actor, estate_id, partial(read_table, content, kind))
        done: ImportDone = await run_in_threadpool(_handle, request, order)
    except ImportRejected as rejected:
        raise Problem(
            422,
            f"{len(rejected.errors)} error(s) in the file; nothing was imported",
            title="Import refused",
            rows=rejected.rows,
            errors=rejected.report(),
        ) from None
    return ImportReport(
        rows=done.rows,
        units=done.units,
        buildings=done.buildings,
        people=done.people,
        position=done.position,
    )


def _handle(request: Request, command: c.ImportUnits | c.ImportResidents) -> ImportDone:
    registry = handlers(request)
    if isinstance(command, c.ImportUnits):
        return registry.import_units(command)
    return registry.import_residents(command)


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}

# A body that is neither CSV nor xlsx (by its content type and its first bytes).
NOT_A_TABLE: dict[int | str, dict[str, Any]] = {
    415: {"description": "The body is not a CSV or xlsx file."}
}


@router.post(
    "/estates/{estate_id}/imports/units",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
    responses=NOT_A_TABLE,
)
async def import_units(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> ImportReport:
    """Register the units of a CSV or xlsx file (the body), and the buildings it names.

    Columns: building, number, floor, gross_area, internal_area, and optionally
    use and building_name. Any bad row refuses the whole file with a 422 whose
    ``errors`` list each row, column and message; nothing is stored then.
    """
    return await _import(request, estate_id, c.ImportUnits, principal)


@router.post(
    "/estates/{estate_id}/imports/residents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
    responses=NOT_A_TABLE,
)
async def import_residents(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> ImportReport:
    """Register people and move them into existing units, from a CSV or xlsx file.

    Columns: building, unit, name, relation, moved_in_on, and optionally phone,
    national_id and co_owner. All rows or none, as for units.
    """
    return await _import(request, estate_id, c.ImportResidents, principal)
