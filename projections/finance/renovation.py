"""Read model of renovation deposits (装修押金, projection ``finance_renovation``).

``finance_renovation_deposits``: one row per deposit: what was taken, refunded
and forfeited, the balance still held, a forfeit awaiting its approval, and
every movement (JSON, oldest first). The queries at the end are the only
readers; an owner's rows are those of the units they occupy now.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from projections.catalog import ReadModelDeps
from projections.events import occurred_at, to_json
from projections.finance.fund import _OWN_UNITS, _reach
from projections.protocols import Projection
from projections.records import PerAggregate, fetched, insert, update

# An owner reads the deposits of the units they occupy now (the fund's rule).
OWN = f"unit_id IN ({_OWN_UNITS})"


class RenovationDepositRow(TypedDict):
    deposit_id: UUID
    estate_id: UUID
    unit_id: UUID
    amount: Decimal
    currency: str
    method: str
    reference: str
    renovation: str
    booked_on: date
    received_by: UUID
    refunded: Decimal
    forfeited: Decimal
    balance: Decimal
    status: str  # held | closed
    pending_forfeit: Decimal | None  # awaiting its approval
    approval_id: UUID | None
    movements: list[dict[str, Any]]  # kind taken | refunded | forfeited, amount, booked_on ...
    taken_at: datetime
    updated_at: datetime
    position: int


class RenovationDeposits(PerAggregate):
    name = "finance_renovation"
    aggregates = frozenset({"RenovationDeposit"})
    version = 1
    tables = ("finance_renovation_deposits",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_renovation_deposits (
            deposit_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            unit_id uuid NOT NULL,
            amount numeric NOT NULL,
            currency text NOT NULL,
            method text NOT NULL,
            reference text NOT NULL,
            renovation text NOT NULL,
            booked_on date NOT NULL,
            received_by uuid NOT NULL,
            refunded numeric NOT NULL DEFAULT 0,
            forfeited numeric NOT NULL DEFAULT 0,
            balance numeric NOT NULL,
            status text NOT NULL,
            pending_forfeit numeric,
            approval_id uuid,
            movements jsonb NOT NULL,
            taken_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_renovation_deposits_estate "
        "ON finance_renovation_deposits (estate_id, unit_id)",
        # An estate's page, newest taken first (the list's keyset).
        "CREATE INDEX IF NOT EXISTS finance_renovation_deposits_estate_page "
        "ON finance_renovation_deposits (estate_id, taken_at, deposit_id)",
    )

    def _renovationdeposit(
        self, cur: Any, name: str, event: Any, deposit_id: Any, pos: int
    ) -> None:
        at = occurred_at(event)
        if name == "Taken":
            fields = ("estate_id", "unit_id", "amount", "currency", "method", "reference")
            row = {k: getattr(event, k) for k in (*fields, "renovation", "booked_on")}
            move = {"kind": "taken", "amount": event.amount, "booked_on": event.booked_on}
            insert(
                cur,
                "finance_renovation_deposits",
                {"deposit_id": deposit_id, **row, "received_by": event.received_by}
                | {"balance": event.amount, "status": "held", "movements": to_json([move])}
                | {"taken_at": at, "updated_at": at, "position": pos},
                tail=" ON CONFLICT (deposit_id) DO NOTHING",
            )
            return
        if name == "ForfeitRequested":
            sets = {"pending_forfeit": event.amount, "approval_id": event.approval_id}
            update(cur, "finance_renovation_deposits", "deposit_id", deposit_id, sets, at, pos)
            return
        if name == "ForfeitLapsed":
            sets = {"pending_forfeit": None}
            update(cur, "finance_renovation_deposits", "deposit_id", deposit_id, sets, at, pos)
            return
        if name not in ("Refunded", "Forfeited"):
            return
        column = "refunded" if name == "Refunded" else "forfeited"
        move = {
            "kind": column,
            "amount": event.amount,
            "booked_on": event.booked_on,
            "reference": getattr(event, "reference", None),
            "note": getattr(event, "inspection", None) or getattr(event, "reason", None),
        }
        cur.execute(
            f"UPDATE finance_renovation_deposits SET {column} = {column} + %s, "
            "balance = balance - %s, status = CASE WHEN balance - %s > 0 THEN 'held' "
            "ELSE 'closed' END, movements = movements || %s::jsonb, "
            "pending_forfeit = CASE WHEN %s THEN NULL ELSE pending_forfeit END, "
            "updated_at = %s, position = %s WHERE deposit_id = %s",
            [
                event.amount,
                event.amount,
                event.amount,
                to_json([move]),
                name == "Forfeited",
                at,
                pos,
                deposit_id,
            ],
        )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [RenovationDeposits()]


# ---- queries ------------------------------------------------------------------------


def deposits(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status: str | None = None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int = 500,
) -> list[RenovationDepositRow]:
    """Deposits the reader may see, newest first (taken at, then ID), after
    the key ``before_key``."""
    where, params = _reach(reach, OWN)
    for column, value in (("estate_id", estate_id), ("unit_id", unit_id), ("status", status)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    if before_key is not None:
        where += " AND (taken_at, deposit_id) < (%s, %s)"
        params += before_key
    return fetched(
        conn.execute(
            f"SELECT * FROM finance_renovation_deposits WHERE {where} "  # type: ignore[arg-type]
            "ORDER BY taken_at DESC, deposit_id DESC LIMIT %s",
            [*params, limit],
        ),
        RenovationDepositRow,
    )


def deposit(conn: psycopg.Connection[Any], reach: Reach, deposit_id: UUID) -> RenovationDepositRow:
    """One deposit; outside the reader's reach it is missing."""
    where, params = _reach(reach, OWN)
    rows = fetched(
        conn.execute(
            f"SELECT * FROM finance_renovation_deposits WHERE deposit_id = %s AND {where}",  # type: ignore[arg-type]
            [deposit_id, *params],
        ),
        RenovationDepositRow,
    )
    if not rows:
        raise NotFound(HIDDEN)
    return rows[0]
