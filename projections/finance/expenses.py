"""Expense read models (R5.2): vendors, budget lines, claims.

One projection (``finance_expenses``) keeps three tables:

* ``finance_vendors``: one row per vendor, the bank account masked (last 4);
* ``finance_budgets``: one row per estate, year and category: ``budget`` (the
  line), ``committed`` (approved claims, from the budget's ``Committed`` and
  ``Released``), ``paid`` (claims paid); remaining is budget - committed;
* ``finance_expenses``: one row per claim with its status, approval, budget
  screening and payment.

The queries at the end are the only readers of these tables. The monthly
figures of the analysis are a query over ``finance_expenses`` (approved and
paid claims by the month they were incurred), summed by
``domain/finance/expense_figures.py``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.expense_figures import budget_lines, expense_analysis
from domain.finance.expense_rules import CATEGORIES, mask_bank_account
from domain.finance.money import DEFAULT_CURRENCY
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, to_json
from projections.protocols import Projection
from projections.reach import clause

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


# ---- queries ------------------------------------------------------------------------


def _dicts(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _admit(reach: Reach, estate_id: UUID) -> None:
    """An estate outside the reader's reach is reported missing, like a wrong ID."""
    if not reach.admits(estate_id):
        raise NotFound(HIDDEN)


def vendors(
    conn: psycopg.Connection[Any],
    *,
    category: str | None = None,
    active: bool | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Vendors by name (company master data: no estate scope)."""
    sql = "SELECT * FROM finance_vendors WHERE true"
    params: list[Any] = []
    if category is not None:
        sql += " AND categories ? %s"
        params.append(category)
    if active is not None:
        sql += " AND active = %s"
        params.append(active)
    sql += " ORDER BY name, vendor_id LIMIT %s"
    return _dicts(conn.execute(sql, [*params, limit]))  # type: ignore[arg-type]


def vendor(conn: psycopg.Connection[Any], vendor_id: UUID) -> dict[str, Any]:
    rows = _dicts(conn.execute("SELECT * FROM finance_vendors WHERE vendor_id = %s", [vendor_id]))
    if not rows:
        raise NotFound(HIDDEN)
    return rows[0]


def _budget_rows(conn: psycopg.Connection[Any], estate_id: UUID, year: int) -> list[dict[str, Any]]:
    return _dicts(
        conn.execute(
            "SELECT * FROM finance_budgets WHERE estate_id = %s AND year = %s ORDER BY category",
            [estate_id, year],
        )
    )


def budget(
    conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, year: int
) -> dict[str, Any]:
    """The year's budget: each line with committed, paid and remaining, and the totals."""
    _admit(reach, estate_id)
    rows = _budget_rows(conn, estate_id, year)
    if not rows:
        raise NotFound("no budget for this estate and year")
    return {
        "estate_id": estate_id,
        "year": year,
        "currency": rows[0]["currency"],
        "set_by": rows[0]["set_by"],
        **budget_lines(rows),
    }


def claims(
    conn: psycopg.Connection[Any],
    reach: Reach,
    filters: dict[str, Any],
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Claims of the reader's estates, newest first; ``filters`` are column = value
    (estate_id, status, category, vendor_id, year), None ignored."""
    where, params = clause(reach, "estate_id")
    sql = f"SELECT * FROM finance_expenses WHERE {where}"
    for column in ("estate_id", "status", "category", "vendor_id", "year"):
        if filters.get(column) is not None:
            sql += f" AND {column} = %s"
            params.append(filters[column])
    sql += " ORDER BY submitted_at DESC, position DESC LIMIT %s"
    return _dicts(conn.execute(sql, [*params, limit]))  # type: ignore[arg-type]


def claim(conn: psycopg.Connection[Any], reach: Reach, claim_id: UUID) -> dict[str, Any]:
    rows = _dicts(conn.execute("SELECT * FROM finance_expenses WHERE claim_id = %s", [claim_id]))
    if not rows:
        raise NotFound(HIDDEN)
    _admit(reach, rows[0]["estate_id"])
    return rows[0]


def analysis(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID,
    year: int,
    currency: str | None = None,
) -> dict[str, Any]:
    """Approved claims incurred in ``year`` by month and category, against the budget;
    in the budget's currency unless one is named."""
    _admit(reach, estate_id)
    rows = _budget_rows(conn, estate_id, year)
    if currency is None:
        currency = rows[0]["currency"] if rows else DEFAULT_CURRENCY
    budgets = {r["category"]: r["budget"] for r in rows if r["currency"] == currency}
    spending = conn.execute(
        "SELECT EXTRACT(MONTH FROM incurred_on)::int AS month, category, sum(amount), "
        "sum(amount) FILTER (WHERE paid) FROM finance_expenses WHERE estate_id = %s "
        "AND year = %s AND currency = %s AND status IN ('approved', 'paid') "
        "GROUP BY 1, 2",
        [estate_id, year, currency],
    ).fetchall()
    figures = expense_analysis(spending, budgets)
    return {"estate_id": estate_id, "year": year, "currency": currency, **figures}
