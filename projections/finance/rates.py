"""The fee schedule screen (projection ``finance_rates``): every rate change
with its status, the billing terms, shared costs and meter readings per estate.

The billing run never reads these tables (it loads the aggregates); they
serve ``GET /api/v1/finance/estates/{id}/fee-schedule``, the shared-cost and
the meter-reading lists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, to_json
from projections.finance.views import (
    BillingTermsRow,
    RateChangeRow,
    RateRow,
    ReadingRow,
    SharedCostRow,
)
from projections.protocols import Projection

V = TypeVar("V")

CHANGE_COLUMNS = (
    "change_id",
    "estate_id",
    "item",
    "rate",
    "currency",
    "basis",
    "effective_from",
    "resolution",
    "contract_reference",
    "approval_id",
    "proposed_by",
    "proposed_at",
    "status",
    "outcome",
    "decided_at",
    "adopted_position",
)
TERMS_COLUMNS = (
    "due_days",
    "late_fee_daily_rate",
    "late_fee_grace_days",
    "late_fee_cap_ratio",
    "currency",
    "settlement_order",
    "updated_at",
)
COST_COLUMNS = (
    "cost_id",
    "period",
    "item",
    "description",
    "amount",
    "currency",
    "basis",
    "status",
    "recorded_at",
    "withdrawn_at",
    "withdrawal_reason",
)
READING_COLUMNS = ("unit_id", "meter", "reading", "read_on", "recorded_at")


class FeeSchedules:
    name = "finance_rates"
    aggregates = frozenset({"FeeSchedule", "MeterReadings"})
    tables = (
        "finance_fee_schedules",
        "finance_rate_changes",
        "finance_billing_terms",
        "finance_shared_costs",
        "finance_meter_readings",
    )
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_fee_schedules (
            schedule_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS finance_rate_changes (
            change_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            item text NOT NULL,
            rate numeric NOT NULL,
            currency text NOT NULL,
            basis text NOT NULL,
            effective_from date NOT NULL,
            resolution jsonb,
            contract_reference text,
            approval_id uuid NOT NULL,
            proposed_by uuid NOT NULL,
            proposed_at timestamptz NOT NULL,
            status text NOT NULL,
            outcome text,
            decided_at timestamptz,
            adopted_position bigint
        )""",
        "CREATE INDEX IF NOT EXISTS finance_rate_changes_estate "
        "ON finance_rate_changes (estate_id, item, effective_from)",
        """CREATE TABLE IF NOT EXISTS finance_billing_terms (
            estate_id uuid PRIMARY KEY,
            due_days integer NOT NULL,
            late_fee_daily_rate numeric NOT NULL,
            late_fee_grace_days integer NOT NULL,
            late_fee_cap_ratio numeric NOT NULL,
            currency text NOT NULL,
            settlement_order text NOT NULL DEFAULT 'art_561',
            updated_at timestamptz NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS finance_shared_costs (
            cost_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            period text NOT NULL,
            item text NOT NULL,
            description text NOT NULL,
            amount numeric NOT NULL,
            currency text NOT NULL,
            basis text NOT NULL,
            status text NOT NULL,
            recorded_at timestamptz NOT NULL,
            withdrawn_at timestamptz,
            withdrawal_reason text
        )""",
        # The list's keyset, (period, recorded at, ID) within the estate.
        "CREATE INDEX IF NOT EXISTS finance_shared_costs_page "
        "ON finance_shared_costs (estate_id, period, recorded_at, cost_id)",
        """CREATE TABLE IF NOT EXISTS finance_meter_readings (
            estate_id uuid NOT NULL,
            period text NOT NULL,
            unit_id uuid NOT NULL,
            meter text NOT NULL,
            reading numeric NOT NULL,
            read_on date NOT NULL,
            recorded_at timestamptz NOT NULL,
            PRIMARY KEY (estate_id, period, unit_id, meter)
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "FeeSchedule":
            self._schedule(cur, name, event, note)
        elif aggregate == "MeterReadings" and name == "ReadingsRecorded":
            self._readings(cur, event)

    def _schedule(
        self, cur: psycopg.Cursor[Any], name: str, event: Any, note: Notification
    ) -> None:
        schedule_id = as_uuid(note.originator_id)
        estate = "(SELECT estate_id FROM finance_fee_schedules WHERE schedule_id = %s)"
        if name == "Opened":
            cur.execute(
                "INSERT INTO finance_fee_schedules (schedule_id, estate_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                [schedule_id, event.estate_id],
            )
        elif name == "RateChangeProposed":
            cur.execute(
                "INSERT INTO finance_rate_changes (change_id, estate_id, item, rate, currency, "
                "basis, effective_from, resolution, contract_reference, approval_id, proposed_by, "
                f"proposed_at, status) VALUES (%s, {estate}, %s, %s, %s, %s, %s, %s::jsonb, %s, "
                "%s, %s, %s, 'pending')",
                [
                    event.change_id,
                    schedule_id,
                    event.item,
                    event.rate,
                    event.currency,
                    event.basis,
                    event.effective_from,
                    to_json(event.resolution) if event.resolution is not None else None,
                    event.contract_reference,
                    event.approval_id,
                    event.proposed_by,
                    event.at,
                ],
            )
        elif name == "RateChangeAdopted":
            cur.execute(
                "UPDATE finance_rate_changes SET status = 'adopted', outcome = 'approved', "
                "decided_at = %s, adopted_position = %s WHERE change_id = %s",
                [event.at, note.id, event.change_id],
            )
        elif name == "RateChangeRejected":
            cur.execute(
                "UPDATE finance_rate_changes SET status = 'rejected', outcome = %s, "
                "decided_at = %s WHERE change_id = %s",
                [event.outcome, event.at, event.change_id],
            )
        elif name == "TermsSet":
            cur.execute(
                "INSERT INTO finance_billing_terms (estate_id, due_days, late_fee_daily_rate, "
                "late_fee_grace_days, late_fee_cap_ratio, currency, settlement_order, updated_at) "
                f"VALUES ({estate}, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (estate_id) DO UPDATE SET "
                "due_days = excluded.due_days, late_fee_daily_rate = excluded.late_fee_daily_rate, "
                "late_fee_grace_days = excluded.late_fee_grace_days, "
                "late_fee_cap_ratio = excluded.late_fee_cap_ratio, currency = excluded.currency, "
                "settlement_order = excluded.settlement_order, updated_at = excluded.updated_at",
                [
                    schedule_id,
                    event.due_days,
                    event.late_fee_daily_rate,
                    event.late_fee_grace_days,
                    event.late_fee_cap_ratio,
                    event.currency,
                    event.settlement_order,
                    event.at,
                ],
            )
        elif name == "SharedCostRecorded":
            cur.execute(
                "INSERT INTO finance_shared_costs (cost_id, estate_id, period, item, description, "
                f"amount, currency, basis, status, recorded_at) VALUES (%s, {estate}, %s, %s, %s, "
                "%s, %s, %s, 'recorded', %s)",
                [
                    event.cost_id,
                    schedule_id,
                    event.period,
                    event.item,
                    event.description,
                    event.amount,
                    event.currency,
                    event.basis,
                    event.at,
                ],
            )
        elif name == "SharedCostWithdrawn":
            cur.execute(
                "UPDATE finance_shared_costs SET status = 'withdrawn', withdrawn_at = %s, "
                "withdrawal_reason = %s WHERE cost_id = %s",
                [event.at, event.reason, event.cost_id],
            )

    def _readings(self, cur: psycopg.Cursor[Any], event: Any) -> None:
        for r in event.readings:
            cur.execute(
                "INSERT INTO finance_meter_readings (estate_id, period, unit_id, meter, reading, "
                "read_on, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (estate_id, period, unit_id, meter) DO UPDATE SET "
                "reading = excluded.reading, read_on = excluded.read_on, "
                "recorded_at = excluded.recorded_at",
                [
                    event.estate_id,
                    event.period,
                    r["unit_id"],
                    r["meter"],
                    r["reading"],
                    r["read_on"],
                    event.at,
                ],
            )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [FeeSchedules()]


# ---- queries: the fee-schedule screen, shared costs, meter readings -----------------

RATE_COLUMNS = ("item", "rate", "currency", "basis", "effective_from", "change_id")


def _dicts(
    conn: psycopg.Connection[Any],
    view: type[V],
    columns: tuple[str, ...],
    sql: str,
    params: list[Any],
) -> list[V]:
    rows = conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
    return cast(list[V], [dict(zip(columns, row, strict=True)) for row in rows])


def rate_changes(conn: psycopg.Connection[Any], estate_id: UUID) -> list[RateChangeRow]:
    """Every rate change of the estate, oldest proposal first."""
    return _dicts(
        conn,
        RateChangeRow,
        CHANGE_COLUMNS,
        f"SELECT {', '.join(CHANGE_COLUMNS)} FROM finance_rate_changes WHERE estate_id = %s "
        "ORDER BY proposed_at, change_id",
        [estate_id],
    )


def billing_terms(conn: psycopg.Connection[Any], estate_id: UUID) -> BillingTermsRow | None:
    """The estate's billing terms, or None until they are set."""
    found = _dicts(
        conn,
        BillingTermsRow,
        TERMS_COLUMNS,
        f"SELECT {', '.join(TERMS_COLUMNS)} FROM finance_billing_terms WHERE estate_id = %s",
        [estate_id],
    )
    return found[0] if found else None


def rates_in_force(
    conn: psycopg.Connection[Any], estate_id: UUID, first_day: date
) -> list[RateRow]:
    """Per item, the adopted rate effective on ``first_day`` (on a tie, the later adopted)."""
    return _dicts(
        conn,
        RateRow,
        RATE_COLUMNS,
        f"SELECT DISTINCT ON (item) {', '.join(RATE_COLUMNS)} "
        "FROM finance_rate_changes WHERE estate_id = %s AND status = 'adopted' "
        "AND effective_from <= %s ORDER BY item, effective_from DESC, adopted_position DESC",
        [estate_id, first_day],
    )


def shared_costs(
    conn: psycopg.Connection[Any],
    estate_id: UUID,
    period: str | None = None,
    after_key: tuple[str, datetime, UUID] | None = None,
    limit: int = 1000,
) -> list[SharedCostRow]:
    """The estate's shared costs (of ``period``), withdrawn ones included, in
    (period, recorded at, ID) order after the key ``after_key``."""
    clauses: list[str] = ["estate_id = %s"]
    params: list[Any] = [estate_id]
    if period:
        clauses.append("period = %s")
        params.append(period)
    if after_key is not None:
        clauses.append("(period, recorded_at, cost_id) > (%s, %s, %s)")
        params += after_key
    return _dicts(
        conn,
        SharedCostRow,
        COST_COLUMNS,
        f"SELECT {', '.join(COST_COLUMNS)} FROM finance_shared_costs "
        f"WHERE {' AND '.join(clauses)} ORDER BY period, recorded_at, cost_id LIMIT %s",
        [*params, limit],
    )


def meter_readings(conn: psycopg.Connection[Any], estate_id: UUID, period: str) -> list[ReadingRow]:
    """The month's readings of the estate, by unit and meter."""
    return _dicts(
        conn,
        ReadingRow,
        READING_COLUMNS,
        f"SELECT {', '.join(READING_COLUMNS)} FROM finance_meter_readings "
        "WHERE estate_id = %s AND period = %s ORDER BY unit_id, meter",
        [estate_id, period],
    )
