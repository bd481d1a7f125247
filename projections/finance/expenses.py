"""Expense read models (R5.2): vendors, budget lines, claims.

One projection (``finance_expenses``) keeps three tables:

* ``finance_vendors``: one row per vendor, the bank account masked (last 4);
* ``finance_budgets``: one row per estate, year and category: ``budget`` (the
  line), ``committed`` (approved claims, from the budget's ``Committed`` and
  ``Released``), ``paid`` (claims paid); remaining is budget - committed;
* ``finance_expenses``: one row per claim with its status, approval, budget
  screening and payment.

The monthly figures of the analysis are a query over ``finance_expenses``
(approved and paid claims by the month they were incurred): see
``expense_analysis`` in ``interfaces/http/finance/expenses.py``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from domain.finance.expenses import CATEGORIES, mask_bank_account
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, to_json
from projections.protocols import Projection

NAME = "finance_expenses"

CLAIM_STATUS = {
    "Approved": "approved",
    "Withdrawn": "withdrawn",
    "Paid": "paid",
}


class ExpenseReadModel:
    name = NAME
    aggregates = frozenset({"Vendor", "Budget", "ExpenseClaim"})
    tables = ("finance_vendors", "finance_budgets", "finance_expenses")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_vendors (
            vendor_id uuid PRIMARY KEY,
            name text NOT NULL,
            tax_id text NOT NULL,
            bank_account text,
            contact text,
            categories jsonb NOT NULL,
            active boolean NOT NULL,
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS finance_budgets (
            budget_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            year integer NOT NULL,
            category text NOT NULL,
            currency text NOT NULL,
            budget numeric NOT NULL DEFAULT 0,
            has_line boolean NOT NULL DEFAULT false,
            committed numeric NOT NULL DEFAULT 0,
            paid numeric NOT NULL DEFAULT 0,
            set_by uuid,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            PRIMARY KEY (estate_id, year, category)
        )""",
        "CREATE INDEX IF NOT EXISTS finance_budgets_id ON finance_budgets (budget_id)",
        """CREATE TABLE IF NOT EXISTS finance_expenses (
            claim_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            vendor_id uuid NOT NULL,
            category text NOT NULL,
            amount numeric NOT NULL,
            currency text NOT NULL,
            description text NOT NULL,
            incurred_on date NOT NULL,
            invoice_ref text NOT NULL,
            submitted_by uuid NOT NULL,
            year integer NOT NULL,
            status text NOT NULL,
            approval_id uuid NOT NULL,
            approval_kind text NOT NULL,
            over_budget boolean NOT NULL,
            remaining_before numeric,
            approved_on date,
            paid boolean NOT NULL DEFAULT false,
            paid_on date,
            payment_ref text,
            payment_method text,
            note text,
            submitted_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_expenses_estate "
        "ON finance_expenses (estate_id, year, category)",
        "CREATE INDEX IF NOT EXISTS finance_expenses_status "
        "ON finance_expenses (estate_id, status)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        handler = getattr(self, f"_{aggregate.lower()}", None)
        if handler is not None:
            handler(cur, name, event, as_uuid(note.originator_id), note.id)

    # ---- vendors ---------------------------------------------------------------

    def _vendor(self, cur: Any, name: str, event: Any, vid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Registered":
            cur.execute(
                "INSERT INTO finance_vendors (vendor_id, name, tax_id, bank_account, contact, "
                "categories, active, registered_at, updated_at, position) "
                "VALUES (%s,%s,%s,%s,%s,%s,true,%s,%s,%s)",
                [
                    vid,
                    event.name,
                    event.tax_id,
                    mask_bank_account(event.bank_account),
                    event.contact,
                    to_json(list(event.categories)),
                    at,
                    at,
                    pos,
                ],
            )
            return
        sets: dict[str, Any] = {}
        if name == "DetailsChanged":
            for key, value in event.changes.items():
                if key == "bank_account":
                    sets[key] = mask_bank_account(value)
                elif key == "categories":
                    sets[key] = to_json(list(value))
                elif key in ("name", "contact"):
                    sets[key] = value
        elif name == "Deactivated":
            sets["active"] = False
        _update(cur, "finance_vendors", "vendor_id", vid, sets, at, pos)

    # ---- budgets ---------------------------------------------------------------

    def _budget(self, cur: Any, name: str, event: Any, bid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "BudgetSet":
            for category in CATEGORIES:
                amount = event.lines.get(category)
                cur.execute(
                    "INSERT INTO finance_budgets (budget_id, estate_id, year, category, currency, "
                    "budget, has_line, set_by, updated_at, position) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                    "ON CONFLICT (estate_id, year, category) DO UPDATE SET "
                    "currency = EXCLUDED.currency, budget = EXCLUDED.budget, "
                    "has_line = EXCLUDED.has_line, set_by = EXCLUDED.set_by, "
                    "updated_at = EXCLUDED.updated_at, position = EXCLUDED.position",
                    [
                        bid,
                        event.estate_id,
                        event.year,
                        category,
                        event.currency,
                        amount or 0,
                        amount is not None,
                        event.set_by,
                        at,
                        pos,
                    ],
                )
            return
        if name == "LineRevised":
            cur.execute(
                "UPDATE finance_budgets SET budget = %s, has_line = true, updated_at = %s, "
                "position = %s WHERE budget_id = %s AND category = %s",
                [event.amount, at, pos, bid, event.category],
            )
        elif name in ("Committed", "Released"):
            sign = 1 if name == "Committed" else -1
            cur.execute(
                "UPDATE finance_budgets SET committed = committed + %s, updated_at = %s, "
                "position = %s WHERE budget_id = %s AND category = %s",
                [sign * event.amount, at, pos, bid, event.category],
            )

    # ---- claims ----------------------------------------------------------------

    def _expenseclaim(self, cur: Any, name: str, event: Any, cid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Submitted":
            cur.execute(
                "INSERT INTO finance_expenses (claim_id, estate_id, vendor_id, category, amount, "
                "currency, description, incurred_on, invoice_ref, submitted_by, year, status, "
                "approval_id, approval_kind, over_budget, remaining_before, submitted_at, "
                "updated_at, position) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'awaiting_approval',%s,%s,%s,%s,%s,%s,%s)",
                [
                    cid,
                    event.estate_id,
                    event.vendor_id,
                    event.category,
                    event.amount,
                    event.currency,
                    event.description,
                    event.incurred_on,
                    event.invoice_ref,
                    event.submitted_by,
                    event.year,
                    event.approval_id,
                    event.approval_kind,
                    event.over_budget,
                    event.remaining_before,
                    at,
                    at,
                    pos,
                ],
            )
            return
        sets: dict[str, Any] = {}
        if name in CLAIM_STATUS:
            sets["status"] = CLAIM_STATUS[name]
        if name == "Approved":
            sets["approved_on"] = event.booked_on
        elif name == "Rejected":
            sets["status"] = "rejected" if event.outcome == "rejected" else "withdrawn"
            sets["note"] = f"approval {event.outcome}"
        elif name == "Withdrawn":
            sets["note"] = event.reason
        elif name == "Paid":
            sets.update(
                paid=True,
                paid_on=event.booked_on,
                payment_ref=event.payment_ref,
                payment_method=event.method,
            )
            cur.execute(
                "UPDATE finance_budgets b SET paid = b.paid + e.amount, updated_at = %s, "
                "position = %s FROM finance_expenses e WHERE e.claim_id = %s "
                "AND b.estate_id = e.estate_id AND b.year = e.year AND b.category = e.category",
                [at, pos, cid],
            )
        _update(cur, "finance_expenses", "claim_id", cid, sets, at, pos)


def _update(
    cur: Any, table: str, key: str, record_id: Any, sets: dict[str, Any], at: Any, pos: int
) -> None:
    sets = {**sets, "updated_at": at, "position": pos}
    assignments = ", ".join(f"{column} = %s" for column in sets)
    cur.execute(f"UPDATE {table} SET {assignments} WHERE {key} = %s", [*sets.values(), record_id])


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ExpenseReadModel()]
