"""Read models of the maintenance fund (projection ``finance_fund``).

* ``finance_fund_accounts``: one row per unit: balance, first deposit, the
  low-balance flag (below 30% of the first deposit) and totals in and out.
* ``finance_fund_movements``: every deposit into and charge against a unit's
  fund, with the balance after it (the unit's statement).
* ``finance_fund_spendings``: every spending with its basis, approval status
  and, once disbursed, how it was split over the units.

The queries at the end are the only readers of these tables. An owner's
rows are those of the units they occupy now, which the registry's read model
knows (``registry_units.occupant_user_ids``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.fund_rules import low_balance_threshold
from projections.catalog import ReadModelDeps
from projections.events import occurred_at, to_json
from projections.finance.views import FundAccountDetail, FundAccountRow, MovementRow, SpendingRow
from projections.protocols import Projection
from projections.records import PerAggregate, fetched, insert, update

SPENDING_STATUS = {
    "Approved": "approved",
    "Rejected": "rejected",
    "Withdrawn": "withdrawn",
    "Disbursed": "disbursed",
}
# A proposed spending's columns that its event carries under the same names.
PROPOSED_FIELDS = (
    "estate_id",
    "purpose",
    "amount",
    "currency",
    "basis",
    "vendor",
    "approval_id",
    "proposed_by",
)


# A unit account's events that move its balance: the movement's kind, and the
# event's field that names its source (the deposit, the spending, the interest).
MOVEMENTS = {"Deposited": "deposit", "Charged": "charge", "InterestCredited": "interest"}
SOURCES = {"deposit": "deposit_id", "charge": "spending_id", "interest": "interest_id"}


class FundLedger(PerAggregate):
    name = "finance_fund"
    aggregates = frozenset({"FundAccount", "FundSpending"})
    # 1: first_deposit sums the deposits before the first charge (issue 14).
    # 2: a top-up's movement shows the resolution it cites.
    # 3: interest allocated to the units (增值分摊): column interest, movements of kind interest.
    # 4: the first deposit assessed per m² (首期交存): column first_deposit_assessed.
    version = 4
    tables = ("finance_fund_accounts", "finance_fund_movements", "finance_fund_spendings")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_fund_accounts (
            unit_id uuid PRIMARY KEY,
            account_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            currency text NOT NULL,
            balance numeric NOT NULL DEFAULT 0,
            first_deposit numeric,
            first_deposit_assessed numeric,
            deposited numeric NOT NULL DEFAULT 0,
            charged numeric NOT NULL DEFAULT 0,
            interest numeric NOT NULL DEFAULT 0,
            low boolean NOT NULL DEFAULT false,
            low_since timestamptz,
            opened_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        # The list's keyset, (estate, unit): a page is read off the index.
        "CREATE INDEX IF NOT EXISTS finance_fund_accounts_estate_page "
        "ON finance_fund_accounts (estate_id, unit_id)",
        """CREATE TABLE IF NOT EXISTS finance_fund_movements (
            unit_id uuid NOT NULL,
            source_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            kind text NOT NULL,
            amount numeric NOT NULL,
            balance_after numeric NOT NULL,
            currency text NOT NULL,
            method text,
            reference text,
            booked_on date NOT NULL,
            recorded_by uuid,
            at timestamptz NOT NULL,
            position bigint NOT NULL,
            resolution jsonb,
            PRIMARY KEY (unit_id, source_id)
        )""",
        "CREATE INDEX IF NOT EXISTS finance_fund_movements_unit "
        "ON finance_fund_movements (unit_id, position)",
        """CREATE TABLE IF NOT EXISTS finance_fund_spendings (
            spending_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            purpose text NOT NULL,
            amount numeric NOT NULL,
            currency text NOT NULL,
            basis text NOT NULL,
            resolution jsonb,
            emergency jsonb,
            unit_ids uuid[] NOT NULL,
            vendor text,
            approval_id uuid NOT NULL,
            status text NOT NULL,
            proposed_by uuid NOT NULL,
            note text,
            splits jsonb,
            reference text,
            booked_on date,
            proposed_at timestamptz NOT NULL,
            disbursed_at timestamptz,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_fund_spendings_estate_page "
        "ON finance_fund_spendings (estate_id, proposed_at, spending_id)",
    )

    # ---- unit accounts ---------------------------------------------------------

    def _fundaccount(self, cur: Any, name: str, event: Any, account_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Opened":
            cur.execute(
                "INSERT INTO finance_fund_accounts (unit_id, account_id, estate_id, currency, "
                "opened_at, updated_at, position) VALUES (%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (unit_id) DO NOTHING",
                [event.unit_id, account_id, event.estate_id, event.currency, at, at, pos],
            )
        elif name in MOVEMENTS:
            kind = MOVEMENTS[name]
            deposit = kind == "deposit"
            signed = -event.amount if kind == "charge" else event.amount
            row = cur.execute(
                "UPDATE finance_fund_accounts SET balance = balance + %s, "
                "deposited = deposited + %s, charged = charged + %s, interest = interest + %s, "
                # The first deposit (首期交存): what is paid towards its assessment, or
                # if never assessed every deposit before the first charge.
                "first_deposit = CASE WHEN %s AND CASE WHEN first_deposit_assessed IS NOT NULL "
                "THEN coalesce(first_deposit, 0) < first_deposit_assessed ELSE NOT EXISTS "
                "(SELECT 1 FROM finance_fund_movements m WHERE m.unit_id = %s AND m.kind = "
                "'charge') END THEN coalesce(first_deposit, 0) + %s ELSE first_deposit END, "
                "updated_at = %s, position = %s WHERE unit_id = %s RETURNING balance",
                [
                    signed,
                    event.amount if deposit else 0,
                    event.amount if kind == "charge" else 0,
                    event.amount if kind == "interest" else 0,
                    deposit,
                    event.unit_id,
                    event.amount,
                    at,
                    pos,
                    event.unit_id,
                ],
            ).fetchone()
            cur.execute(
                "INSERT INTO finance_fund_movements (unit_id, source_id, estate_id, kind, amount, "
                "balance_after, currency, method, reference, booked_on, recorded_by, at, "
                "position) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (unit_id, source_id) DO NOTHING",
                [
                    event.unit_id,
                    getattr(event, SOURCES[kind]),
                    event.estate_id,
                    kind,
                    signed,
                    row[0] if row else signed,
                    event.currency,
                    getattr(event, "method", None),
                    getattr(event, "reference", None),
                    event.booked_on,
                    getattr(event, "recorded_by", None),
                    at,
                    pos,
                ],
            )
        elif name == "AssessmentNoted":
            cur.execute(
                "UPDATE finance_fund_accounts SET first_deposit_assessed = %s, updated_at = %s, "
                "position = %s WHERE unit_id = %s",
                [event.amount, at, pos, event.unit_id],
            )
        elif name == "ResolutionCited":  # recorded just after the top-up it raised
            cur.execute(
                "UPDATE finance_fund_movements SET resolution = %s "
                "WHERE unit_id = %s AND source_id = %s",
                [to_json(event.resolution), event.unit_id, event.deposit_id],
            )
        elif name in ("FellBelowThreshold", "RestoredAboveThreshold"):
            low = name == "FellBelowThreshold"
            cur.execute(
                "UPDATE finance_fund_accounts SET low = %s, low_since = %s, updated_at = %s, "
                "position = %s WHERE unit_id = %s",
                [low, at if low else None, at, pos, event.unit_id],
            )

    # ---- spendings ----------------------------------------------------------------

    def _fundspending(self, cur: Any, name: str, event: Any, spending_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Proposed":
            basis = {
                key: None if getattr(event, key) is None else to_json(getattr(event, key))
                for key in ("resolution", "emergency")
            }
            spending = {key: getattr(event, key) for key in PROPOSED_FIELDS}
            insert(
                cur,
                "finance_fund_spendings",
                {"spending_id": spending_id, **spending, **basis, "unit_ids": list(event.unit_ids)}
                | {"status": "awaiting_approval", "proposed_at": at, "updated_at": at}
                | {"position": pos},
                tail=" ON CONFLICT (spending_id) DO NOTHING",
            )
            return
        if name not in SPENDING_STATUS:
            return
        sets: dict[str, Any] = {"status": SPENDING_STATUS[name]}
        if name in ("Rejected", "Withdrawn"):
            sets["note"] = event.reason
        elif name == "Disbursed":
            sets.update(
                splits=to_json(event.splits),
                reference=event.reference,
                booked_on=event.booked_on,
                disbursed_at=at,
            )
        update(cur, "finance_fund_spendings", "spending_id", spending_id, sets, at, pos)


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [FundLedger()]


# ---- queries ------------------------------------------------------------------------

# Rows an owner may read: those of the units they occupy now.
# ``@>`` so the GIN index on the occupants answers it (``= ANY`` reads every unit).
_OWN_UNITS = "SELECT unit_id FROM registry_units WHERE occupant_user_ids @> ARRAY[%s]::uuid[]"


def _reach(reach: Reach, own_sql: str) -> tuple[str, list[Any]]:
    """The rows of a list the reader may see: every row, their estates', or their units'."""
    if reach.everything:
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append("estate_id = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own:
        clauses.append(own_sql)
        params.append(reach.user_id)
    if not clauses:
        return "false", []
    return "(" + " OR ".join(clauses) + ")", params


def _narrowed(reach: Reach, estate_id: UUID | None, own_sql: str) -> tuple[str, list[Any]]:
    """:func:`_reach`, dropped for an estate the reader reads whole: its page is
    read off the estate's index in order, not ORed and sorted (decision 0037)."""
    if estate_id is not None and (reach.everything or estate_id in reach.estates):
        return "true", []
    return _reach(reach, own_sql)


def _admit(conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, units: Any) -> None:
    """A row outside the reader's reach (not their estate, no unit of theirs) is missing."""
    occupants = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT unnest(occupant_user_ids) FROM registry_units WHERE unit_id = ANY(%s)",
            [list(units)],
        ).fetchall()
    }
    if not reach.admits(estate_id, occupants):
        raise NotFound(HIDDEN)


def _with_threshold(row: FundAccountRow) -> FundAccountRow:
    threshold = low_balance_threshold(row["first_deposit"], row["currency"])
    return {**row, "low_balance_threshold": threshold}


def accounts(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None = None,
    low: bool | None = None,
    after_key: tuple[UUID, UUID] | None = None,
    limit: int = 500,
) -> list[FundAccountRow]:
    """Unit fund accounts the reader may see, with the low-balance threshold, in
    (estate, unit) order after the key ``after_key``."""
    where, params = _narrowed(reach, estate_id, f"unit_id IN ({_OWN_UNITS})")
    for column, value in (("estate_id", estate_id), ("low", low)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    if after_key is not None:
        where += " AND (estate_id, unit_id) > (%s, %s)"
        params += after_key
    # The threshold is no column: it is filled in after the read.
    rows = fetched(
        conn.execute(
            f"SELECT * FROM finance_fund_accounts WHERE {where} "  # type: ignore[arg-type]
            "ORDER BY estate_id, unit_id LIMIT %s",
            [*params, limit],
        ),
        FundAccountRow,
    )
    return [_with_threshold(r) for r in rows]


def account(conn: psycopg.Connection[Any], reach: Reach, unit_id: UUID) -> FundAccountDetail:
    """One unit's fund account with every deposit and charge, oldest first."""
    sql = "SELECT * FROM finance_fund_accounts WHERE unit_id = %s"
    rows = fetched(conn.execute(sql, [unit_id]), FundAccountRow)
    if not rows:
        raise NotFound(HIDDEN)
    _admit(conn, reach, rows[0]["estate_id"], [unit_id])
    movements = fetched(
        conn.execute(
            "SELECT source_id, kind, amount, balance_after, currency, method, reference, "
            "booked_on, at, position, resolution FROM finance_fund_movements WHERE unit_id = %s "
            "ORDER BY position",
            [unit_id],
        ),
        MovementRow,
    )
    return {**_with_threshold(rows[0]), "movements": movements}


def spendings(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None = None,
    status: str | None = None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int = 200,
) -> list[SpendingRow]:
    """Spendings the reader may see (owners: those their units share), newest first."""
    where, params = _narrowed(reach, estate_id, f"unit_ids && ARRAY({_OWN_UNITS})")
    for column, value in (("estate_id", estate_id), ("status", status)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    if before_key is not None:
        where += " AND (proposed_at, spending_id) < (%s, %s)"
        params += before_key
    return fetched(
        conn.execute(
            f"SELECT * FROM finance_fund_spendings WHERE {where} "  # type: ignore[arg-type]
            "ORDER BY proposed_at DESC, spending_id DESC LIMIT %s",
            [*params, limit],
        ),
        SpendingRow,
    )


def spending(conn: psycopg.Connection[Any], reach: Reach, spending_id: UUID) -> SpendingRow:
    sql = "SELECT * FROM finance_fund_spendings WHERE spending_id = %s"
    rows = fetched(conn.execute(sql, [spending_id]), SpendingRow)
    if not rows:
        raise NotFound(HIDDEN)
    _admit(conn, reach, rows[0]["estate_id"], rows[0]["unit_ids"])
    return rows[0]


class RegisteredUnits:
    """The fund handlers' ``EstateUnits`` port, from the registry's read model."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def in_order(self, estate_id: UUID) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT unit_id FROM registry_units WHERE estate_id = %s "
                "ORDER BY building_id, number",
                [estate_id],
            ).fetchall()
        return [r[0] for r in rows]
