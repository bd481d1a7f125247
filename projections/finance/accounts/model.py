"""Read models of unit accounts: accounts, bills, payments, waiver and refund requests, runs.

``finance_bills`` serves bill lists, the owner's view and the late-fee and reminder jobs (which
bills are overdue); ``finance_payments`` the payment lists; ``finance_account_requests`` waivers
and refunds awaiting approval. Amounts are kept as the account does: a bill's ``outstanding`` is
its principal plus late fees less what paid or waived it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections import numbers
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, payload_of, to_json
from projections.finance.accounts import owners
from projections.protocols import Projection

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_accounts (
        account_id uuid PRIMARY KEY,
        unit_id uuid NOT NULL UNIQUE,
        estate_id uuid NOT NULL,
        currency text NOT NULL,
        outstanding numeric(20, 4) NOT NULL DEFAULT 0,
        credit numeric(20, 4) NOT NULL DEFAULT 0,
        reserved numeric(20, 4) NOT NULL DEFAULT 0,
        opened_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_accounts_estate ON finance_accounts (estate_id)",
    """CREATE TABLE IF NOT EXISTS finance_bills (
        bill_id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        estate_id uuid NOT NULL,
        period text NOT NULL,
        run_id uuid,
        payer_ids uuid[] NOT NULL,
        lines jsonb NOT NULL,
        currency text NOT NULL,
        principal numeric(20, 4) NOT NULL,
        late_fees numeric(20, 4) NOT NULL DEFAULT 0,
        paid numeric(20, 4) NOT NULL DEFAULT 0,
        waived numeric(20, 4) NOT NULL DEFAULT 0,
        written_off numeric(20, 4) NOT NULL DEFAULT 0,
        outstanding numeric(20, 4) NOT NULL,
        days integer NOT NULL,
        days_in_period integer NOT NULL,
        issued_on date NOT NULL,
        due_on date NOT NULL,
        dunning_level integer NOT NULL DEFAULT 0,
        position bigint NOT NULL,
        number_year integer,  -- the number: projections/numbers.py
        serial integer
    )""",
    numbers.index("finance_bills"),
    "CREATE INDEX IF NOT EXISTS finance_bills_unit ON finance_bills (unit_id, due_on)",
    # A unit's account pages its history: open bills, then settled ones by position.
    "CREATE INDEX IF NOT EXISTS finance_bills_unit_open ON finance_bills (unit_id) "
    "WHERE outstanding > 0",
    "CREATE INDEX IF NOT EXISTS finance_bills_unit_position ON finance_bills (unit_id, position)",
    "CREATE INDEX IF NOT EXISTS finance_bills_estate ON finance_bills (estate_id, period)",
    # An estate's page of bills, newest first, read off the index in order.
    "CREATE INDEX IF NOT EXISTS finance_bills_estate_position "
    "ON finance_bills (estate_id, position)",
    "CREATE INDEX IF NOT EXISTS finance_bills_open ON finance_bills (due_on) WHERE outstanding > 0",
    # A person's bills in any estate (GET /finance/me/statements): the debtors' array.
    "CREATE INDEX IF NOT EXISTS finance_bills_payers ON finance_bills USING gin (payer_ids)",
    """CREATE TABLE IF NOT EXISTS finance_payments (
        payment_id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        estate_id uuid NOT NULL,
        method text NOT NULL,
        reference text,
        amount numeric(20, 4) NOT NULL,
        currency text NOT NULL,
        allocations jsonb NOT NULL,
        to_credit numeric(20, 4) NOT NULL,
        payer_id uuid,
        booked_on date NOT NULL,
        received_on date NOT NULL,
        received_at timestamptz NOT NULL,
        recorded_by uuid,
        reversed boolean NOT NULL DEFAULT false,
        reversal_reason text,
        reversed_on date,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_payments_unit ON finance_payments (unit_id, position)",
    "CREATE INDEX IF NOT EXISTS finance_payments_estate ON finance_payments (estate_id, position)",
    "CREATE INDEX IF NOT EXISTS finance_payments_payer ON finance_payments (payer_id)",
    """CREATE TABLE IF NOT EXISTS finance_account_requests (
        request_id uuid PRIMARY KEY,
        kind text NOT NULL,
        unit_id uuid NOT NULL,
        estate_id uuid NOT NULL,
        bill_id uuid,
        amount numeric(20, 4) NOT NULL,
        currency text NOT NULL,
        method text,
        payer_id uuid,
        reason text NOT NULL,
        approval_id uuid NOT NULL,
        requested_by uuid NOT NULL,
        status text NOT NULL,
        requested_at timestamptz NOT NULL,
        decided_at timestamptz
    )""",
    "CREATE INDEX IF NOT EXISTS finance_requests_unit ON finance_account_requests (unit_id)",
    """CREATE TABLE IF NOT EXISTS finance_billing_runs (
        run_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        period text NOT NULL,
        bills integer NOT NULL,
        units_billed integer NOT NULL,
        units_skipped integer NOT NULL,
        amount numeric(20, 4) NOT NULL,
        currency text NOT NULL,
        rates jsonb NOT NULL,
        shared_costs jsonb,
        kind text NOT NULL,
        supplement integer NOT NULL,
        supplement_of uuid,
        run_by uuid NOT NULL,
        run_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_billing_runs_page "
    "ON finance_billing_runs (estate_id, period, supplement)",
    *owners.DDL,
)

_BILL_DELTA = {
    "CreditApplied": "paid",
    "LateFeeCharged": "late_fees",
    "BillWaived": "waived",
    "LateFeeWaived": "waived",
}


class UnitAccountsReadModel:
    name = "finance_accounts"
    aggregates = frozenset({"UnitAccount", "BillingRun"})
    tables = (
        "finance_accounts",
        "finance_bills",
        "finance_payments",
        "finance_account_requests",
        "finance_billing_runs",
        "finance_credit_holders",
    )
    ddl = DDL

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        p = payload_of(event)
        at = occurred_at(event)
        if aggregate == "BillingRun":
            # A supplementary run is a row of its own, named by its supplement_id.
            supplement = name == "Supplemented"
            run_id = as_uuid(note.originator_id)
            cur.execute(
                "INSERT INTO finance_billing_runs (run_id, estate_id, period, bills, units_billed, "
                "units_skipped, amount, currency, rates, shared_costs, kind, supplement, "
                "supplement_of, run_by, run_at, position) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (run_id) DO NOTHING",
                [
                    p["supplement_id"] if supplement else run_id,
                    p["estate_id"],
                    p["period"],
                    p["bills"],
                    p["units_billed"],
                    p["units_skipped"],
                    p["amount"],
                    p["currency"],
                    to_json(p["rates"]),
                    None if p.get("shared_costs") is None else to_json(p["shared_costs"]),
                    "supplementary" if supplement else "regular",
                    p["number"] if supplement else 0,
                    run_id if supplement else None,
                    p["run_by"],
                    at,
                    note.id,
                ],
            )
            return
        if aggregate != "UnitAccount":
            return
        account_id = as_uuid(note.originator_id)
        handler = getattr(self, f"_{name}", None)
        if handler is not None:
            handler(cur, p, at, note)
        if name == "Opened":
            return
        cur.execute(
            "UPDATE finance_accounts SET updated_at = %s, version = %s, "
            "outstanding = (SELECT coalesce(sum(outstanding), 0) FROM finance_bills b "
            "WHERE b.unit_id = finance_accounts.unit_id) WHERE account_id = %s",
            [at, note.originator_version, account_id],
        )

    def _Opened(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "INSERT INTO finance_accounts (account_id, unit_id, estate_id, currency, opened_at, "
            "updated_at, version) VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            [
                as_uuid(note.originator_id),
                p["unit_id"],
                p["estate_id"],
                p["currency"],
                at,
                at,
                note.originator_version,
            ],
        )

    def _BillIssued(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "INSERT INTO finance_bills (bill_id, unit_id, estate_id, period, run_id, payer_ids, "
            "lines, currency, principal, outstanding, days, days_in_period, issued_on, due_on, "
            "position, number_year, serial) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (bill_id) DO NOTHING",
            [
                *(p[k] for k in ("bill_id", "unit_id", "estate_id", "period", "run_id")),
                list(p["payer_ids"]),
                to_json(p["lines"]),
                *(p[k] for k in ("currency", "amount", "amount", "days", "days_in_period")),
                *(p[k] for k in ("issued_on", "due_on")),
                note.id,
                *numbers.next_serial(cur, "finance_bills", p["estate_id"], p["at"]),  # 0050
            ],
        )

    def _bill_change(self, cur: Any, bill_id: Any, column: str, amount: Any) -> None:
        sign = "-" if column in ("paid", "waived", "written_off") else "+"
        cur.execute(
            f"UPDATE finance_bills SET {column} = {column} + %s, "
            f"outstanding = outstanding {sign} %s WHERE bill_id = %s",
            [amount, amount, bill_id],
        )

    def _CreditApplied(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._bill_change(cur, p["bill_id"], "paid", p["amount"])
        self._credit(cur, p["unit_id"], -p["amount"], 0, p.get("payer_id"))

    def _CreditWithdrawn(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._bill_change(cur, p["bill_id"], "paid", -p["amount"])
        self._credit(cur, p["unit_id"], p["amount"], 0, owners.payer_of(cur, p["payment_id"]))

    def _LateFeeCharged(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._bill_change(cur, p["bill_id"], "late_fees", p["amount"])

    def _BillWaived(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._bill_change(cur, p["bill_id"], "waived", p["amount"])
        self._decided(cur, p["waiver_id"], "approved", at)

    _LateFeeWaived = _BillWaived  # a late fee waived: income reversed, the bill owes less

    def _BillWrittenOff(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._bill_change(cur, p["bill_id"], "written_off", p["amount"])

    def _credit(self, cur: Any, unit_id: Any, credit: Any, reserved: Any, holder: Any) -> None:
        owners.move(cur, unit_id, holder, credit, reserved)
        cur.execute(
            "UPDATE finance_accounts SET credit = credit + %s, reserved = reserved + %s "
            "WHERE unit_id = %s",
            [credit, reserved, unit_id],
        )

    def _PaymentReceived(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "INSERT INTO finance_payments (payment_id, unit_id, estate_id, method, reference, "
            "amount, currency, allocations, to_credit, payer_id, booked_on, received_on, "
            "received_at, recorded_by, position) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (payment_id) DO NOTHING",
            [
                p["payment_id"],
                p["unit_id"],
                p["estate_id"],
                p["method"],
                p["reference"],
                p["amount"],
                p["currency"],
                to_json(p["allocations"]),
                p["to_credit"],
                p.get("payer_id"),
                p["booked_on"],
                p.get("received_on") or p["booked_on"],
                at,
                p["recorded_by"],
                note.id,
            ],
        )
        for part in p["allocations"]:
            self._bill_change(cur, part["bill_id"], "paid", part["amount"])
        self._credit(cur, p["unit_id"], p["to_credit"], 0, p.get("payer_id"))

    def _PaymentReversed(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "UPDATE finance_payments SET reversed = true, reversal_reason = %s, reversed_on = %s "
            "WHERE payment_id = %s",
            [p["reason"], p["booked_on"], p["payment_id"]],
        )
        for part in p["allocations"]:
            self._bill_change(cur, part["bill_id"], "paid", -part["amount"])
        self._credit(cur, p["unit_id"], -p["to_credit"], 0, owners.payer_of(cur, p["payment_id"]))

    def _Dunned(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "UPDATE finance_bills SET dunning_level = greatest(dunning_level, %s) "
            "WHERE bill_id = ANY(%s)",
            [p["level"], list(p["bill_ids"])],
        )

    def _request(
        self, cur: Any, kind: str, p: dict[str, Any], at: Any, note: Notification, key: str
    ) -> None:
        cur.execute(
            "INSERT INTO finance_account_requests (request_id, kind, unit_id, estate_id, bill_id, "
            "amount, currency, method, payer_id, reason, approval_id, requested_by, status, "
            "requested_at) SELECT %s, %s, unit_id, estate_id, %s, %s, %s, %s, %s, %s, %s, %s, "
            "'pending', %s "
            "FROM finance_accounts WHERE account_id = %s ON CONFLICT DO NOTHING",
            [
                p[key],
                kind,
                p.get("bill_id"),
                p["amount"],
                p["currency"],
                p.get("method"),
                p.get("payer_id"),
                p["reason"],
                p["approval_id"],
                p["requested_by"],
                at,
                as_uuid(note.originator_id),
            ],
        )

    def _decided(self, cur: Any, request_id: Any, status: str, at: Any) -> None:
        cur.execute(
            "UPDATE finance_account_requests SET status = %s, decided_at = %s "
            "WHERE request_id = %s",
            [status, at, request_id],
        )

    def _WaiverRequested(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._request(cur, "waiver", p, at, note, "waiver_id")

    def _WaiverDeclined(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._decided(cur, p["waiver_id"], "declined", at)

    def _RefundRequested(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._request(cur, "refund", p, at, note, "refund_id")
        cur.execute(
            "UPDATE finance_accounts SET reserved = reserved + %s WHERE account_id = %s "
            "RETURNING unit_id",
            [p["amount"], as_uuid(note.originator_id)],
        )
        row = cur.fetchone()
        if row:
            owners.move(cur, row[0], p.get("payer_id"), 0, p["amount"])

    def _Refunded(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        self._decided(cur, p["refund_id"], "refunded", at)
        found = cur.execute(
            "SELECT payer_id FROM finance_account_requests WHERE request_id = %s", [p["refund_id"]]
        ).fetchone()
        holder = found[0] if found else None
        self._credit(cur, p["unit_id"], -p["amount"], -p["amount"], holder)

    def _RefundDeclined(self, cur: Any, p: dict[str, Any], at: Any, note: Notification) -> None:
        cur.execute(
            "UPDATE finance_account_requests SET status = 'declined', decided_at = %s "
            "WHERE request_id = %s RETURNING amount, payer_id, unit_id",
            [at, p["refund_id"]],
        )
        row = cur.fetchone()
        if row:
            cur.execute(
                "UPDATE finance_accounts SET reserved = reserved - %s WHERE account_id = %s",
                [row[0], as_uuid(note.originator_id)],
            )
            owners.move(cur, row[2], row[1], 0, -row[0])


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [UnitAccountsReadModel()]
