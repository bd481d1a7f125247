"""Read models of the maintenance fund (projection ``finance_fund``).

* ``finance_fund_accounts``: one row per unit: balance, first deposit, the
  low-balance flag (below 30% of the first deposit) and totals in and out.
* ``finance_fund_movements``: every deposit into and charge against a unit's
  fund, with the balance after it (the unit's statement).
* ``finance_fund_spendings``: every spending with its basis, approval status
  and, once disbursed, how it was split over the units.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, to_json
from projections.protocols import Projection

SPENDING_STATUS = {
    "Approved": "approved",
    "Rejected": "rejected",
    "Withdrawn": "withdrawn",
    "Disbursed": "disbursed",
}


class FundLedger:
    name = "finance_fund"
    aggregates = frozenset({"FundAccount", "FundSpending"})
    tables = ("finance_fund_accounts", "finance_fund_movements", "finance_fund_spendings")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_fund_accounts (
            unit_id uuid PRIMARY KEY,
            account_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            currency text NOT NULL,
            balance numeric NOT NULL DEFAULT 0,
            first_deposit numeric,
            deposited numeric NOT NULL DEFAULT 0,
            charged numeric NOT NULL DEFAULT 0,
            low boolean NOT NULL DEFAULT false,
            low_since timestamptz,
            opened_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_fund_accounts_estate "
        "ON finance_fund_accounts (estate_id)",
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
        "CREATE INDEX IF NOT EXISTS finance_fund_spendings_estate "
        "ON finance_fund_spendings (estate_id, proposed_at)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "FundAccount":
            self._account(cur, name, event, as_uuid(note.originator_id), note.id)
        elif aggregate == "FundSpending":
            self._spending(cur, name, event, as_uuid(note.originator_id), note.id)

    # ---- unit accounts ---------------------------------------------------------

    def _account(self, cur: Any, name: str, event: Any, account_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Opened":
            cur.execute(
                "INSERT INTO finance_fund_accounts (unit_id, account_id, estate_id, currency, "
                "opened_at, updated_at, position) VALUES (%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (unit_id) DO NOTHING",
                [event.unit_id, account_id, event.estate_id, event.currency, at, at, pos],
            )
        elif name in ("Deposited", "Charged"):
            deposit = name == "Deposited"
            signed = event.amount if deposit else -event.amount
            row = cur.execute(
                "UPDATE finance_fund_accounts SET balance = balance + %s, "
                "deposited = deposited + %s, charged = charged + %s, "
                "first_deposit = CASE WHEN %s THEN %s ELSE first_deposit END, "
                "updated_at = %s, position = %s WHERE unit_id = %s RETURNING balance",
                [
                    signed,
                    event.amount if deposit else 0,
                    0 if deposit else event.amount,
                    deposit and event.first,
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
                    event.deposit_id if deposit else event.spending_id,
                    event.estate_id,
                    "deposit" if deposit else "charge",
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
        elif name in ("FellBelowThreshold", "RestoredAboveThreshold"):
            low = name == "FellBelowThreshold"
            cur.execute(
                "UPDATE finance_fund_accounts SET low = %s, low_since = %s, updated_at = %s, "
                "position = %s WHERE unit_id = %s",
                [low, at if low else None, at, pos, event.unit_id],
            )

    # ---- spendings ----------------------------------------------------------------

    def _spending(self, cur: Any, name: str, event: Any, spending_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Proposed":
            cur.execute(
                "INSERT INTO finance_fund_spendings (spending_id, estate_id, purpose, amount, "
                "currency, basis, resolution, emergency, unit_ids, vendor, approval_id, status, "
                "proposed_by, proposed_at, updated_at, position) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'awaiting_approval',%s,%s,%s,%s) "
                "ON CONFLICT (spending_id) DO NOTHING",
                [
                    spending_id,
                    event.estate_id,
                    event.purpose,
                    event.amount,
                    event.currency,
                    event.basis,
                    None if event.resolution is None else to_json(event.resolution),
                    None if event.emergency is None else to_json(event.emergency),
                    list(event.unit_ids),
                    event.vendor,
                    event.approval_id,
                    event.proposed_by,
                    at,
                    at,
                    pos,
                ],
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
        sets.update(updated_at=at, position=pos)
        assignments = ", ".join(f"{column} = %s" for column in sets)
        cur.execute(
            f"UPDATE finance_fund_spendings SET {assignments} WHERE spending_id = %s",
            [*sets.values(), spending_id],
        )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [FundLedger()]
