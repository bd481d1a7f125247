"""The first deposit per m² (首期交存, projection ``finance_fund_first_deposit``).

* ``finance_fund_first_deposit_rules``: the estate's rule and each revision,
  one row per day it takes effect.
* ``finance_fund_first_deposits``: one row per unit assessed: its area, the
  rate, the amount due, and what has been paid towards it. A deposit counts
  towards it once the unit's fund account has noted the assessment
  (``AssessmentNoted``) and until the amount is paid, as the account decides.

:func:`rule` and :func:`unpaid` (未交清单) are the only readers. Both are for
staff of the estate and company-wide readers (the auditor); anyone else is
told the estate is missing.
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
from projections.finance.statements.common import money
from projections.protocols import Projection
from projections.records import PerAggregate, fetched, insert

STATUSES = ("unpaid", "partly_paid", "paid")
_STATUS = (
    "CASE WHEN a.paid = 0 THEN 'unpaid' WHEN a.paid < a.amount THEN 'partly_paid' ELSE 'paid' END"
)


class RuleRow(TypedDict):
    effective_on: date
    rate: Decimal  # per m² of gross area
    currency: str
    building_rates: dict[str, Any]  # building ID -> its own rate per m²
    reference: str  # the local rule cited
    set_by: UUID
    at: datetime
    position: int


class FirstDepositRuleView(TypedDict):
    estate_id: UUID
    in_force: RuleRow | None  # the rule of today; None before the first takes effect
    rules: list[RuleRow]  # every rule and revision, by the day it takes effect


class AssessedUnit(TypedDict):
    unit_id: UUID
    number: str | None
    building_id: UUID
    gross_area: Decimal
    rate: Decimal
    currency: str
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str  # unpaid | partly_paid | paid
    rule_reference: str
    assessed_at: datetime


class UnpaidTotals(TypedDict):
    currency: str
    units: int
    unpaid: int
    partly_paid: int
    paid_in_full: int
    due: Decimal
    paid: Decimal
    outstanding: Decimal


class UnpaidList(TypedDict):
    estate_id: UUID
    units: list[AssessedUnit]
    totals: list[UnpaidTotals]


class FirstDeposits(PerAggregate):
    name = "finance_fund_first_deposit"
    aggregates = frozenset({"FirstDepositRule", "FirstDepositAssessment", "FundAccount"})
    version = 1
    tables = ("finance_fund_first_deposit_rules", "finance_fund_first_deposits")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_fund_first_deposit_rules (
            estate_id uuid NOT NULL,
            effective_on date NOT NULL,
            rate numeric NOT NULL,
            currency text NOT NULL,
            building_rates jsonb NOT NULL,
            reference text NOT NULL,
            set_by uuid NOT NULL,
            at timestamptz NOT NULL,
            position bigint NOT NULL,
            PRIMARY KEY (estate_id, effective_on)
        )""",
        """CREATE TABLE IF NOT EXISTS finance_fund_first_deposits (
            unit_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            building_id uuid NOT NULL,
            gross_area numeric NOT NULL,
            rate numeric NOT NULL,
            currency text NOT NULL,
            amount numeric NOT NULL,
            rule_reference text NOT NULL,
            rule_effective_on date NOT NULL,
            paid numeric NOT NULL DEFAULT 0,
            noted boolean NOT NULL DEFAULT false,
            assessed_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_fund_first_deposits_estate "
        "ON finance_fund_first_deposits (estate_id)",
    )

    def _firstdepositrule(self, cur: Any, name: str, event: Any, key: Any, pos: int) -> None:
        keys = ("estate_id", "effective_on", "rate", "currency", "reference", "set_by")
        insert(
            cur,
            "finance_fund_first_deposit_rules",
            {k: getattr(event, k) for k in keys}
            | {"building_rates": to_json(event.building_rates)}
            | {"at": occurred_at(event), "position": pos},
            tail=" ON CONFLICT (estate_id, effective_on) DO NOTHING",
        )

    def _firstdepositassessment(self, cur: Any, name: str, event: Any, key: Any, pos: int) -> None:
        keys = ("unit_id", "estate_id", "building_id", "gross_area", "rate", "currency", "amount")
        insert(
            cur,
            "finance_fund_first_deposits",
            {k: getattr(event, k) for k in keys}
            | {"rule_reference": event.rule_reference}
            | {"rule_effective_on": event.rule_effective_on}
            | {"assessed_at": occurred_at(event), "position": pos},
            tail=" ON CONFLICT (unit_id) DO NOTHING",
        )

    def _fundaccount(self, cur: Any, name: str, event: Any, key: Any, pos: int) -> None:
        if name == "AssessmentNoted":
            cur.execute(
                "UPDATE finance_fund_first_deposits SET noted = true, position = %s "
                "WHERE unit_id = %s",
                [pos, event.unit_id],
            )
        elif name == "Deposited":
            # A part of the first deposit while it is not yet paid; after it, a top-up.
            cur.execute(
                "UPDATE finance_fund_first_deposits SET paid = paid + %s, position = %s "
                "WHERE unit_id = %s AND noted AND paid < amount",
                [event.amount, pos, event.unit_id],
            )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [FirstDeposits()]


# ---- queries ------------------------------------------------------------------------


def _admit(reach: Reach, estate_id: UUID) -> None:
    if not (reach.everything or estate_id in reach.estates):
        raise NotFound(HIDDEN)


def rule(
    conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, on: date
) -> FirstDepositRuleView:
    """The estate's first-deposit rules, with the one in force on ``on`` (none yet: an
    empty list, ``in_force`` null)."""
    _admit(reach, estate_id)
    rules = fetched(
        conn.execute(
            "SELECT effective_on, rate, currency, building_rates, reference, set_by, at, "
            "position FROM finance_fund_first_deposit_rules WHERE estate_id = %s "
            "ORDER BY effective_on",
            [estate_id],
        ),
        RuleRow,
    )
    current = [r for r in rules if r["effective_on"] <= on]
    return {"estate_id": estate_id, "in_force": current[-1] if current else None, "rules": rules}


def unpaid(
    conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, status: str | None = None
) -> UnpaidList:
    """Every unit assessed (未交清单) with what it owes and has paid, by building and
    number; ``status`` keeps one of unpaid, partly_paid, paid. Totals are of the list."""
    _admit(reach, estate_id)
    where, params = "a.estate_id = %s", list[Any]([estate_id])
    if status is not None:
        where += f" AND {_STATUS} = %s"
        params.append(status)
    units = fetched(
        conn.execute(
            "SELECT a.unit_id, u.number, a.building_id, a.gross_area, a.rate, a.currency, "
            "a.amount AS due, a.paid, a.amount - a.paid AS outstanding, "
            f"{_STATUS} AS status, a.rule_reference, a.assessed_at "
            "FROM finance_fund_first_deposits a LEFT JOIN registry_units u USING (unit_id) "
            f"WHERE {where} ORDER BY a.building_id, u.number, a.unit_id",  # type: ignore[arg-type]
            params,
        ),
        AssessedUnit,
    )
    totals = fetched(
        conn.execute(
            "SELECT a.currency, count(*)::int AS units, "
            f"count(*) FILTER (WHERE {_STATUS} = 'unpaid')::int AS unpaid, "
            f"count(*) FILTER (WHERE {_STATUS} = 'partly_paid')::int AS partly_paid, "
            f"count(*) FILTER (WHERE {_STATUS} = 'paid')::int AS paid_in_full, "
            "sum(a.amount) AS due, sum(a.paid) AS paid, sum(a.amount - a.paid) AS outstanding "
            f"FROM finance_fund_first_deposits a WHERE {where} "  # type: ignore[arg-type]
            "GROUP BY a.currency ORDER BY a.currency",
            params,
        ),
        UnpaidTotals,
    )
    for row in (*units, *totals):
        for column in ("due", "paid", "outstanding"):
            row[column] = money(row[column], row["currency"])  # type: ignore[literal-required]
    return {"estate_id": estate_id, "units": units, "totals": totals}
