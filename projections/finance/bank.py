"""Read model of imported bank-statement lines, and the bank reconciliation.

``finance_bank_lines`` holds every line imported (``BankLine`` events) and
the payment finance matched it to by hand. :func:`reconciliation` pairs the
estate's credit lines with its recorded bank-transfer payments
(``finance_payments``, the unit accounts' read model) as of a day, by hand
first and then by rule (``domain.finance.bank_lines.pair``), and draws the
bank reconciliation statement (银行存款余额调节表) against the ledger's bank
account 1002 (``finance_ledger_lines``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.finance.accounts import BANK
from domain.finance.bank_lines import MATCH_WINDOW_DAYS, Credit, Received, pair
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, payload_of
from projections.protocols import Projection
from projections.reach import Reaching

DDL = (
    """CREATE TABLE IF NOT EXISTS finance_bank_lines (
        line_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        account text NOT NULL,
        serial text NOT NULL,
        value_date date NOT NULL,
        time text NOT NULL,
        debit numeric(20, 4) NOT NULL,
        credit numeric(20, 4) NOT NULL,
        balance numeric(20, 4) NOT NULL,
        currency text NOT NULL,
        counterparty text NOT NULL,
        counterparty_account text NOT NULL,
        memo text NOT NULL,
        layout text NOT NULL,
        row_number integer NOT NULL,
        import_id uuid NOT NULL,
        imported_by uuid NOT NULL,
        imported_at timestamptz NOT NULL,
        matched_payment_id uuid,
        matched_by uuid,
        matched_at timestamptz,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS finance_bank_lines_estate "
    "ON finance_bank_lines (estate_id, value_date)",
    # A page of the estate's lines in statement order, read off the index in order.
    "CREATE INDEX IF NOT EXISTS finance_bank_lines_statement "
    "ON finance_bank_lines (estate_id, value_date, time, position, row_number)",
)
LINE_COLUMNS = (
    "line_id, serial, value_date, time, debit, credit, balance, currency, counterparty, "
    "counterparty_account, memo, layout, row_number, import_id, matched_payment_id, "
    "matched_by, matched_at"
)
ZERO = Decimal("0.00")


class BankLinesReadModel:
    name = "finance_bank"
    aggregates = frozenset({"BankLine"})
    tables = ("finance_bank_lines",)
    ddl = DDL

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        _, name = kind_of(event)
        p, at, line_id = payload_of(event), occurred_at(event), as_uuid(note.originator_id)
        if name == "Imported":
            cur.execute(
                "INSERT INTO finance_bank_lines (line_id, estate_id, account, serial, value_date, "
                "time, debit, credit, balance, currency, counterparty, counterparty_account, "
                "memo, layout, row_number, import_id, imported_by, imported_at, position) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (line_id) DO NOTHING",
                [
                    line_id,
                    *(p[k] for k in ("estate_id", "account", "serial", "value_date", "time")),
                    *(p[k] for k in ("debit", "credit", "balance", "currency", "counterparty")),
                    *(p[k] for k in ("counterparty_account", "memo", "layout", "row")),
                    p["import_id"],
                    p["imported_by"],
                    at,
                    note.id,
                ],
            )
        elif name == "Matched":
            cur.execute(
                "UPDATE finance_bank_lines SET matched_payment_id = %s, matched_by = %s, "
                "matched_at = %s WHERE line_id = %s",
                [p["payment_id"], p["by"], at, line_id],
            )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [BankLinesReadModel()]


class BankLineRow(TypedDict):
    line_id: UUID
    serial: str
    value_date: date
    time: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    currency: str
    counterparty: str
    counterparty_account: str
    memo: str
    layout: str
    row_number: int
    import_id: UUID
    matched_payment_id: UUID | None  # matched by hand
    matched_by: UUID | None
    matched_at: Any


class UnmatchedPayment(TypedDict):
    payment_id: UUID
    unit_id: UUID
    reference: str | None
    amount: Decimal
    received_on: date


class MatchedPair(TypedDict):
    line_id: UUID
    payment_id: UUID
    how: str  # "rule" or "hand"


class Reconciliation(TypedDict):
    """银行存款余额调节表 as of a day, and the items on each side."""

    as_of: date | None
    account: str
    bank_balance: Decimal | None  # the last imported line's balance; None: no line yet
    recorded_not_on_statement: Decimal  # 企业已收银行未收
    adjusted_bank_balance: Decimal | None
    ledger_balance: Decimal  # 1002 in the ledger
    statement_credits_not_recorded: Decimal  # 银行已收企业未收
    statement_debits_not_recorded: Decimal  # 银行已付企业未付
    adjusted_ledger_balance: Decimal
    difference: Decimal | None  # adjusted bank less adjusted ledger: 0 when reconciled
    matched: list[MatchedPair]
    unmatched_lines: list[BankLineRow]
    unmatched_payments: list[UnmatchedPayment]


def _credit(row: BankLineRow) -> Credit:
    return Credit(
        line_id=row["line_id"],
        serial=row["serial"],
        memo=row["memo"],
        value_date=row["value_date"],
        amount=row["credit"],
        matched_to=row["matched_payment_id"],
    )


def _visible(reach: Reaching, estate_id: UUID) -> bool:
    return reach.everything or estate_id in reach.estates


def _rows(conn: psycopg.Connection[Any], sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def lines(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    estate_id: UUID,
    as_of: date | None = None,
    *,
    after_line: UUID | None = None,
    limit: int = 500,
) -> list[BankLineRow] | None:
    """The estate's imported lines in statement order, ``limit`` of them from
    after the line ``after_line`` (a cursor: none after a line not of this
    estate); None outside the reach."""
    if not _visible(reach, estate_id):
        return None
    found = _rows(
        conn,
        f"SELECT {LINE_COLUMNS} FROM finance_bank_lines WHERE estate_id = %s "
        "AND (%s::date IS NULL OR value_date <= %s) AND (%s::uuid IS NULL OR "
        "(value_date, time, position, row_number) > (SELECT c.value_date, c.time, c.position, "
        "c.row_number FROM finance_bank_lines c WHERE c.line_id = %s AND c.estate_id = %s)) "
        "ORDER BY value_date, time, position, row_number LIMIT %s",
        [estate_id, as_of, as_of, after_line, after_line, estate_id, limit],
    )
    return [BankLineRow(**r) for r in found]  # type: ignore[typeddict-item]


def reconciliation(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    estate_id: UUID,
    as_of: date | None,
    window: int = MATCH_WINDOW_DAYS,
) -> Reconciliation | None:
    """The reconciliation of the estate's bank account as of ``as_of`` (None: as the
    books and the imported lines stand); None outside the reach."""
    statement = lines(conn, reach, estate_id, as_of)
    if statement is None:
        return None
    payments = _rows(
        conn,
        "SELECT payment_id, unit_id, reference, amount, received_on FROM finance_payments "
        "WHERE estate_id = %s AND method = 'bank_transfer' AND NOT reversed "
        "AND (%s::date IS NULL OR received_on <= %s) ORDER BY position",
        [estate_id, as_of, as_of],
    )
    credits = [_credit(r) for r in statement if r["credit"] > 0]
    received = [
        Received(p["payment_id"], p["reference"] or "", p["amount"], p["received_on"])
        for p in payments
    ]
    pairs = pair(credits, received, window)
    by_hand = {c.line_id for c in credits if c.matched_to is not None}
    paid = set(pairs.values())
    open_lines = [r for r in statement if r["line_id"] not in pairs]
    open_payments = [UnmatchedPayment(**p) for p in payments if p["payment_id"] not in paid]  # type: ignore[typeddict-item]
    [[ledger]] = conn.execute(
        "SELECT coalesce(sum(debit - credit), 0) FROM finance_ledger_lines "
        "WHERE estate_id = %s AND account = %s AND (%s::date IS NULL OR booked_on <= %s)",
        [estate_id, BANK, as_of, as_of],
    ).fetchall()
    bank = statement[-1]["balance"] if statement else None
    recorded = sum((p["amount"] for p in open_payments), ZERO)
    credited = sum((r["credit"] for r in open_lines), ZERO)
    debited = sum((r["debit"] for r in open_lines), ZERO)
    adjusted_bank = None if bank is None else bank + recorded
    adjusted_ledger = ledger + credited - debited
    return Reconciliation(
        as_of=as_of,
        account=BANK,
        bank_balance=bank,
        recorded_not_on_statement=recorded,
        adjusted_bank_balance=adjusted_bank,
        ledger_balance=ledger,
        statement_credits_not_recorded=credited,
        statement_debits_not_recorded=debited,
        adjusted_ledger_balance=adjusted_ledger,
        difference=None if adjusted_bank is None else adjusted_bank - adjusted_ledger,
        matched=[
            MatchedPair(
                line_id=line_id,
                payment_id=payment_id,
                how="hand" if line_id in by_hand else "rule",
            )
            for line_id, payment_id in pairs.items()
        ],
        unmatched_lines=open_lines,
        unmatched_payments=open_payments,
    )
