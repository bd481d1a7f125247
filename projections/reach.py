"""An actor's :class:`~application.actor.Reach` as a WHERE clause of a read model."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID


class Reaching(Protocol):
    """What a query needs of a reach (``application.actor.Reach`` is one)."""

    @property
    def everything(self) -> bool: ...
    @property
    def estates(self) -> frozenset[UUID]: ...
    @property
    def own(self) -> bool: ...
    @property
    def user_id(self) -> UUID: ...


def clause(
    reach: Reaching,
    estate_column: str,
    owner_columns: tuple[str, ...] = (),
    *,
    estate_id: object | None = None,
) -> tuple[str, list[Any]]:
    """A WHERE fragment and its parameters: ``estate_column`` holds a row's
    estate; each of ``owner_columns`` a user ID (or ``name[]``: a uuid[] of
    them) that makes the row the actor's own, or a condition with one ``%s``
    for the user ID.

    A uuid[] is tested with ``@>``, not ``= ANY``: a GIN index on the array
    answers ``@>``, so the OR of the estates and the owners is a bitmap OR of
    two index scans rather than a scan of every row (docs/architecture.md,
    "Plans").

    ``estate_id`` is the estate the query is already narrowed to, if any:
    when the reach holds that estate the clause is ``true``, since every row
    of it is admitted, and the query is left a plain ``estate = X ... ORDER BY
    ... LIMIT`` that an index reads a page of in order, however long the
    estate's history."""
    if reach.everything or (estate_id is not None and estate_id in reach.estates):
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append(f"{estate_column} = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own:
        for column in owner_columns:
            if "%s" in column:
                clauses.append(column)
            elif column.endswith("[]"):
                clauses.append(f"{column[:-2]} @> ARRAY[%s]::uuid[]")
            else:
                clauses.append(f"{column} = %s")
            params.append(reach.user_id)
    if not clauses:
        return "false", []
    return "(" + " OR ".join(clauses) + ")", params
