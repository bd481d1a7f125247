"""An actor's :class:`~application.actor.Reach` as a WHERE clause of a read model."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

#: The units a user occupies (the registry's read model, a GIN index on the
#: array), one ``%s`` for the user: ``page``'s ``own_units`` for a row of a unit.
OCCUPIED_UNITS = (
    "SELECT o.unit_id FROM registry_units o WHERE o.occupant_user_ids @> ARRAY[%s]::uuid[]"
)


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


def page(
    reach: Reaching,
    select: str,
    filters: list[tuple[str, list[Any]]],
    *,
    alias: str,
    order: tuple[str, ...],
    limit: int,
    own_units: str | None = None,
    owner_columns: tuple[str, ...] = (),
    estate_id: object | None = None,
) -> tuple[str, list[Any]] | None:
    """A page of ``select`` (``SELECT <columns> FROM <table> <alias> ...``)
    within the reach, newest first: the statement and its parameters, or
    None when the reach admits nothing. ``filters`` are WHERE fragments with
    their parameters, the cursor among them; ``order`` names columns of the
    output (``"position DESC"``, ``"bill_id"``), which ``alias`` qualifies.
    The rows are the rows ``clause`` admits, in the same order.

    ``own_units`` selects (``unit_id``) the units whose rows are the actor's
    own, with one ``%s`` for the user ID; the rows read carry ``estate_id``
    and ``unit_id``, and an ``(estate_id, position)`` and a ``(unit_id,
    position)`` index serve them.

    ``owner_columns`` name columns of ``alias`` that hold a user ID making
    the row the actor's own (a work order's requester, its technician): a
    branch a column, ``column = me`` outside the reach's estates, read off a
    ``(column, <order>)`` index; a later branch leaves out the rows an
    earlier one has (``IS DISTINCT FROM``), so no row comes twice.

    ``estate = ANY(...) OR unit = ANY(...) ORDER BY position`` would sort
    every row of the reach for one page, since no one index gives that OR
    in position order. Instead each estate of the reach is a page of its
    own, read off the estate's index in order (``LIMIT n``), the own rows
    outside those estates a page per unit (a lateral ``LIMIT n`` each, at
    most n rows a unit to sort), and the branches, already in order, are
    merged under the outer ``LIMIT`` (the planner's Merge Append): a page
    reads at most n rows a scope item, however long the history."""
    where = " AND ".join(["true", *(f for f, _ in filters)])
    params = [p for _, ps in filters for p in ps]
    inner = ", ".join(f"{alias}.{o}" for o in order)
    if reach.everything or (estate_id is not None and estate_id in reach.estates):
        return f"{select} WHERE {where} ORDER BY {inner} LIMIT %s", [*params, limit]
    branches: list[str] = []
    values: list[Any] = []
    estates = sorted(reach.estates) if estate_id is None else []
    for estate in estates:
        branches.append(
            f"({select} WHERE {alias}.estate_id = %s AND {where} ORDER BY {inner} LIMIT %s)"
        )
        values += [estate, *params, limit]
    if reach.own and own_units is not None:
        # The own rows in the reach's estates are in those estates' pages already.
        branches.append(
            f"(SELECT mine.* FROM ({own_units}) own_unit CROSS JOIN LATERAL ({select} "
            f"WHERE {alias}.unit_id = own_unit.unit_id AND {alias}.estate_id <> ALL(%s) "
            f"AND {where} ORDER BY {inner} LIMIT %s) mine)"
        )
        values += [reach.user_id, list(reach.estates), *params, limit]
    if reach.own:
        taken: list[str] = []
        for column in owner_columns:
            others = "".join(f" AND {alias}.{t} IS DISTINCT FROM %s" for t in taken)
            branches.append(
                f"({select} WHERE {alias}.{column} = %s{others} "
                f"AND {alias}.estate_id <> ALL(%s) AND {where} ORDER BY {inner} LIMIT %s)"
            )
            values += [reach.user_id, *[reach.user_id] * len(taken), list(reach.estates)]
            values += [*params, limit]
            taken.append(column)
    if not branches:
        return None
    merged = " UNION ALL ".join(branches)
    return f"SELECT * FROM ({merged}) reach_page ORDER BY {', '.join(order)} LIMIT %s", [
        *values,
        limit,
    ]
