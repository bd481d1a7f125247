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

from typing import Any, cast
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.expense_figures import budget_lines, expense_analysis
from domain.finance.expense_rules import CATEGORIES, mask_bank_account
from domain.finance.money import DEFAULT_CURRENCY
from projections.catalog import ReadModelDeps
from projections.events import occurred_at, to_json
from projections.finance.views import AnalysisView, BudgetView, ClaimRow, VendorRow
from projections.protocols import Projection
from projections.reach import page
from projections.records import PerAggregate, fetched, insert, update

NAME = "finance_expenses"

CLAIM_STATUS = {
    "Approved": "approved",
    "Withdrawn": "withdrawn",
    "Paid": "paid",
}
# A submitted claim's columns that its event carries under the same names.
SUBMITTED_FIELDS = (
    "estate_id",
    "vendor_id",
    "category",
    "amount",
    "currency",
    "description",
    "incurred_on",
    "invoice_ref",
    "submitted_by",
    "year",
    "approval_id",
    "approval_kind",
    "over_budget",
    "remaining_before",
)


class ExpenseReadModel(PerAggregate):
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
        # A page of an estate's claims, newest first, read in order (projections/reach.py: page).
        "CREATE INDEX IF NOT EXISTS finance_expenses_submitted "
        "ON finance_expenses (estate_id, submitted_at, position)",
    )

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
        update(cur, "finance_vendors", "vendor_id", vid, sets, at, pos)

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
            claim = {c: getattr(event, c) for c in SUBMITTED_FIELDS}
            insert(
                cur,
                "finance_expenses",
                {"claim_id": cid, **claim, "status": "awaiting_approval"}
                | {"submitted_at": at, "updated_at": at, "position": pos},
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
        update(cur, "finance_expenses", "claim_id", cid, sets, at, pos)


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ExpenseReadModel()]


# ---- queries ------------------------------------------------------------------------


def _admit(reach: Reach, estate_id: UUID) -> None:
    """An estate outside the reader's reach is reported missing, like a wrong ID."""
    if not reach.admits(estate_id):
        raise NotFound(HIDDEN)


def vendors(
    conn: psycopg.Connection[Any],
    *,
    category: str | None = None,
    active: bool | None = None,
    after_key: tuple[str, UUID] | None = None,
    limit: int = 100,
) -> list[VendorRow]:
    """Vendors by name, then ID, after the key ``after_key`` (company master
    data: no estate scope)."""
    sql = "SELECT * FROM finance_vendors WHERE true"
    params: list[Any] = []
    if category is not None:
        sql += " AND categories ? %s"
        params.append(category)
    if active is not None:
        sql += " AND active = %s"
        params.append(active)
    if after_key is not None:
        sql += " AND (name, vendor_id) > (%s, %s)"
        params += after_key
    sql += " ORDER BY name, vendor_id LIMIT %s"
    return fetched(conn.execute(sql, [*params, limit]), VendorRow)  # type: ignore[arg-type]


def vendor(conn: psycopg.Connection[Any], vendor_id: UUID) -> VendorRow:
    sql = "SELECT * FROM finance_vendors WHERE vendor_id = %s"
    rows = fetched(conn.execute(sql, [vendor_id]), VendorRow)
    if not rows:
        raise NotFound(HIDDEN)
    return rows[0]


def _budget_rows(conn: psycopg.Connection[Any], estate_id: UUID, year: int) -> list[dict[str, Any]]:
    sql = "SELECT * FROM finance_budgets WHERE estate_id = %s AND year = %s ORDER BY category"
    return fetched(conn.execute(sql, [estate_id, year]), dict[str, Any])


def budget(conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, year: int) -> BudgetView:
    """The year's budget: each line with committed, paid and remaining, and the totals."""
    _admit(reach, estate_id)
    rows = _budget_rows(conn, estate_id, year)
    if not rows:
        raise NotFound("no budget for this estate and year")
    return cast(
        BudgetView,
        {
            "estate_id": estate_id,
            "year": year,
            "currency": rows[0]["currency"],
            "set_by": rows[0]["set_by"],
            **budget_lines(rows),
        },
    )


def claims(
    conn: psycopg.Connection[Any],
    reach: Reach,
    filters: dict[str, Any],
    limit: int = 100,
    before_claim: UUID | None = None,
) -> list[ClaimRow]:
    """Claims of the reader's estates, newest first; ``filters`` are column = value
    (estate_id, status, category, vendor_id, year), None ignored; ``before_claim``
    is a cursor: the claims after that one in this order (none after a claim
    that is not there). A page of several estates is a page of each, merged
    (``projections/reach.py: page``)."""
    where = [
        (f"{column} = %s", [filters[column]])
        for column in ("estate_id", "status", "category", "vendor_id", "year")
        if filters.get(column) is not None
    ]
    if before_claim is not None:
        where.append(
            (
                "(submitted_at, position) < (SELECT c.submitted_at, c.position "
                "FROM finance_expenses c WHERE c.claim_id = %s)",
                [before_claim],
            )
        )
    query = page(
        reach,
        "SELECT x.* FROM finance_expenses x",
        where,
        alias="x",
        order=("submitted_at DESC", "position DESC"),
        limit=limit,
        estate_id=filters.get("estate_id"),
    )
    return [] if query is None else fetched(conn.execute(*query), ClaimRow)  # type: ignore[call-overload]


def claim(conn: psycopg.Connection[Any], reach: Reach, claim_id: UUID) -> ClaimRow:
    sql = "SELECT * FROM finance_expenses WHERE claim_id = %s"
    rows = fetched(conn.execute(sql, [claim_id]), ClaimRow)
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
) -> AnalysisView:
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
    found = {"estate_id": estate_id, "year": year, "currency": currency, **figures}
    return cast(AnalysisView, found)
